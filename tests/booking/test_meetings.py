"""Offers and bookings: B1-B6, B10, C1-C4, P2, with a clock that travels in time."""

from datetime import date, timedelta

import pytest
from support import OFFICER, at, presentation

from booking import audit
from booking.calendar import add_duty_session
from booking.errors import DomainError
from booking.meetings import (
    StartRefused,
    book,
    check_in,
    close_without_meeting,
    end_meeting,
    get_booking,
    offer_slots,
    release_late,
    start_meeting,
)
from booking.verification import verify_documents


def request_at(db, clock, when, **changes):
    clock.set(when)
    result = verify_documents(db, clock, OFFICER, presentation(**changes))
    assert result.passed, result.failures
    return result.request


def meeting_offer(offers, kind="meeting"):
    return next(o for o in offers.offers if o.room_kind == kind)


def test_c2_meeting_now_when_a_room_is_free(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    offers = offer_slots(centre, clock, settings, request.id)
    first = meeting_offer(offers)
    assert first.immediate and first.start == clock.now() and first.before_deadline
    assert [o.room_kind for o in offers.offers] == ["meeting"]  # no earlier interrogation room
    booking = book(centre, clock, settings, OFFICER, request.id, first.room_id, first.start)
    assert booking.immediate and booking.delay_reason is None
    assert booking.deadline == request.deadline


def test_b2_friday_evening_request_served_on_saturday(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 27, 20, 0))
    first = meeting_offer(offer_slots(centre, clock, settings, request.id))
    assert first.start == at(2026, 11, 28, 8, 30) and not first.immediate
    with pytest.raises(DomainError) as info:  # C3: not now, so a reason is needed
        book(centre, clock, settings, OFFICER, request.id, first.room_id, first.start)
    assert info.value.rule == "C3"
    booking = book(centre, clock, settings, OFFICER, request.id, first.room_id, first.start,
                   delay_reason="outside_hours")
    assert booking.delay_reason == "outside_hours" and booking.start < booking.deadline


def test_b2_sunday_closed_by_default_open_when_switched_on(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 28, 16, 30))  # Saturday after hours
    assert meeting_offer(offer_slots(centre, clock, settings, request.id)).start == \
        at(2026, 11, 30, 8, 30)  # Monday
    sunday_on = settings.model_copy(update={
        "hours": settings.hours.model_copy(update={"sunday_open": True})})
    assert meeting_offer(offer_slots(centre, clock, sunday_on, request.id)).start == \
        at(2026, 11, 29, 9, 0)


def test_b2_national_day_offers_a_duty_session_never_past_the_deadline(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 9, 30, 16, 45))
    offers = offer_slots(centre, clock, settings, request.id)
    assert offers.no_opening_before_deadline  # the desk is told at once
    assert not meeting_offer(offers).before_deadline
    with pytest.raises(DomainError) as info:  # never past the deadline silently
        book(centre, clock, settings, OFFICER, request.id, "M1", meeting_offer(offers).start)
    assert info.value.rule == "C3"
    with pytest.raises(DomainError) as info:  # C4: nothing in time was offered to decline
        book(centre, clock, settings, OFFICER, request.id, "M1", meeting_offer(offers).start,
             delay_reason="lawyer_choice")
    assert info.value.rule == "C4"
    assert centre.table("bookings").count == 0
    add_duty_session(centre, clock, OFFICER, date(2026, 10, 1), ["09:00-11:30"])
    offers = offer_slots(centre, clock, settings, request.id)
    assert not offers.no_opening_before_deadline
    assert meeting_offer(offers).start == at(2026, 10, 1, 9, 0)


def test_b2_makeup_working_sunday_is_open(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 9, 19, 17, 0))  # Saturday evening
    assert meeting_offer(offer_slots(centre, clock, settings, request.id)).start == \
        at(2026, 9, 20, 8, 30)  # 调休 Sunday, weekday hours


def test_b2_january_2027_weekly_hours_with_warning(centre, clock, settings):
    request = request_at(centre, clock, at(2027, 1, 8, 18, 0))  # a Friday evening
    offers = offer_slots(centre, clock, settings, request.id)
    assert meeting_offer(offers).start == at(2027, 1, 9, 8, 30)
    assert any("2027" in w and "weekly hours" in w for w in offers.warnings)


def fill_meeting_rooms(db, clock, settings, start):
    """Occupy every meeting room from start for eight hours (other lawyers, detainees)."""
    rooms = [r["id"] for r in db.query("SELECT id FROM rooms WHERE kind = 'meeting'")]
    for n, room in enumerate(rooms):
        db.execute(
            "INSERT INTO bookings (request_id, room_id, room_kind, cert_no, roster_no, starts_at,"
            " ends_at, start_ts, end_ts, state, booked_by, booked_at) VALUES"
            " (?, ?, 'meeting', ?, ?, ?, ?, ?, ?, 'done', 'test', ?)",
            (1, room, f"X{n}", f"R{n}", start.isoformat(), (start + timedelta(hours=8)).isoformat(),
             int(start.timestamp()), int((start + timedelta(hours=8)).timestamp()),
             start.isoformat()))


def test_b5_b6_interrogation_room_only_when_earlier_and_never_without_consent(
        centre, clock, settings):
    clock.set(at(2026, 11, 24, 8, 0))
    placeholder = verify_documents(centre, clock, OFFICER, presentation(
        cert_no="13101200910123457", letter_lawyer_name="刘洋"))
    assert placeholder.passed
    fill_meeting_rooms(centre, clock, settings, at(2026, 11, 24, 8, 30))
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    offers = offer_slots(centre, clock, settings, request.id)
    meeting, interrogation = meeting_offer(offers), meeting_offer(offers, "interrogation")
    assert meeting.start == at(2026, 11, 24, 16, 30) or meeting.start.date() > date(2026, 11, 24)
    assert interrogation.start < meeting.start and interrogation.immediate
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, request.id, interrogation.room_id,
             interrogation.start)
    assert info.value.rule == "B5" and "书面同意" in info.value.zh
    assert centre.table("bookings").count == 4
    booking = book(centre, clock, settings, OFFICER, request.id, interrogation.room_id,
                   interrogation.start, consent_signed=True)
    assert booking.consent_at == clock.now()
    check_in(centre, clock, settings, OFFICER, booking.id)
    with pytest.raises(DomainError) as info:  # devices must be confirmed off
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert info.value.rule == "B5"
    started = start_meeting(centre, clock, settings, OFFICER, booking.id, devices_off_confirmed=True)
    assert started.devices_off_at == clock.now()
    assert audit.verify(centre).ok


def test_b5_interrogation_room_refused_while_a_meeting_room_is_free(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    assert [o.room_kind for o in offer_slots(centre, clock, settings, request.id).offers] == \
        ["meeting"]
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, request.id, "I1", clock.now(), consent_signed=True)
    assert info.value.rule == "B5"


def test_b4_no_double_booking_of_room_detainee_or_lawyer(centre, clock, settings):
    first = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    book(centre, clock, settings, OFFICER, first.id, "M1", clock.now())
    # Same detainee, another lawyer: not at the same time, even in another room.
    second = request_at(centre, clock, at(2026, 11, 24, 9, 0), cert_no="13101200910123457",
                        letter_lawyer_name="刘洋")
    offer = meeting_offer(offer_slots(centre, clock, settings, second.id))
    assert offer.start >= at(2026, 11, 24, 10, 0)
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, second.id, "M2", clock.now())
    assert info.value.rule == "B4"
    # The database refuses it too, whoever writes.
    with pytest.raises(Exception, match="B4"):
        centre.execute(
            "INSERT INTO bookings (request_id, room_id, room_kind, cert_no, roster_no, starts_at,"
            " ends_at, start_ts, end_ts, state, booked_by, booked_at) SELECT request_id, 'M1',"
            " room_kind, 'Z', 'Z', starts_at, ends_at, start_ts + 60, end_ts, 'booked', 'x', 'x'"
            " FROM bookings LIMIT 1")


def test_c4_lawyer_choosing_later_time_is_deferred_with_offer_kept(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    later = at(2026, 11, 27, 9, 0)  # after the deadline (11-26 09:00)
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", later,
                   delay_reason="lawyer_choice")
    assert booking.deferred_by_lawyer and booking.delay_reason == "lawyer_choice"
    assert booking.earliest_offer_at == at(2026, 11, 24, 9, 0)
    assert [(o.kind, o.room, o.start) for o in booking.declined_offers][0] == \
        ("meeting", "M1", at(2026, 11, 24, 9, 0))
    clock.set(later)
    check_in(centre, clock, settings, OFFICER, booking.id)
    start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert centre.table("meeting_requests").get(request.id)["state"] == "deferred_by_lawyer"


def test_c4_met_breached_no_show(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 25, 8, 30),
                   delay_reason="in_court")
    clock.set(at(2026, 11, 25, 8, 35))
    check_in(centre, clock, settings, OFFICER, booking.id)
    start_meeting(centre, clock, settings, OFFICER, booking.id)
    clock.advance(timedelta(minutes=50))
    assert end_meeting(centre, clock, OFFICER, booking.id).state == "done"
    assert centre.table("meeting_requests").get(request.id)["state"] == "met"

    other = request_at(centre, clock, at(2026, 11, 25, 10, 0), roster_no="2026002",
                       letter_detainee_name="张三", poa_signed_by="张三")
    b2 = book(centre, clock, settings, OFFICER, other.id, "M2", at(2026, 11, 26, 9, 0),
              delay_reason="rooms_busy")
    clock.set(at(2026, 11, 26, 9, 20))
    close_without_meeting(centre, clock, OFFICER, b2.id, "no_show")
    assert centre.table("meeting_requests").get(other.id)["state"] == "no_show"


def test_b10_late_lawyer_loses_slot_and_rebooks_under_same_deadline(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 10))
    with pytest.raises(DomainError):
        release_late(centre, clock, settings, OFFICER, booking.id)  # not late enough
    clock.set(at(2026, 11, 24, 13, 16))
    with pytest.raises(DomainError) as info:
        check_in(centre, clock, settings, OFFICER, booking.id)
    assert info.value.rule == "B10"
    release_late(centre, clock, settings, OFFICER, booking.id)
    assert get_booking(centre, clock, booking.id).state == "released_late"
    offers = offer_slots(centre, clock, settings, request.id)
    assert offers.deadline == request.deadline
    again = book(centre, clock, settings, OFFICER, request.id, meeting_offer(offers).room_id,
                 meeting_offer(offers).start)
    assert again.deadline == request.deadline


def test_e1_refused_booking_changes_nothing(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    before = (centre.table("bookings").count, centre.table("audit_log").count)
    for kwargs in ({"room_id": "NOPE", "start": clock.now()},
                   {"room_id": "M1", "start": at(2026, 11, 24, 12, 0), "delay_reason": "rooms_busy"},
                   {"room_id": "M1", "start": at(2026, 11, 23, 9, 0)},
                   {"room_id": "M1", "start": at(2026, 11, 24, 14, 0), "delay_reason": "other"}):
        with pytest.raises(DomainError):
            book(centre, clock, settings, OFFICER, request.id, **kwargs)
    with pytest.raises(DomainError):
        book(centre, clock, settings, OFFICER, request.id, "M1", clock.now(), length=50)
    assert (centre.table("bookings").count, centre.table("audit_log").count) == before


def test_c2_now_offer_taken_a_little_later_is_still_immediate(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 3, 27))
    offer = meeting_offer(offer_slots(centre, clock, settings, request.id))
    assert offer.immediate and offer.start == at(2026, 11, 24, 9, 3)
    clock.advance(timedelta(seconds=95))  # the officer reads the offer out, then books
    booking = book(centre, clock, settings, OFFICER, request.id, offer.room_id, offer.start)
    assert booking.immediate and booking.delay_reason is None
    assert booking.start == at(2026, 11, 24, 9, 5)  # the meeting starts when booked


def test_b10_lawyer_never_checked_in_and_past_the_limit_cannot_start(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 16))  # not checked in, 16 minutes after the booked start
    before = (centre.table("audit_log").count, centre.table("bookings").get(booking.id),
              centre.table("meeting_requests").get(request.id))
    with pytest.raises(DomainError) as info:
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert info.value.rule == "B10"
    assert "释放后重新预约" in info.value.zh and "release it and book again" in info.value.en
    assert (centre.table("audit_log").count, centre.table("bookings").get(booking.id),
            centre.table("meeting_requests").get(request.id)) == before  # E1: nothing changed
    release_late(centre, clock, settings, OFFICER, booking.id)  # the way on: release, re-book
    assert get_booking(centre, clock, booking.id).state == "released_late"


def test_b10_lawyer_checked_in_on_time_may_start_after_the_limit(centre, clock, settings):
    """The centre's delay (room or detainee not ready) is not the lawyer's lateness."""
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 10))
    check_in(centre, clock, settings, OFFICER, booking.id)
    clock.set(at(2026, 11, 24, 13, 50))  # the detainee was brought 50 minutes late
    started = start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert started.state == "in_progress" and started.started_at == clock.now()
    assert centre.table("meeting_requests").get(request.id)["state"] == "met"


def test_b11_lawyer_within_the_limit_starts_only_after_arrival_is_recorded(centre, clock,
                                                                          settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 15))  # exactly at the limit: not more than 15 minutes
    with pytest.raises(StartRefused) as info:
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert (info.value.rule, info.value.why) == ("B11", "not_arrived")
    check_in(centre, clock, settings, OFFICER, booking.id)
    started = start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert started.state == "in_progress"
    assert centre.table("bookings").get(booking.id)["arrived_at"] == "2026-11-24T13:15:00+08:00"


def test_b6_offers_searched_once_while_nothing_is_written(centre, clock, settings,
                                                          monkeypatch):
    """Issue 16: offer_slots then book() for the same request at the same moment search once;
    a write on this connection, another connection's commit or a later clock search again."""
    import sqlite3

    from booking import meetings

    searches = []
    search = meetings._search_offers
    monkeypatch.setattr(meetings, "_search_offers",
                        lambda *args: searches.append(args[3]["id"]) or search(*args))
    first = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    offers = offer_slots(centre, clock, settings, first.id)
    assert offer_slots(centre, clock, settings, first.id) == offers and searches == [first.id]
    other = request_at(centre, clock, at(2026, 11, 24, 9, 0), cert_no="13101200910123457",
                       letter_lawyer_name="刘洋")  # another lawyer, the same detainee
    taken = meeting_offer(offer_slots(centre, clock, settings, other.id))
    book(centre, clock, settings, OFFICER, other.id, taken.room_id, taken.start)
    assert searches == [first.id, other.id]  # book() took the offers just searched
    again = meeting_offer(offer_slots(centre, clock, settings, first.id))
    assert searches[-1] == first.id and again != meeting_offer(offers)  # the detainee is taken
    assert again.start >= taken.end
    path = centre.execute("PRAGMA database_list").fetchone()[2]
    with sqlite3.connect(path) as conn:  # another kiosk's commit
        conn.execute("UPDATE rooms SET name = name || ' (new)' WHERE id = ?", (again.room_id,))
    renamed = meeting_offer(offer_slots(centre, clock, settings, first.id))
    assert searches == [first.id, other.id, first.id, first.id]
    assert renamed.room_name == again.room_name + " (new)"
    clock.set(at(2026, 11, 24, 9, 5))
    offer_slots(centre, clock, settings, first.id)
    assert len(searches) == 5
