"""Fixtures of the kiosk's screen tests: the demo data and an app on it."""

from __future__ import annotations

import pytest

from booking.demo import load_demo
from kiosk.app import KioskApp


@pytest.fixture
def demo_db(db, clock, settings):
    load_demo(db, clock, settings)
    return db


@pytest.fixture
def app(demo_db, clock, settings):
    return KioskApp(settings, demo_db, clock)
