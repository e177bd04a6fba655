"""Issue 10: who caused each delay (C3, C4), real room occupancy (B4), the guarded start
(B11) and custody checked again (V8/C7), on the booking use cases."""

from datetime import timedelta

import pytest
from support import OFFICER, at, presentation

from booking.errors import DomainError
from booking.meetings import (
    StartRefused,
    allowed_actions,
    book,
    check_in,
    end_meeting,
    get_booking,
    move_booking,
    offer_slots,
    pushed_bookings,
    start_meeting,
)
from booking.verification import verify_documents


def request_at(db, clock, when, **changes):
    clock.set(when)
    result = verify_documents(db, clock, OFFICER, presentation(**changes))
    assert result.passed, result.failures
    return result.request


def only_rooms(db, *room_ids):
    marks = ", ".join("?" for _ in room_ids)
    db.execute(f"UPDATE rooms SET active = 0 WHERE id NOT IN ({marks})", room_ids)


def state_of(db, request_id):
    return db.table("meeting_requests").get(request_id)["state"]


# --- C3/C4: attribution (reproduction 1) ----------------------------------------------------

def test_c4_later_booking_for_detainee_in_court_is_a_breach_not_a_deferral(centre, clock,
                                                                             settings):
    """Reproduction 1: Tuesday 10:00, booked for Friday 09:00 because the detainee is in
    court: kept as in_court, not deferred; started Friday, the request is breached."""
    request = request_at(centre, clock, at(2026, 11, 24, 10, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 27, 9, 0),
                   delay_reason="in_court")
    assert (booking.delay_reason, booking.deferred_by_lawyer) == ("in_court", False)
    assert booking.earliest_offer_at is None
    assert [o.kind for o in booking.declined_offers] == ["meeting"]  # kept, not deferring
    clock.set(at(2026, 11, 27, 8, 55))
    check_in(centre, clock, settings, OFFICER, booking.id)
    start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert state_of(centre, request.id) == "breached"


def test_c4_deferred_only_when_lawyer_declined_a_meeting_room_in_time(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 10, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 27, 9, 0),
                   delay_reason="lawyer_choice")
    assert booking.deferred_by_lawyer
    assert [(o.kind, o.room, o.start) for o in booking.declined_offers] == [
        ("meeting", "M1", at(2026, 11, 24, 10, 0))]


def test_c4_declining_an_interrogation_room_never_makes_a_request_deferred(centre, clock,
                                                                           settings):
    """B5: consent is voluntary. The meeting room is taken until after the deadline; the
    lawyer declines the earlier interrogation room: not deferred, a breach (rooms busy)."""
    only_rooms(centre, "M1", "I1")
    first = request_at(centre, clock, at(2026, 11, 24, 9, 0), roster_no="2026002",
                       letter_detainee_name="张三", poa_signed_by="张三")
    # Occupy M1 for the next three days with meetings of another detainee.
    centre.execute("INSERT INTO bookings (request_id, room_id, room_kind, cert_no, roster_no,"
                   " starts_at, ends_at, start_ts, end_ts, state, booked_by, booked_at)"
                   " VALUES (?, 'M1', 'meeting', 'X', 'Y', ?, ?, ?, ?, 'booked', 't', 't')",
                   (first.id, "2026-11-24T09:00:00+08:00", "2026-11-27T09:00:00+08:00",
                    int(at(2026, 11, 24, 9, 0).timestamp()),
                    int(at(2026, 11, 27, 9, 0).timestamp())))
    request = request_at(centre, clock, at(2026, 11, 24, 9, 30))
    offers = offer_slots(centre, clock, settings, request.id)
    kinds = {o.room_kind: o for o in offers.offers}
    assert kinds["interrogation"].before_deadline and not kinds["meeting"].before_deadline
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, request.id, "M1", kinds["meeting"].start,
             delay_reason="lawyer_choice")
    assert info.value.rule == "C4" and "interrogation" in info.value.en
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", kinds["meeting"].start,
                   delay_reason="rooms_busy")
    assert not booking.deferred_by_lawyer
    assert [o.kind for o in booking.declined_offers] == ["interrogation"]


def test_c3_rooms_busy_past_the_deadline_refused_while_a_room_is_free_in_time(centre, clock,
                                                                             settings):
    request = request_at(centre, clock, at(2026, 11, 24, 10, 0))
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 27, 9, 0),
             delay_reason="rooms_busy")
    assert info.value.rule == "C3"
    assert centre.table("bookings").count == 0


# --- B11: the guarded start (reproduction 6) ------------------------------------------------

def test_b11_start_refused_on_another_day(centre, clock, settings):
    """Reproduction 6: on Thursday, a booking for Saturday does not start."""
    request = request_at(centre, clock, at(2026, 11, 26, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 28, 9, 0),
                   delay_reason="lawyer_choice")
    with pytest.raises(StartRefused) as info:
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert (info.value.rule, info.value.why) == ("B11", "other_day")
    assert "2026-11-28" in info.value.zh and "2026-11-28" in info.value.en
    assert get_booking(centre, clock, booking.id).state == "booked"
    assert state_of(centre, request.id) == "booked"
    actions = allowed_actions(centre, clock, settings, booking.id)
    assert "start" not in actions.allowed and actions.refused["start"].why == "other_day"


def test_b11_start_refused_too_early_and_before_arrival(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 8, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 14, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 40))  # 20 minutes early; the window is 15
    check_in(centre, clock, settings, OFFICER, booking.id)
    with pytest.raises(StartRefused) as info:
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert info.value.why == "too_early"
    clock.set(at(2026, 11, 24, 13, 45))
    assert "start" in allowed_actions(centre, clock, settings, booking.id).allowed
    assert start_meeting(centre, clock, settings, OFFICER, booking.id).state == "in_progress"


def test_b11_start_refused_in_a_room_another_meeting_occupies(centre, clock, settings):
    only_rooms(centre, "M1")
    first = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    b1 = book(centre, clock, settings, OFFICER, first.id, "M1", at(2026, 11, 24, 9, 0))
    check_in(centre, clock, settings, OFFICER, b1.id)
    start_meeting(centre, clock, settings, OFFICER, b1.id)
    second = request_at(centre, clock, at(2026, 11, 24, 9, 5), roster_no="2026002",
                        cert_no="13101200910123457", letter_lawyer_name="刘洋",
                        letter_detainee_name="张三", poa_signed_by="张三")
    b2 = book(centre, clock, settings, OFFICER, second.id, "M1", at(2026, 11, 24, 10, 0),
              delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 10, 0))  # the first meeting runs over
    check_in(centre, clock, settings, OFFICER, b2.id)
    with pytest.raises(StartRefused) as info:
        start_meeting(centre, clock, settings, OFFICER, b2.id)
    assert info.value.why == "room_occupied"
    end_meeting(centre, clock, OFFICER, b1.id)
    assert start_meeting(centre, clock, settings, OFFICER, b2.id).state == "in_progress"


# --- V8 again at booking, check-in and start (reproduction 3) -------------------------------

def test_v8_released_detainee_refused_at_booking_check_in_and_start(centre, clock, settings):
    """Reproduction 3: booked, then the roster says released: no check-in, no start, no
    new booking."""
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 10, 0),
                   delay_reason="rooms_busy")
    centre.execute("UPDATE detainees SET status = 'released' WHERE roster_no = '2026001'")
    clock.set(at(2026, 11, 24, 9, 55))
    with pytest.raises(DomainError) as info:
        check_in(centre, clock, settings, OFFICER, booking.id)
    assert info.value.rule == "V8"
    with pytest.raises(StartRefused) as info:
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert info.value.why == "not_in_custody"
    assert get_booking(centre, clock, booking.id).state == "booked"
    other = request_at(centre, clock, at(2026, 11, 24, 9, 55), roster_no="2026002",
                       letter_detainee_name="张三", poa_signed_by="张三")
    centre.execute("UPDATE detainees SET status = 'transferred' WHERE roster_no = '2026002'")
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, other.id, "M2", clock.now())
    assert info.value.rule == "V8"


# --- B4: real occupancy (reproduction 5) ----------------------------------------------------

def test_b4_a_meeting_started_late_keeps_its_room(centre, clock, settings):
    """Reproduction 5: one meeting room; the 09:00 meeting starts at 09:50; at 10:00 the
    room is not offered "now" and cannot be booked while the meeting is in progress."""
    only_rooms(centre, "M1")
    first = request_at(centre, clock, at(2026, 11, 24, 8, 0))
    b1 = book(centre, clock, settings, OFFICER, first.id, "M1", at(2026, 11, 24, 9, 0),
              delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 8, 55))
    check_in(centre, clock, settings, OFFICER, b1.id)
    clock.set(at(2026, 11, 24, 9, 50))
    start_meeting(centre, clock, settings, OFFICER, b1.id)
    second = request_at(centre, clock, at(2026, 11, 24, 10, 0), roster_no="2026002",
                        cert_no="13101200910123457", letter_lawyer_name="刘洋",
                        letter_detainee_name="张三", poa_signed_by="张三")
    offer = next(o for o in offer_slots(centre, clock, settings, second.id).offers
                 if o.room_kind == "meeting")
    assert not offer.immediate and offer.start >= at(2026, 11, 24, 10, 50)
    with pytest.raises(DomainError) as info:
        book(centre, clock, settings, OFFICER, second.id, "M1", clock.now())
    assert info.value.rule == "B4"
    clock.advance(timedelta(minutes=5))
    end_meeting(centre, clock, OFFICER, b1.id)
    assert offer_slots(centre, clock, settings, second.id).offers[0].immediate


def test_b4_bookings_pushed_by_an_overrun_are_listed_with_the_next_free_room(centre, clock,
                                                                              settings):
    """B4: the 09:00 meeting in M1 starts at 09:50; the 10:00 booking in M1 is pushed: it is
    listed with M2 free at 10:00 offered, and moved there it can start."""
    only_rooms(centre, "M1", "M2")
    first = request_at(centre, clock, at(2026, 11, 24, 8, 0))
    b1 = book(centre, clock, settings, OFFICER, first.id, "M1", at(2026, 11, 24, 9, 0),
              delay_reason="rooms_busy")
    second = request_at(centre, clock, at(2026, 11, 24, 8, 5), roster_no="2026002",
                        cert_no="13101200910123457", letter_lawyer_name="刘洋",
                        letter_detainee_name="张三", poa_signed_by="张三")
    b2 = book(centre, clock, settings, OFFICER, second.id, "M1", at(2026, 11, 24, 10, 0),
              delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 8, 55))
    check_in(centre, clock, settings, OFFICER, b1.id)
    clock.set(at(2026, 11, 24, 9, 50))
    start_meeting(centre, clock, settings, OFFICER, b1.id)
    clock.set(at(2026, 11, 24, 9, 58))
    [pushed] = pushed_bookings(centre, clock, settings)
    assert (pushed.booking_id, pushed.held_by) == (b2.id, b1.id)
    assert pushed.held_until >= at(2026, 11, 24, 10, 50)
    assert (pushed.next_free.room_id, pushed.next_free.start) == ("M2", at(2026, 11, 24, 10, 0))
    assert "move" in allowed_actions(centre, clock, settings, b2.id).allowed
    moved = move_booking(centre, clock, settings, OFFICER, b2.id, "M2", pushed.next_free.start)
    assert (moved.room_id, moved.start) == ("M2", at(2026, 11, 24, 10, 0))
    assert pushed_bookings(centre, clock, settings) == []
    clock.set(at(2026, 11, 24, 10, 0))
    check_in(centre, clock, settings, OFFICER, b2.id)
    assert start_meeting(centre, clock, settings, OFFICER, b2.id).room_id == "M2"
