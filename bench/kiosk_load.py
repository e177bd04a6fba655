"""Several kiosks booking as fast as they can on one database file, each in its own process.

Used by the stress test (tests/stress) and the throughput benchmark. Every kiosk runs
the real use cases (verify_documents -> offer_slots -> book, then the meeting when its
clock reaches it) on its own lawyers and detainees and on shared ones: a detainee with a
lawyer at each of two kiosks, a lawyer with a detainee at every kiosk, and pairs that
every kiosk presents. All kiosks chase the same earliest free times, so they race for
the same rooms, detainees and lawyers; the loser of a race gets a DomainError (B4, or
C4 when the request was booked meanwhile) and goes on. Any other exception, such as a
"database is locked" error, ends the kiosk and is reported.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import tempfile
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from booking.clock import SHANGHAI, FixedClock
from booking.errors import DomainError
from booking.imports import import_file
from booking.meetings import (
    Offers,
    book,
    cancel_request,
    end_meeting,
    offer_slots,
    start_meeting,
)
from booking.rooms import sync_rooms
from booking.settings import load_settings
from booking.simulation import Defence, RegistryMaker
from booking.staff import add_staff
from booking.storage import open_database
from booking.verification import verify_documents

LOAD_ACTOR = "load"
LOAD_OFFICER = ("7001", "压力测试民警", "713579")
START = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)  # a Monday morning


@dataclass
class KioskResult:
    kiosk: int
    bookings: int = 0
    meetings: int = 0
    presentations: int = 0
    refusals: Counter = field(default_factory=Counter)  # DomainError rule -> count
    error: str | None = None  # a traceback: anything but a DomainError


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


def _kiosk(db_path: str, config_path: str, kiosk: int, defences: list[Defence], seconds: float,
           barrier) -> KioskResult:
    settings = load_settings(config_path)
    db = open_database(db_path)
    clock = FixedClock(START)
    officer = LOAD_OFFICER[0]
    result = KioskResult(kiosk)
    due: deque[tuple[datetime, int]] = deque()  # this kiosk's bookings, by start
    barrier.wait(timeout=120)  # all kiosks start together (spawning takes a while)
    stop = time.monotonic() + seconds
    n = 0
    while time.monotonic() < stop:
        defence = defences[n % len(defences)]
        n += 1
        try:
            while due and due[0][0] <= clock.now():  # meetings whose time has come
                _, booking_id = due.popleft()
                start_meeting(db, clock, officer, booking_id, devices_off_confirmed=True)
                end_meeting(db, clock, officer, booking_id)
                result.meetings += 1
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
                clock.set(max([clock.now()] + [o.start for o in offers.offers]))
                continue
            booking = book(db, clock, settings, officer, request_id, offer.room_id, offer.start,
                           delay_reason="rooms_busy",
                           consent_signed=offer.room_kind == "interrogation")
        except DomainError as exc:  # another kiosk won the race
            result.refusals[exc.rule] += 1
            continue
        result.bookings += 1
        due.append((booking.start, booking.id))
        clock.set(max(clock.now(), booking.start))
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
