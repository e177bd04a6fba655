"""B2: a closure over a date with bookings is refused, listing them; the move flow books
each again by the same rules (before its deadline), prints a 情况说明 per lawyer, and then
the date is closed."""

from datetime import date

import pytest
from click.testing import CliRunner
from support import LAWYER, OFFICER, at, presentation

from booking import audit
from booking.calendar import OpeningCalendar, add_closure, live_bookings_on
from booking.closures import close_and_move
from booking.errors import DomainError
from booking.meetings import book
from booking.verification import verify_documents
from kiosk.calendar_cli import calendar
from kiosk.cli import Context

LIU = "13101200910123457"
WEDNESDAY = date(2026, 11, 25)


def two_bookings_on_wednesday(centre, clock, settings):
    """Two lawyers, presented Tuesday 09:00 (deadline Thursday 09:00), booked Wednesday."""
    ids = []
    for cert_no, name, room, hour in [(LAWYER, "王建国", "M1", 9), (LIU, "刘洋", "M2", 10)]:
        request = verify_documents(centre, clock, OFFICER, presentation(
            cert_no=cert_no, letter_lawyer_name=name)).request
        ids.append(book(centre, clock, settings, OFFICER, request.id, room,
                        at(2026, 11, 25, hour, 0), delay_reason="in_court").id)
    return ids


def snapshot(db) -> tuple:
    return (list(db.query("SELECT * FROM calendar_days ORDER BY day")),
            list(db.query("SELECT id, state, starts_at FROM bookings ORDER BY id")),
            db.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def test_b2_closure_over_booked_day_is_refused_listing_the_bookings(centre, clock, settings):
    ids = two_bookings_on_wednesday(centre, clock, settings)
    before = snapshot(centre)
    with pytest.raises(DomainError) as info:
        add_closure(centre, clock, OFFICER, WEDNESDAY, "停电检修")
    assert info.value.rule == "B2"
    for booking_id, name in zip(ids, ("王建国", "刘洋"), strict=True):
        assert f"#{booking_id}" in info.value.zh and name in info.value.zh
    assert "kiosk calendar move" in info.value.en
    assert snapshot(centre) == before
    assert OpeningCalendar.from_settings(centre, settings).day(WEDNESDAY).is_open


def test_b2_move_rebooks_each_before_its_deadline_then_the_day_is_closed(centre, clock,
                                                                         settings):
    ids = two_bookings_on_wednesday(centre, clock, settings)
    moved = close_and_move(centre, clock, settings, OFFICER, WEDNESDAY, "停电检修")
    assert [m.before.booking_id for m in moved] == ids
    for m in moved:
        assert m.start < m.before.deadline and m.start.date() != WEDNESDAY
        assert m.start >= at(2026, 11, 24, 10, 0)  # an hour's notice at least
        new = centre.table("bookings").get(m.new_booking_id)
        assert new["state"] == "booked" and new["delay_reason"] == "other"
        assert "停电检修" in new["delay_text"]
        assert centre.table("bookings").get(m.before.booking_id)["state"] == "cancelled"
        assert centre.table("meeting_requests").get(new["request_id"])["state"] == "booked"
    assert live_bookings_on(centre, clock, WEDNESDAY) == []
    day = OpeningCalendar.from_settings(centre, settings).day(WEDNESDAY)
    assert (day.reason, day.name) == ("closed", "停电检修")
    actions = [r["action"] for r in centre.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-5:] == ["calendar_closed", "book", "move_booking", "book", "move_booking"]
    assert audit.verify(centre).ok


def test_b2_move_that_cannot_keep_a_deadline_changes_nothing(centre, clock, settings):
    """Presented Friday 17:00 (deadline Sunday 17:00), booked Saturday: closing Saturday
    leaves no time before the deadline (Sunday closed): refused, add a duty session first."""
    clock.set(at(2026, 11, 27, 17, 0))
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 28, 9, 0),
         delay_reason="outside_hours")
    before = snapshot(centre)
    with pytest.raises(DomainError) as info:
        close_and_move(centre, clock, settings, OFFICER, date(2026, 11, 28), "演习")
    assert info.value.rule == "B2" and "值班" in info.value.zh and "duty" in info.value.en
    assert snapshot(centre) == before


def test_b2_cli_close_refuses_and_move_prints_an_explanation_per_lawyer(centre, clock,
                                                                        settings):
    ids = two_bookings_on_wednesday(centre, clock, settings)
    path = centre.conn.execute("PRAGMA database_list").fetchone()[2]
    context = Context(settings, path, clock)

    def kiosk(*args):
        return CliRunner().invoke(calendar, list(args), obj=context)

    refused = kiosk("close", "2026-11-25", "--reason", "停电检修")
    assert refused.exit_code == 1 and f"#{ids[0]}" in refused.output and "刘洋" in refused.output
    moved = kiosk("move", "2026-11-25", "--reason", "停电检修", "--officer", OFFICER)
    assert moved.exit_code == 0, moved.output
    assert moved.output.count("情况说明已打印") == 2
    assert "停止会见 closed by the centre" in moved.output
    printed = list(settings.printer.folder.glob("*.bin"))
    assert len(printed) == 2  # one job per lawyer: the new slip and its 情况说明
    assert all("情况说明".encode("gb18030") in p.read_bytes() for p in printed)
    context.db.conn.close()
