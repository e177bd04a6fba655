"""Fixtures of the printer tests: rooms in place (keys and output go to tmp_path, see\ntests/conftest.py)."""

from __future__ import annotations

import pytest

from booking.rooms import sync_rooms


@pytest.fixture
def centre(registers, clock, settings):
    sync_rooms(registers, clock, "test", settings.rooms)
    return registers
