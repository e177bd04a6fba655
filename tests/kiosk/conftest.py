"""Fixtures of the kiosk's screen tests: the demo data and an app on it."""

from __future__ import annotations

import pytest

from booking.demo import load_demo
from kiosk.app import KioskApp


def _demo_db(db, clock, settings):
    """The demo data (built once per clock time and copied: tests/conftest.py `db`)."""
    if db.template_level != "demo":
        load_demo(db, clock, settings)
    return db


_demo_db._from_template = True  # tests/conftest.py's db copies a demo database for it
demo_db = pytest.fixture(_demo_db, name="demo_db")


@pytest.fixture
def app(demo_db, clock, settings):
    return KioskApp(settings, demo_db, clock)
