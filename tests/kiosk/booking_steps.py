"""Steps of the booking screens' tests: from a verified request to offers, and what they show."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk_steps import GOOD_POA, fill, sign_in
from textual.pilot import Pilot
from textual.widgets import DataTable

from booking.clock import SHANGHAI

# The demo lawyer for 郑毅 (roster 2026030): national security, under investigation (P1).
NATIONAL_SECURITY_POA = GOOD_POA | {"letter-detainee": "郑毅", "roster-no": "2026030",
                                    "poa-signed-by": "郑毅"}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def record_prints(app, monkeypatch) -> list[tuple]:
    """The printers are the printing module's business: here every call is only recorded."""
    calls: list[tuple] = []
    monkeypatch.setattr(app, "print_booking", lambda booking_id: calls.append(
        ("booking", booking_id)))
    monkeypatch.setattr(app, "print_consent", lambda request_id, room_id, start: calls.append(
        ("consent", request_id, room_id, start)))
    return calls


async def settle(pilot: Pilot) -> None:
    """Let workers push their dialogs and screens finish mounting."""
    for _ in range(3):
        await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    """Press the keys, then let the app settle (the step almost every pilot test repeats)."""
    await pilot.press(*keys)
    await settle(pilot)


async def record(pilot: Pilot, *keys: str) -> None:
    """Each key of the meeting desk, confirmed: B11, it first asks "record this?" (Enter)."""
    from kiosk.screens.record_dialog import RecordDialog

    for key in keys:
        await press(pilot, key)
        assert isinstance(pilot.app.screen, RecordDialog), f"key {key} did not ask first"
        await press(pilot, "enter")


async def verified(pilot: Pilot, fields: dict[str, str] = GOOD_POA) -> None:
    await sign_in(pilot)
    await fill(pilot, fields)
    await press(pilot, "ctrl+s")


async def to_offers(pilot: Pilot, fields: dict[str, str] = GOOD_POA) -> None:
    """Verify the documents, then F3 (book) on the verify screen."""
    await verified(pilot, fields)
    await press(pilot, "f3")


def rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def fill_meeting_rooms(db, start: datetime, hours: int = 8) -> None:
    """Every meeting room taken from start (other lawyers' meetings, for request 1)."""
    end = start + timedelta(hours=hours)
    rooms = [r["id"] for r in db.query("SELECT id FROM rooms WHERE kind = 'meeting'")]
    for n, room in enumerate(rooms):
        db.execute(
            "INSERT INTO bookings (request_id, room_id, room_kind, cert_no, roster_no, starts_at,"
            " ends_at, start_ts, end_ts, state, booked_by, booked_at) VALUES"
            " (1, ?, 'meeting', ?, ?, ?, ?, ?, ?, 'done', 'test', ?)",
            (room, f"X{n}", f"R{n}", start.isoformat(), end.isoformat(), int(start.timestamp()),
             int(end.timestamp()), start.isoformat()))


def bookings(db) -> list[dict]:
    return list(db.query("SELECT * FROM bookings WHERE booked_by != 'test' ORDER BY id"))
