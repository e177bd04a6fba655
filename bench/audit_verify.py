"""`python -m bench.audit_verify`: how long `kiosk audit verify` (S2: signatures, sequence,
anchors and every row against its digest) takes on five years of a busy centre.

The simulator needs hours for five years, so the volume is written directly through the
audit (every row by a kiosk connection, every change with its entry): per working day
`--per-day` requests, each opened (one entry) and booked (a second entry that also updates
the request), with a ticket for each booking. The rows are the real tables' rows; only their
variety is smaller than the simulator's. The database is kept under var/bench/.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
BUDGET_S = 60.0


def build(path: Path, years: int, per_day: int) -> dict:
    from booking import audit
    from booking.clock import SHANGHAI, FixedClock
    from booking.storage import open_database, transaction

    db = open_database(path)
    clock = FixedClock(datetime(2021, 1, 4, 9, 0, tzinfo=SHANGHAI))
    with transaction(db):
        db.execute("INSERT INTO staff (staff_no, name, role, pin_hash) VALUES ('1001', '陈警官',"
                   " 'officer', 'x')")
        db.execute("INSERT INTO rooms (id, name, kind) VALUES ('M1', '会见室1', 'meeting')")
        db.execute("INSERT INTO lawyers (cert_no, name, firm_name, firm_code, status) VALUES"
                   " ('13101200910123456', '王建国', '上海申正律师事务所', '31310000MD0123456X',"
                   " 'active')")
        db.execute("INSERT INTO detainees (roster_no, name, id_no, case_no, charge_category,"
                   " stage, case_unit, status) VALUES ('2026001', '李四', '310101198503120428',"
                   " 'X', 'fraud', 'trial', 'unit', 'in_custody')")
        audit.record(db, clock, "bench", "setup", "bench")
    day = date(2021, 1, 4)
    days = 0
    while day < date(2021 + years, 1, 4):
        if day.weekday() < 6:
            start = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=9)
            clock.set(start)
            with transaction(db):  # a day per transaction: the build, not the kiosk, is slow
                for n in range(per_day):
                    at = (start + timedelta(minutes=n)).isoformat()
                    request = db.execute(
                        "INSERT INTO meeting_requests (presented_at, officer, cert_no,"
                        " roster_no, firm_code, basis, document_no, clock_start, deadline,"
                        " state) VALUES (?, '1001', '13101200910123456', '2026001', 'F',"
                        " 'power_of_attorney', ?, ?, ?, 'open')",
                        (at, f"D{days}-{n}", at, at)).lastrowid
                    audit.record(db, clock, "1001", "open_request", f"request:{request}")
                    ts = int(start.timestamp()) + n * 60
                    booking = db.execute(
                        "INSERT INTO bookings (request_id, room_id, room_kind, cert_no,"
                        " roster_no, starts_at, ends_at, start_ts, end_ts, state, booked_by,"
                        " booked_at) VALUES (?, 'M1', 'meeting', '13101200910123456',"
                        " '2026001', ?, ?, ?, ?, 'cancelled', '1001', ?)",
                        (request, at, at, ts, ts + 3600, at)).lastrowid
                    db.execute("UPDATE meeting_requests SET state = 'cancelled' WHERE id = ?",
                               (request,))
                    db.execute("INSERT INTO tickets (booking_id, day, number, label,"
                               " issued_at, issued_by) VALUES (?, ?, ?, ?, ?, '1001')",
                               (booking, day.isoformat(), n + 1, f"A{n + 1:03d}", at))
                    audit.record(db, clock, "1001", "book", f"booking:{booking}")
            days += 1
        day += timedelta(days=1)
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("audit_log", "meeting_requests", "bookings", "tickets")}
    audit.anchor(db, "stop")
    db.conn.close()
    return {"days": days, **counts}


def measure(path: Path) -> tuple[float, object]:
    """(wall seconds, the check) of `kiosk audit verify`'s work on path: open it, then
    audit.check with the anchor file. `measure.cpu` keeps the process CPU seconds and
    `measure.rows` the row counts of the last run."""
    from booking import audit
    from booking.storage import open_database

    began, cpu = time.perf_counter(), time.process_time()
    db = open_database(path)
    try:
        result = audit.check(db, audit.binding_of(db).key,
                             audit.read_anchor_lines(audit.anchor_file(path)))
        wall, measure.cpu = time.perf_counter() - began, time.process_time() - cpu
        measure.rows = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                        for t in ("audit_log", "meeting_requests", "bookings", "tickets")}
    finally:
        db.conn.close()
    return wall, result


def history(years: int, per_day: int, rebuild: bool = False) -> Path:
    """The cached database of `years` years, built when missing."""
    path = CACHE / f"audit-{years}y-{per_day}perday.db"
    if rebuild or not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob(path.name + "*"):
            old.unlink()
        building = path.with_suffix(".building")
        for old in CACHE.glob(building.name + "*"):
            old.unlink()
        began = time.perf_counter()
        made = build(building, years, per_day)
        os.replace(building, path)
        os.replace(str(building) + ".anchors", str(path) + ".anchors")
        print(f"built {path.relative_to(ROOT)} in {time.perf_counter() - began:.0f} s: {made}",
              flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_verify", description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    path = history(args.years, args.per_day, args.rebuild)
    seconds, result = measure(path)
    verdict = "PASS" if result.ok and seconds < BUDGET_S else "FAIL"
    print(f"audit verify, {args.years} years ({result.entries} entries, {measure.rows}):"
          f" {seconds:.1f} s wall, {measure.cpu:.1f} s CPU (budget {BUDGET_S:.0f} s)"
          f" {verdict}" + ("" if result.ok else
                                                    f" problems: {result.problems}"))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())


def budget(years: int, seconds: float, result) -> object:
    """S2's row of the bench's budget table: `kiosk audit verify` on `years` years."""
    from bench.budgets import Budget

    return Budget(f"kiosk audit verify, {years} y ({result.entries} entries)",
                  f"< {BUDGET_S:g} s", f"{seconds:.1f} s wall, {measure.cpu:.1f} s CPU",
                  seconds < BUDGET_S and result.ok)
