"""Issue 12: every desk screen on the smallest desk terminal, 80x24, as SVG snapshots (the
120x40 ones are in test_screen_snapshots, test_booking_snapshots, test_scan_board and
test_report_screen). Each walks there the way an officer does, keyboard only."""

from __future__ import annotations

import pytest
from booking_steps import press, record_prints, to_offers
from kiosk_steps import GOOD_POA, fill, sign_in, steady_cursor

NARROW = (80, 24)
WARDEN, WARDEN_PIN = "9001", "135790"  # the demo warden (README)


async def _verified(pilot):
    await sign_in(pilot)
    await fill(pilot, GOOD_POA)
    await press(pilot, "ctrl+s")


@pytest.mark.parametrize("screen", ["sign_in", "verify_passed", "offers", "meeting", "watch",
                                    "day_view", "board", "scan", "report"])
def test_snapshot_80x24(snap_compare, app, monkeypatch, screen):
    record_prints(app, monkeypatch)

    async def walk(pilot):
        await pilot.pause()
        if screen == "verify_passed":
            await _verified(pilot)
        elif screen == "offers":
            await to_offers(pilot)
        elif screen == "meeting":
            await to_offers(pilot)
            await press(pilot, "enter", "ctrl+o")
        elif screen in ("watch", "day_view", "board", "scan"):
            key = {"watch": "f4", "day_view": "f5", "board": "f6", "scan": "f7"}[screen]
            await to_offers(pilot)
            await press(pilot, "enter", key)
        elif screen == "report":
            await sign_in(pilot, WARDEN, WARDEN_PIN)
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=NARROW, run_before=walk)
