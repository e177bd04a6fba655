"""Issue 13: rules the desk screens ask booking for, defined once there: "is a session open
for this meeting now" and the delay reason it suggests (B2, C2, C3), and the slot a late
lawyer has lost (B10)."""

from __future__ import annotations

from datetime import timedelta

from support import OFFICER, at, presentation

from booking.calendar import OpeningCalendar
from booking.meetings import (
    book,
    check_in,
    get_booking,
    offer_slots,
    slot_lost,
    suggested_delay_reason,
)
from booking.verification import verify_documents


def test_b2_c3_open_now_and_the_suggested_delay_reason(centre, settings):
    calendar = OpeningCalendar.from_settings(centre, settings)
    tuesday = at(2026, 11, 24, 9, 0)
    assert calendar.open_for(tuesday, tuesday + timedelta(minutes=60))
    assert suggested_delay_reason(calendar, tuesday, 60) == "rooms_busy"
    # 11:00: a 60-minute meeting would run past the morning's 11:30 close
    late_morning = at(2026, 11, 24, 11, 0)
    assert not calendar.open_for(late_morning, late_morning + timedelta(minutes=60))
    assert suggested_delay_reason(calendar, late_morning, 30) == "rooms_busy"
    assert suggested_delay_reason(calendar, late_morning, 60) == "outside_hours"
    assert suggested_delay_reason(calendar, at(2026, 11, 24, 20, 0), 30) == "outside_hours"
    assert suggested_delay_reason(calendar, at(2026, 11, 29, 10, 0), 30) == "outside_hours"  # Sun
    day = calendar.day(tuesday.date())
    assert day.holds(at(2026, 11, 24, 13, 0), at(2026, 11, 24, 17, 0))
    assert not day.holds(at(2026, 11, 24, 11, 0), at(2026, 11, 24, 13, 30))


def test_b10_the_slot_is_lost_only_when_booked_and_past_the_late_limit(centre, clock,
                                                                      settings):
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    offer = offer_slots(centre, clock, settings, request.id).offers[0]
    booking = book(centre, clock, settings, OFFICER, request.id, offer.room_id, offer.start)
    limit = booking.start + timedelta(minutes=settings.meetings.late_minutes)
    assert not slot_lost(booking, limit, settings)
    assert slot_lost(booking, limit + timedelta(seconds=1), settings)
    arrived = check_in(centre, clock, settings, OFFICER, booking.id)
    assert arrived.state == "arrived"
    assert not slot_lost(get_booking(centre, clock, booking.id), limit + timedelta(hours=1),
                         settings)


def test_b4_a_free_room_is_one_no_meeting_running_over_holds(centre, clock, settings):
    """One free-room query for the desk and the platform import: a meeting started late or
    running over holds its room, as book() counts it."""
    from booking.meetings import free_room, start_meeting

    request = verify_documents(centre, clock, OFFICER, presentation()).request
    offer = offer_slots(centre, clock, settings, request.id).offers[0]
    booking = book(centre, clock, settings, OFFICER, request.id, offer.room_id, offer.start)
    check_in(centre, clock, settings, OFFICER, booking.id)
    start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert free_room(centre, "meeting", booking.start, booking.end, clock.now()).id != \
        booking.room_id
    clock.set(booking.end + timedelta(minutes=10))  # still in progress: running over
    now = clock.now()
    room = free_room(centre, "meeting", now, now + timedelta(minutes=60), now)
    assert room is not None and room.id != booking.room_id and room.kind == "meeting"
    later = now + timedelta(hours=3)  # its overrun holds the room until now only
    assert free_room(centre, "meeting", later, later + timedelta(minutes=60), now).id == \
        booking.room_id == "M1"
