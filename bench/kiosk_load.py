"""Several kiosks doing the whole front-desk path as fast as they can on one database file,
each in its own process.

Used by the stress test (tests/stress) and the throughput benchmark. Every kiosk runs the
real use cases on its own lawyers and detainees and on shared ones (a detainee with a
lawyer at each of two kiosks, a lawyer with a detainee at every kiosk, and pairs that
every kiosk presents): verify_documents -> offer_slots -> book; then, when its own
FixedClock reaches the lawyer's arrival, queue.admit (check-in and the day's next queue
number, T1), the ticket's print state (T4: every PRINT_FAULT_EVERY-th print fails first and
is reprinted; every RESCAN_EVERY-th code is scanned twice, Q4), start_meeting at once and
end_meeting at the booked end (B11: a room still occupied by another kiosk's meeting, the
kiosks' clocks differing, is freed first: the desk ends that meeting at its booked end at
the earliest, and its own kiosk later finds it done). Most lawyers arrive on time; of every
LATE_EVERY, one arrives exactly at the late limit (admitted) and one a minute after it:
check-in refuses (B10), the kiosk releases the slot (release_late) and books the request
again before its next presentation. The clock moves only forward, and pending arrivals and meeting ends
are handled in time order before it passes them.

All kiosks chase the same earliest free times, so they race for the same rooms, detainees
and lawyers, and for the same day's queue numbers; the loser of a booking race gets a
DomainError (B4, or C4 when the request was booked meanwhile) and goes on. Any other
exception, such as a "database is locked" error or a refusal on the kiosk's own booking
after it was booked, ends the kiosk and is reported.
"""

from __future__ import annotations

import heapq
import itertools
import multiprocessing
import queue
import random
import tempfile
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from booking.clock import SHANGHAI, FixedClock
from booking.errors import DomainError
from booking.imports import import_file
from booking.meetings import (
    Offers,
    StartRefused,
    book,
    cancel_request,
    end_meeting,
    get_booking,
    offer_slots,
    release_late,
    start_meeting,
)
from booking.queue import admit, mark_print_failed, mark_printed
from booking.rooms import sync_rooms
from booking.settings import Settings, load_settings
from booking.staff import add_staff
from booking.storage import open_database
from booking.verification import verify_documents
from simulation import Defence, RegistryMaker

LOAD_ACTOR = "load"
LOAD_OFFICER = ("7001", "压力测试民警", "713579")
START = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)  # a Monday morning
LATE_EVERY = 25        # of every 25 bookings, one lawyer comes at the late limit, one after it
RESCAN_EVERY = 10      # every 10th admitted lawyer scans the code again (Q4)
PRINT_FAULT_EVERY = 8  # every 8th ticket fails to print first and is reprinted (T4)
PRINT_FAULT = "paper out"


@dataclass
class KioskResult:
    kiosk: int
    bookings: int = 0        # successful book() calls, re-bookings included
    rebookings: int = 0      # of those, requests booked again after release_late (B10)
    meetings: int = 0        # meetings ended (end_meeting)
    started: int = 0         # meetings started (start_meeting)
    presentations: int = 0
    released_late: int = 0   # lawyers refused at check-in past the late limit, slot released
    at_the_limit: int = 0    # lawyers admitted exactly late_minutes after the start
    rescans: int = 0         # second admissions of a queued booking (Q4: same ticket)
    print_faults: int = 0    # tickets whose first print failed and were reprinted (T4)
    # every queue ticket this kiosk was given: (day, number, booking_id, label)
    tickets: list[tuple[str, int, int, str]] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)  # DomainError rule -> count
    error: str | None = None  # a traceback: anything but a DomainError

    @property
    def checked_in(self) -> int:
        """Lawyers admitted: checked in and given a queue ticket."""
        return len(self.tickets)


def make_load_registry(kiosks: int, seed: int = 1, own: int = 150,
                       shared: int = 40) -> tuple[RegistryMaker, list[list[Defence]]]:
    """Registers and, per kiosk, the defences it presents (own and shared ones)."""
    maker = RegistryMaker(random.Random(f"{seed}:load"))
    rng = maker.rng
    firms = [maker.firm() for _ in range(8)]

    def lawyer() -> dict:
        return maker.lawyer(rng.choice(firms))

    def detainee() -> dict:
        return maker.detainee(rng.choice(("fraud", "theft", "robbery")))

    per_kiosk: list[list[Defence]] = [[] for _ in range(kiosks)]
    for k in range(kiosks):
        per_kiosk[k] += [maker.defence(lawyer(), detainee(), aid=False) for _ in range(own)]
    for j in range(shared):  # one detainee, a lawyer at each of two kiosks (V6 allows two)
        shared_detainee = detainee()
        for k in {j % kiosks, (j + 1) % kiosks}:
            per_kiosk[k].append(maker.defence(lawyer(), shared_detainee, aid=False))
    for _ in range(shared):  # one lawyer, a detainee at every kiosk
        shared_lawyer = lawyer()
        for k in range(kiosks):
            per_kiosk[k].append(maker.defence(shared_lawyer, detainee(), aid=False))
    for _ in range(max(1, shared // 4)):  # the same lawyer and detainee at every kiosk
        both = maker.defence(lawyer(), detainee(), aid=False)
        for k in range(kiosks):
            per_kiosk[k].append(both)
    for k, defences in enumerate(per_kiosk):
        random.Random(f"{seed}:load:{k}").shuffle(defences)
    return maker, per_kiosk


def prepare_load_database(db_path: Path, config_path: Path, kiosks: int,
                          seed: int = 1) -> list[list[Defence]]:
    """A new database with the load registers, the rooms and one officer."""
    settings = load_settings(config_path)
    clock = FixedClock(START.replace(hour=7, minute=0))
    db = open_database(db_path)
    try:
        sync_rooms(db, clock, LOAD_ACTOR, settings.rooms)
        maker, per_kiosk = make_load_registry(kiosks, seed)
        with tempfile.TemporaryDirectory() as folder:
            paths = maker.write_csv(Path(folder), seed)
            for kind in ("lawyers", "detainees"):
                report = import_file(db, clock, LOAD_ACTOR, kind, paths[kind])
                if report.errors:
                    raise RuntimeError(f"load {kind} register has bad rows: {report.errors[:3]}")
        staff_no, name, pin = LOAD_OFFICER
        add_staff(db, clock, LOAD_ACTOR, staff_no, name, "officer", pin)
    finally:
        db.conn.close()
    return per_kiosk


def _choice(offers: Offers):
    """The earliest offer before the deadline; an interrogation room only when earlier."""
    usable = [o for o in offers.offers if o.before_deadline and o.room_kind != "video"]
    return min(usable, key=lambda o: (o.start, o.room_kind != "meeting"), default=None)


class _Desk:
    """One kiosk's front desk after booking: lawyers arriving and meetings ending, handled
    in time order as the kiosk's clock moves forward."""

    ARRIVE, END = "arrive", "end"

    def __init__(self, db, clock: FixedClock, settings: Settings, result: KioskResult):
        self.db, self.clock, self.settings, self.result = db, clock, settings, result
        self.officer = LOAD_OFFICER[0]
        # (when, arrival after an end at the same time, seq, kind, booking): B11 starts a
        # meeting only in a room no other meeting occupies, so ends come first
        self.events: list[tuple[datetime, bool, int, str, int]] = []
        self.order = itertools.count()
        self.rebook: deque[int] = deque()  # requests released late (B10), to book again

    def booked(self, start: datetime, booking_id: int) -> None:
        """A booking was made: its lawyer arrives on time, at the late limit or after it."""
        late = self.settings.meetings.late_minutes
        n = self.result.bookings % LATE_EVERY
        delay = late + 1 if n == 0 else late if n == LATE_EVERY // 2 else 0
        self._at(start + timedelta(minutes=delay), self.ARRIVE, booking_id)

    def advance(self, to: datetime) -> None:
        """Move the clock forward to `to`, handling every arrival and meeting end due by then
        at its own time."""
        while self.events and self.events[0][0] <= to:
            when, _, _, kind, booking_id = heapq.heappop(self.events)
            self.clock.set(max(self.clock.now(), when))
            if kind == self.ARRIVE:
                self._arrive(booking_id)
            else:
                self._end(booking_id)
        self.clock.set(max(self.clock.now(), to))

    def _at(self, when: datetime, kind: str, booking_id: int) -> None:
        heapq.heappush(self.events, (when, kind != self.END, next(self.order), kind,
                                     booking_id))

    def _arrive(self, booking_id: int) -> None:
        db, clock, officer, result = self.db, self.clock, self.officer, self.result
        try:
            admission = admit(db, clock, self.settings, officer, booking_id)
        except DomainError as exc:
            if exc.rule != "B10":
                raise
            release_late(db, clock, self.settings, officer, booking_id)  # B10: slot lost
            result.released_late += 1
            self.rebook.append(get_booking(db, clock, booking_id).request_id)
            return
        ticket = admission.ticket
        if admission.repeat:
            raise RuntimeError(f"booking {booking_id} already had ticket {ticket.label}")
        result.tickets.append((ticket.day.isoformat(), ticket.number, booking_id, ticket.label))
        booking = get_booking(db, clock, booking_id)
        if clock.now() > booking.start:
            result.at_the_limit += 1
        if result.checked_in % RESCAN_EVERY == 0:  # Q4: the same ticket, not a second one
            again = admit(db, clock, self.settings, officer, booking_id)
            if not again.repeat or again.ticket.id != ticket.id:
                raise RuntimeError(f"second scan of booking {booking_id} gave {again.ticket}"
                                   f" instead of {ticket}")
            result.rescans += 1
        if result.checked_in % PRINT_FAULT_EVERY == 0:  # T4: fault shown, fixed, reprinted
            mark_print_failed(db, clock, officer, ticket.id, PRINT_FAULT)
            result.print_faults += 1
        mark_printed(db, clock, officer, ticket.id)
        self._start(booking_id)
        result.started += 1
        self._at(max(booking.end, clock.now()), self.END, booking_id)

    def _end(self, booking_id: int, clock: FixedClock | None = None) -> bool:
        """End a meeting in progress; False when it was already ended (by the kiosk whose
        next meeting in the room needed it ended first, see _start)."""
        try:
            end_meeting(self.db, clock or self.clock, self.officer, booking_id)
        except DomainError:
            if get_booking(self.db, self.clock, booking_id).state != "done":
                raise
            return False
        self.result.meetings += 1
        return True

    def _start(self, booking_id: int) -> None:
        """B11: start the meeting; a room still occupied by another meeting is an artefact of
        the kiosks' separate clocks (the bookings never overlap): a kiosk whose clock is
        behind has not ended it yet, or one whose clock is ahead already started a later
        one. The desk ends that meeting first, at its booked end at the earliest, then
        starts this one. Any other refusal ends the kiosk."""
        for _ in range(20):
            try:
                start_meeting(self.db, self.clock, self.settings, self.officer, booking_id,
                              devices_off_confirmed=True)
                return
            except StartRefused as exc:
                if exc.why != "room_occupied":
                    raise
                room = get_booking(self.db, self.clock, booking_id).room_id
                row = self.db.execute("SELECT id FROM bookings WHERE room_id = ? AND state ="
                                      " 'in_progress' AND id != ?",
                                      (room, booking_id)).fetchone()
                if row is not None:  # ended at its booked end at the earliest
                    other = get_booking(self.db, self.clock, row[0])
                    self._end(row[0], FixedClock(max(self.clock.now(), other.end)))
                self.result.refusals["B11:room_occupied"] += 1
        raise RuntimeError(f"booking {booking_id}: room still occupied after 20 tries")


def _kiosk(db_path: str, config_path: str, kiosk: int, defences: list[Defence], seconds: float,
           barrier) -> KioskResult:
    settings = load_settings(config_path)
    db = open_database(db_path)
    clock = FixedClock(START)
    officer = LOAD_OFFICER[0]
    result = KioskResult(kiosk)
    desk = _Desk(db, clock, settings, result)
    barrier.wait(timeout=120)  # all kiosks start together (spawning takes a while)
    stop = time.monotonic() + seconds
    n = 0
    while time.monotonic() < stop:
        rebooking = bool(desk.rebook)
        booking = None
        try:
            if rebooking:  # B10: a lawyer released late is booked again, same deadline
                request_id = desk.rebook.popleft()
            else:
                defence = defences[n % len(defences)]
                n += 1
                result.presentations += 1
                verification = verify_documents(db, clock, officer, defence.presentation())
                if not verification.passed:
                    result.refusals[verification.failures[0].rule] += 1
                    continue
                request_id = verification.request.id
            offers = offer_slots(db, clock, settings, request_id)
            offer = _choice(offers)
            if offer is None:  # the other kiosks are far ahead: catch up with them
                result.refusals["no_time_before_deadline"] += 1
                cancel_request(db, clock, officer, request_id)
                catch_up = max([clock.now()] + [o.start for o in offers.offers])
            else:
                booking = book(db, clock, settings, officer, request_id, offer.room_id,
                               offer.start, delay_reason="rooms_busy",
                               consent_signed=offer.room_kind == "interrogation")
        except DomainError as exc:  # another kiosk won the race
            result.refusals[exc.rule] += 1
            continue
        # Outside the try: a refusal at the desk (check-in, ticket, meeting) is a failure.
        if booking is None:
            desk.advance(catch_up)
            continue
        result.bookings += 1
        result.rebookings += rebooking
        desk.booked(booking.start, booking.id)
        desk.advance(booking.start)
    db.conn.close()
    return result


def kiosk_process(db_path: str, config_path: str, kiosk: int, defences: list[Defence],
                  seconds: float, barrier, results) -> None:
    """Process entry point: run one kiosk and put its KioskResult on the results queue."""
    try:
        results.put(_kiosk(db_path, config_path, kiosk, defences, seconds, barrier))
    except BaseException:
        results.put(KioskResult(kiosk, error=traceback.format_exc()))


def run_kiosks(db_path: Path, config_path: Path, kiosks: int, seconds: float,
               seed: int = 1) -> list[KioskResult]:
    """Prepare a new database at db_path and run `kiosks` processes (spawned) on it for
    `seconds` each, started together."""
    per_kiosk = prepare_load_database(db_path, config_path, kiosks, seed)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(kiosks)
    results = context.Queue()
    processes = [context.Process(target=kiosk_process, args=(
        str(db_path), str(config_path), k, per_kiosk[k], seconds, barrier, results))
        for k in range(kiosks)]
    for process in processes:
        process.start()
    collected: list[KioskResult] = []
    give_up = time.monotonic() + seconds + 120
    try:
        while len(collected) < kiosks:
            try:
                collected.append(results.get(timeout=1))
            except queue.Empty:
                died = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                if died or time.monotonic() > give_up:
                    raise RuntimeError(f"kiosk processes ended without a result: {died}"
                                       " or took too long") from None
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return sorted(collected, key=lambda r: r.kiosk)
