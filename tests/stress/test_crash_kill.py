"""E2: a kiosk killed with SIGKILL at random points while it books (a meeting now queues the
lawyer in the same transaction, C2), imports and checks lawyers in, 100 times over; after every kill the database is consistent (every booking
complete or absent, no orphans, audit chain whole) and the interrupted work can be done
again."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from datetime import datetime, timedelta
from pathlib import Path

from stdnum.cn import ric
from support import ROOT

from booking.clock import SHANGHAI, FixedClock, parse_iso
from booking.demo import load_demo
from booking.errors import DomainError
from booking.imports import import_file
from booking.integrity import consistency_problems
from booking.meetings import (
    close_without_meeting,
    end_meeting,
    offer_slots,
    release_late,
    start_meeting,
)
from booking.models import Presentation
from booking.queue import admit, book_at_desk
from booking.settings import load_settings
from booking.storage import open_database, scalar
from booking.verification import verify_documents

KILLS = 100
OFFICER = "1001"
START = datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI)


def crash_settings(folder: Path):
    loaded = load_settings(ROOT / "config" / "kiosk.toml")
    return loaded.model_copy(update={
        "qr": loaded.qr.model_copy(update={"key_folder": folder / "keys"}),
        "printer": loaded.printer.model_copy(update={"folder": folder / "printer"})})


def detainees_csv(path: Path, count: int) -> Path:
    """Many detainees, so that the two-defender limit does not stop the bookings."""
    lines = ["roster_no,name,id_no,case_no,charge_category,stage,case_unit,status"]
    for n in range(count):
        body = f"310101{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        id_no = body + ric.calc_check_digit(body + "0")
        lines.append(f"C{n:04d},测试{n},{id_no},案{n},fraud,prosecution,黄浦分局,in_custody")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def presentation_for(db, rng: random.Random) -> Presentation:
    lawyer = rng.choice(list(db.query(
        "SELECT cert_no, name, firm_code FROM lawyers WHERE status = 'active'"
        " AND source = 'registry' AND length(cert_no) = 17")))
    detainee = rng.choice(list(db.query(
        "SELECT roster_no, name FROM detainees WHERE roster_no LIKE 'C%'")))
    return Presentation(cert_no=lawyer["cert_no"], letter_firm_code=lawyer["firm_code"],
                        letter_lawyer_name=lawyer["name"], letter_detainee_name=detainee["name"],
                        roster_no=detainee["roster_no"], basis="power_of_attorney",
                        poa_signed_by=detainee["name"], poa_relation="self")


def book_one(db, clock, settings, rng) -> None:
    result = verify_documents(db, clock, OFFICER, presentation_for(db, rng))
    if not result.passed or result.request.state != "open":
        return
    offers = offer_slots(db, clock, settings, result.request.id)
    offer = next(o for o in offers.offers if o.room_kind != "video")
    made = book_at_desk(db, clock, settings, OFFICER, result.request.id, offer.room_id,
                        offer.start, delay_reason=None if offer.immediate else "rooms_busy",
                        consent_signed=offer.room_kind == "interrogation")
    # C2: a meeting now is booked, checked in and queued together, or not at all
    assert (made.admission is not None) == made.booking.immediate


def serve_one(db, clock, settings) -> None:
    # A meeting a killed kiosk started and never ended is over by now: end it first, or its
    # room stays occupied and no later meeting there may start (B11).
    left = db.execute("SELECT id FROM bookings WHERE state = 'in_progress'"
                      " ORDER BY start_ts LIMIT 1").fetchone()
    if left is not None:
        end_meeting(db, clock, OFFICER, left[0])
        return
    row = db.execute("SELECT id, starts_at, state FROM bookings WHERE state IN"
                     " ('booked', 'arrived') ORDER BY start_ts LIMIT 1").fetchone()
    if row is None:
        return
    start = parse_iso(row[1])
    clock.set(max(clock.now(), start))
    late = clock.now() > start + timedelta(minutes=settings.meetings.late_minutes)
    if row[2] == "booked" and late:  # B10; a lawyer queued at booking (C2) is not late
        release_late(db, clock, settings, OFFICER, row[0])
        return
    if row[2] == "arrived" and clock.now().astimezone(clock.zone).date() \
            != start.astimezone(clock.zone).date():
        # B11: a queued lawyer whose day has passed (the kiosk was killed) cannot start
        close_without_meeting(db, clock, OFFICER, row[0], "cancelled")
        return
    admit(db, clock, settings, OFFICER, row[0])
    start_meeting(db, clock, settings, OFFICER, row[0], devices_off_confirmed=True)
    clock.advance(timedelta(minutes=45))
    end_meeting(db, clock, OFFICER, row[0])


def kiosk_at_work(db_path: Path, folder: Path, seed: int, ready) -> None:
    """One kiosk doing the front desk's work until it is killed."""
    settings = crash_settings(folder)
    db = open_database(db_path)
    rng = random.Random(seed)
    last = scalar(db, "SELECT MAX(at) FROM audit_log")
    clock = FixedClock(max(START, parse_iso(last)) if last else START)
    ready.set()
    while True:
        action = rng.choice(("book", "book", "serve", "import"))
        try:
            if action == "book":
                book_one(db, clock, settings, rng)
            elif action == "serve":
                serve_one(db, clock, settings)
            else:
                import_file(db, clock, "crash", "detainees", folder / "detainees.csv")
        except DomainError:
            pass  # a refusal is an answer, not a fault
        clock.advance(timedelta(minutes=rng.randint(1, 25)))


def test_e2_sigkill_100_times_leaves_the_database_consistent(tmp_path):
    db_path = tmp_path / "crash.db"
    settings = crash_settings(tmp_path)
    db = open_database(db_path)
    setup_clock = FixedClock(START - timedelta(days=1))
    load_demo(db, setup_clock, settings)
    import_file(db, setup_clock, "crash", "detainees", detainees_csv(tmp_path / "detainees.csv",
                                                                     400))
    db.conn.close()

    fork = multiprocessing.get_context("fork")
    rng = random.Random(2026)
    killed_with_work = 0
    for kill in range(KILLS):
        ready = fork.Event()
        kiosk = fork.Process(target=kiosk_at_work, args=(db_path, tmp_path, kill, ready))
        kiosk.start()
        assert ready.wait(10), "the kiosk did not start"
        time.sleep(rng.uniform(0.005, 0.25))
        os.kill(kiosk.pid, signal.SIGKILL)
        kiosk.join(10)
        assert kiosk.exitcode == -signal.SIGKILL

        db = open_database(db_path)  # what the next kiosk start does
        try:
            problems = consistency_problems(db)
            assert problems == [], f"after kill {kill + 1}: {problems[:5]}"
            # C2: no meeting booked for now is left without its arrival and queue number
            assert scalar(db, "SELECT COUNT(*) FROM bookings b WHERE b.immediate = 1 AND"
                              " (b.arrived_at IS NULL OR NOT EXISTS (SELECT 1 FROM tickets t"
                              " WHERE t.booking_id = b.id))") == 0, f"after kill {kill + 1}"
            # The interrupted work can simply be done again.
            clock = FixedClock(parse_iso(scalar(db, "SELECT MAX(at) FROM audit_log")))
            report = import_file(db, clock, "crash", "detainees", tmp_path / "detainees.csv")
            assert not report.errors
            try:
                book_one(db, clock, settings, random.Random(kill))
            except DomainError:
                pass
            assert consistency_problems(db) == []
            killed_with_work += scalar(db, "SELECT COUNT(*) FROM bookings") > 0
        finally:
            db.conn.close()

    db = open_database(db_path)
    counts = {t: db.table(t).count for t in ("bookings", "meeting_requests", "tickets",
                                             "refusals", "audit_log")}
    db.conn.close()
    print(f"\n{KILLS} kills; database holds {counts}")
    assert counts["bookings"] > 50 and counts["tickets"] > 5, counts
