"""The front desk's use cases, bound once to what every one of them needs (issue 13).

A `Desk` holds the database, the one clock, the settings and the officer signed in (None
before a sign-in); its methods are the use cases of booking/, each checking its rule and
writing in one transaction as before. The screens call `app.desk.book(...)` instead of
passing `db, clock, settings, officer` in the order each use case happens to take them; the
CLI's Context gives the same object (kiosk/cli.py). A Desk is a value: signing in gives a
new one (`signed_in`), nothing is cached in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from . import (
    assistants,
    calendar,
    defences,
    desk_queries,
    meetings,
    permission,
    qr,
    queue,
    report,
    roster_changes,
    staff,
    tickets,
    verification,
    watch,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .clock import Clock
    from .settings import Settings


@dataclass(frozen=True)
class Desk:
    db: Database
    clock: Clock
    settings: Settings
    officer: str | None = None
    """The staff number signed in: the actor of every write (None: nobody yet)."""

    def signed_in(self, officer: str | None) -> Desk:
        return replace(self, officer=officer)

    @property
    def actor(self) -> str:
        if self.officer is None:  # a screen offered a write before a sign-in: our fault
            raise RuntimeError("no officer is signed in at this desk")
        return self.officer

    # -- sign-in and staff (S1)

    def sign_in(self, staff_no: str, pin: str) -> staff.StaffMember:
        return staff.sign_in(self.db, self.clock, staff_no, pin,
                             self.settings.security.max_pin_attempts)

    def unlock(self, staff_no: str) -> None:
        staff.unlock(self.db, self.clock, self.actor, staff_no)

    def staff(self) -> list[staff.StaffMember]:
        return staff.list_staff(self.db)

    # -- documents (V1-V10) and defences (V6)

    def verify(self, presentation: verification.Presentation) -> verification.Verification:
        return verification.verify_documents(self.db, self.clock, self.actor, presentation)

    def live_defences(self, roster_no: str) -> list[defences.Defence]:
        return defences.live_defences(self.db, self.clock, roster_no)

    def end_defence(self, roster_no: str, cert_no: str, reason: str,
                    on: date) -> defences.Defence:
        return defences.end_defence(self.db, self.clock, self.actor, roster_no, cert_no,
                                    reason, on)

    # -- requests, offers and bookings (B1-B12, C2-C4, P2)

    def request_card(self, request_id: int) -> desk_queries.RequestCard:
        return desk_queries.request_card(self.db, self.clock, request_id)

    def offers(self, request_id: int, length: int | None = None,
               wants_video: bool = False) -> meetings.Offers:
        return meetings.offer_slots(self.db, self.clock, self.settings, request_id, length,
                                    wants_video)

    def suggested_delay_reason(self, length: int) -> str:
        return meetings.suggested_delay_reason(self.calendar(), self.clock.now(), length)

    def free_room(self, kind: meetings.RoomKind, start: datetime,
                  end: datetime) -> desk_queries.Room | None:
        return meetings.free_room(self.db, kind, start, end, self.clock.now())

    def book(self, request_id: int, room_id: str, start: datetime, length: int | None = None,
             **choices) -> meetings.Booking:
        """A booking for later (the lawyer is not queued now)."""
        return meetings.book(self.db, self.clock, self.settings, self.actor, request_id,
                             room_id, start, length, **choices)

    def book_at_desk(self, request_id: int, room_id: str, start: datetime,
                     length: int | None = None, **choices) -> queue.DeskBooking:
        """A meeting at once with the lawyer at the desk: booked, arrived and queued."""
        return queue.book_at_desk(self.db, self.clock, self.settings, self.actor, request_id,
                                  room_id, start, length, **choices)

    def record_permission(self, request_id: int, granted: bool, reference: str, *,
                          lawyer_present: bool = False) -> dict:
        return permission.record_permission(self.db, self.clock, self.actor, request_id,
                                            granted, reference, lawyer_present=lawyer_present)

    def record_lawyer_told(self, request_id: int) -> dict:
        return permission.record_lawyer_told(self.db, self.clock, self.actor, request_id)

    def record_notified(self, request_id: int) -> bool:
        return roster_changes.record_notified(self.db, self.clock, self.actor, request_id)

    def watch_list(self) -> list[watch.WatchItem]:
        return watch.watch_list(self.db, self.clock)

    # -- the meeting desk (B10, B11, C4, A1-A3, Q4)

    def booking(self, booking_id: int) -> meetings.Booking:
        return meetings.get_booking(self.db, self.clock, booking_id)

    def allowed_actions(self, booking_id: int) -> meetings.DeskActions:
        return meetings.allowed_actions(self.db, self.clock, self.settings, booking_id)

    def pushed_booking(self, booking_id: int) -> meetings.PushedBooking | None:
        return meetings.pushed_booking(self.db, self.clock, self.settings, booking_id)

    def admit(self, booking_id: int) -> queue.Admission:
        return queue.admit(self.db, self.clock, self.settings, self.actor, booking_id)

    def start_meeting(self, booking_id: int, devices_off_confirmed: bool = False
                      ) -> meetings.Booking:
        return meetings.start_meeting(self.db, self.clock, self.settings, self.actor,
                                      booking_id, devices_off_confirmed)

    def end_meeting(self, booking_id: int) -> meetings.Booking:
        return meetings.end_meeting(self.db, self.clock, self.actor, booking_id)

    def close_without_meeting(self, booking_id: int,
                              outcome: Literal["no_show", "cancelled"]) -> meetings.Booking:
        return meetings.close_without_meeting(self.db, self.clock, self.actor, booking_id,
                                              outcome)

    def move_booking(self, booking_id: int, room_id: str, start: datetime) -> meetings.Booking:
        return meetings.move_booking(self.db, self.clock, self.settings, self.actor,
                                     booking_id, room_id, start)

    def release_late(self, booking_id: int) -> None:
        meetings.release_late(self.db, self.clock, self.settings, self.actor, booking_id)

    def assistant(self, booking_id: int) -> desk_queries.AssistantRow | None:
        return desk_queries.assistant_of(self.db, booking_id)

    def add_assistant(self, booking_id: int, name: str, firm_code: str,
                      cert_kind: Literal["practice", "trainee"], cert_no: str,
                      inspected_in_person: bool = False) -> int:
        return assistants.add_assistant(self.db, self.clock, self.actor, booking_id, name,
                                        firm_code, cert_kind, cert_no, inspected_in_person)

    def confirm_assistant(self, assistant_id: int, reference: str) -> None:
        assistants.confirm_assistant(self.db, self.clock, self.actor, assistant_id, reference)

    # -- the queue, scans and tickets (Q2-Q4, T1-T4)

    def check_in_by_code(self, code: str) -> qr.CheckInResult:
        return qr.check_in_by_code(self.db, self.clock, self.settings, self.actor, code)

    def ticket_data(self, booking_id: int) -> tickets.TicketData:
        return tickets.ticket_for(self.db, self.clock, self.settings, booking_id)

    def ticket(self, booking_id: int) -> queue.Ticket | None:
        return queue.ticket_of(self.db, self.clock, booking_id)

    def board(self, default_minutes: int = 60) -> queue.Board:
        return queue.board(self.db, self.clock, default_minutes=default_minutes)

    def call_next(self, default_minutes: int = 60) -> queue.Ticket | None:
        """None: nobody is waiting (a refusal raises, as every use case does)."""
        return queue.call_next(self.db, self.clock, self.actor,
                               default_minutes=default_minutes)

    # -- the day and its hours (B2, C1)

    def calendar(self) -> calendar.OpeningCalendar:
        return calendar.OpeningCalendar.from_settings(self.db, self.settings)

    def hours(self, day: date) -> calendar.DayHours:
        return self.calendar().day(day)

    def day_bookings(self, day: date) -> list[desk_queries.DayBooking]:
        return desk_queries.day_bookings(self.db, self.clock, day)

    def rooms(self) -> list[desk_queries.Room]:
        return desk_queries.rooms(self.db)

    def add_duty_session(self, day: date, sessions: list[str]) -> calendar.CalendarEntry:
        return calendar.add_duty_session(self.db, self.clock, self.actor, day, sessions)

    # -- the warden's report (R1)

    def compliance_report(self, first: date, last: date) -> report.ComplianceReport:
        return report.compliance_report(self.db, self.clock, first, last)

    def request_history(self, request_id: int) -> list:
        return report.request_history(self.db, request_id)
