"""Fixtures of the printer tests: keys and printer output under tmp_path, rooms in place."""

from __future__ import annotations

import pytest

from booking.rooms import sync_rooms


@pytest.fixture
def settings(settings, tmp_path):
    """The repo's settings with the QR keys and the printer folder in this test's tmp_path."""
    return settings.model_copy(update={
        "qr": settings.qr.model_copy(update={"key_folder": tmp_path / "keys"}),
        "printer": settings.printer.model_copy(update={"folder": tmp_path / "printer"}),
    })


@pytest.fixture
def centre(registers, clock, settings):
    sync_rooms(registers, clock, "test", settings.rooms)
    return registers
