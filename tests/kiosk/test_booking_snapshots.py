"""The booking screens as the officer sees them: SVG snapshots at 120x40 on the fixed clock.

Update with `pytest tests/kiosk/test_booking_snapshots.py --snapshot-update`, then look at
the report (Chinese columns line up, nothing cut off) before committing.
"""

from __future__ import annotations

from booking_steps import (
    NATIONAL_SECURITY_POA,
    at,
    fill_meeting_rooms,
    press,
    record_prints,
    settle,
    to_offers,
    verified,
)
from kiosk_steps import GOOD_AID, SIZE, fill, steady_cursor, type_into


async def _book_now(pilot) -> None:
    await press(pilot, "enter")


def test_snapshot_offers_with_an_earlier_interrogation_room(snap_compare, app, demo_db,
                                                            monkeypatch):
    record_prints(app, monkeypatch)

    async def offers(pilot):
        await verified(pilot)
        fill_meeting_rooms(demo_db, at(2026, 11, 24, 8, 30))
        await press(pilot, "f3")
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=offers)


def test_snapshot_delay_reason_dialog(snap_compare, app, clock, monkeypatch):
    record_prints(app, monkeypatch)
    clock.set(at(2026, 11, 27, 20, 0))  # Friday evening: Saturday morning is the first time

    async def delay(pilot):
        await to_offers(pilot)
        await press(pilot, "enter")
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=delay)


def test_snapshot_consent_dialog(snap_compare, app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)

    async def consent(pilot):
        await verified(pilot)
        fill_meeting_rooms(demo_db, at(2026, 11, 24, 8, 30))
        await press(pilot, "f3")
        await press(pilot, "down", "enter")

    assert snap_compare(app, terminal_size=SIZE, run_before=consent)


def test_snapshot_watch_list_red_at_risk_and_permission(snap_compare, app, clock, monkeypatch):
    record_prints(app, monkeypatch)
    clock.set(at(2026, 11, 22, 22, 0))

    async def watch(pilot):
        await verified(pilot)  # deadline Tuesday 22:00
        clock.set(at(2026, 11, 24, 12, 0))  # 10 hours left, unbooked: at risk
        await pilot.press("ctrl+r")
        await fill(pilot, GOOD_AID)
        await press(pilot, "ctrl+s")
        await pilot.press("ctrl+r")
        await fill(pilot, NATIONAL_SECURITY_POA)
        await press(pilot, "ctrl+s")
        await press(pilot, "f4")

    assert snap_compare(app, terminal_size=SIZE, run_before=watch)


def test_snapshot_day_view_with_two_bookings(snap_compare, app, monkeypatch):
    record_prints(app, monkeypatch)

    async def day(pilot):
        await to_offers(pilot)
        await _book_now(pilot)
        await press(pilot, "escape")
        await pilot.press("ctrl+r")
        await fill(pilot, GOOD_AID)
        await press(pilot, "ctrl+s")
        await press(pilot, "f3")
        await _book_now(pilot)
        await press(pilot, "f5")

    assert snap_compare(app, terminal_size=SIZE, run_before=day)


def test_snapshot_meeting_desk_arrived_with_assistant_waiting(snap_compare, app, monkeypatch):
    record_prints(app, monkeypatch)

    async def meeting(pilot):
        await to_offers(pilot)
        await _book_now(pilot)
        await press(pilot, "ctrl+o")
        await pilot.press("7")  # arrived already: a meeting now is checked in when booked (C2)
        await settle(pilot)
        await type_into(pilot, "#assistant-name", "张小明")
        await type_into(pilot, "#assistant-firm", "3131010142QXJNP17A")
        await type_into(pilot, "#assistant-cert", "31010806110001")
        await press(pilot, "enter")

    assert snap_compare(app, terminal_size=SIZE, run_before=meeting)
