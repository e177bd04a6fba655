"""Shared fixtures: a real SQLite file per test, the repo's settings, a fixed clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from booking.clock import SHANGHAI, FixedClock
from booking.settings import load_settings
from booking.storage import open_database

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def settings():
    return load_settings(ROOT / "config" / "kiosk.toml")


@pytest.fixture
def clock():
    # A Tuesday morning, inside opening hours.
    return FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "kiosk.db")
    yield database
    database.conn.close()
