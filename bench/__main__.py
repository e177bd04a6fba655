"""`python -m bench` (make bench): offer latency on a year of simulated history, booking
throughput of one and of four kiosk processes on one file, and the speed budgets (cold start,
scan to ticket, offers, the year's report, peak memory; bench/budgets.py). Prints a table of
measurements, then the budget table.

The history database is built once with the simulator and kept under var/bench/, named
by the config, seed, days, arrivals and a hash of the schema, the simulator's source and
the config; every run measures on a copy of it, so the cached file never changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
BUSY_CENTRE = Path(__file__).resolve().parent / "busy_centre.toml"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="30 days of history, 50 offers, 3 s per throughput run")
    parser.add_argument("--config", type=Path, default=BUSY_CENTRE,
                        help="settings of the simulated centre (default: bench/busy_centre.toml)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=None, help="days of history (365)")
    parser.add_argument("--arrivals", type=float, default=200.0,
                        help="mean arrivals on a weekday (200)")
    parser.add_argument("--samples", type=int, default=None, help="offers timed (200)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="length of each throughput run (10)")
    parser.add_argument("--scans", type=int, default=None,
                        help="QR scans timed to ticket bytes (100)")
    parser.add_argument("--cold-runs", type=int, default=None,
                        help="launches of the kiosk and of a bare Textual app, each (7)")
    parser.add_argument("--report-runs", type=int, default=None,
                        help="timed runs of the compliance report (5)")
    parser.add_argument("--rebuild", action="store_true", help="build the history again")
    args = parser.parse_args(argv)
    args.days = args.days or (30 if args.quick else 365)
    args.samples = args.samples or (50 if args.quick else 200)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.scans = args.scans or (30 if args.quick else 100)
    args.cold_runs = args.cold_runs or (3 if args.quick else 7)
    args.report_runs = args.report_runs or (3 if args.quick else 5)
    return args


def _history_path(args: argparse.Namespace) -> Path:
    """The cache file for these arguments: named by the config, seed, days and arrivals,
    and a hash of the database schema (as the migrations make it today), the simulator's
    source and the config."""
    from booking.storage import open_database

    db = open_database(":memory:")
    schema = "\n".join(row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"))
    db.conn.close()
    digest = hashlib.sha256(schema.encode())
    for source in sorted((ROOT / "simulation").glob("*.py")):
        digest.update(source.read_bytes())
    digest.update(args.config.read_bytes())
    key = (f"history-{args.config.stem}-seed{args.seed}-days{args.days}"
           f"-arrivals{args.arrivals:g}-{digest.hexdigest()[:10]}.db")
    return CACHE / key


def build_history(args: argparse.Namespace) -> tuple[Path, float | None]:
    """The cached history database, built with the simulator when missing. Returns its
    path and the build's wall time (None when it came from the cache)."""
    from booking.settings import load_settings
    from booking.storage import open_database
    from simulation import Profile, simulate

    path = _history_path(args)
    if path.exists() and not args.rebuild:
        print(f"history: cached {path.relative_to(ROOT)}")
        return path, None
    CACHE.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for stale in CACHE.glob(building.name + "*"):
        stale.unlink()
    print(f"history: simulating {args.days} days into {path.relative_to(ROOT)} ...", flush=True)
    db = open_database(building)
    began = time.perf_counter()

    def progress(day) -> None:
        if day.day == 1 or args.quick:
            print(f"  {day} ({time.perf_counter() - began:.0f} s)", flush=True)

    try:
        summary = simulate(db, load_settings(args.config), args.seed, args.days,
                           profile=Profile(arrivals=args.arrivals), on_day=progress)
    finally:
        db.conn.close()  # the last connection checkpoints the WAL into the file
    os.replace(building, path)
    print(f"  {summary.line()}")
    return path, summary.wall_seconds


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def offer_latency(history: Path, args: argparse.Namespace) -> dict:
    """Time verify_documents and offer_slots for fresh requests on the next open weekday
    after the history, on a copy of the history database."""
    from booking.calendar import OpeningCalendar
    from booking.clock import FixedClock
    from booking.meetings import offer_slots
    from booking.settings import load_settings
    from booking.storage import open_database
    from booking.verification import verify_documents
    from simulation import Simulator

    settings = load_settings(args.config)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "offers.db"
        shutil.copyfile(history, copy)
        db = open_database(copy)
        try:
            simulator = Simulator(db, settings, args.seed)
            day = simulator.last_simulated_day() + timedelta(days=1)
            calendar = OpeningCalendar.from_settings(db, settings)
            while day.weekday() >= 5 or not calendar.day(day).is_open:
                day += timedelta(days=1)
            clock = FixedClock(datetime.combine(day, datetime.min.time(), settings.zone)
                               + timedelta(hours=10))
            busy = {(r["cert_no"], r["roster_no"]) for r in db.query(
                "SELECT cert_no, roster_no FROM meeting_requests"
                " WHERE state IN ('open', 'booked', 'awaiting_permission')")}
            defences = [d for d in simulator.population.defences if d.pair not in busy]
            verify_times, offer_times = [], []
            future = db.execute("SELECT count(*) FROM bookings WHERE start_ts >= ?",
                                (int(clock.now().timestamp()),)).fetchone()[0]
            for defence in defences[:args.samples]:
                began = time.perf_counter()
                request = verify_documents(db, clock, simulator.officer,
                                           defence.presentation()).request
                verify_times.append(time.perf_counter() - began)
                began = time.perf_counter()
                offer_slots(db, clock, settings, request.id)
                offer_times.append(time.perf_counter() - began)
            counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for table in ("meeting_requests", "bookings", "audit_log")}
        finally:
            db.conn.close()
    return {"at": clock.now(), "samples": len(offer_times), "future_bookings": future,
            "counts": counts,
            "offer_p50": statistics.median(offer_times), "offer_p95": _percentile(offer_times, .95),
            "verify_p50": statistics.median(verify_times),
            "verify_p95": _percentile(verify_times, .95)}


def throughput(kiosks: int, args: argparse.Namespace) -> dict:
    """Bookings per second of `kiosks` processes on one new database file."""
    from bench.kiosk_load import run_kiosks

    with tempfile.TemporaryDirectory() as folder:
        results = run_kiosks(Path(folder) / "load.db", args.config, kiosks, args.seconds)
    errors = [r.error for r in results if r.error]
    if errors:
        raise RuntimeError(f"a kiosk failed:\n{errors[0]}")
    booked = sum(r.bookings for r in results)
    lost = sum(r.refusals["B4"] + r.refusals["C4"] for r in results)
    return {"kiosks": kiosks, "bookings": booked, "per_second": booked / args.seconds,
            "lost_races": lost, "meetings": sum(r.meetings for r in results)}


def main(argv: list[str] | None = None) -> int:
    from bench import budgets, whatif_bench
    from bench.report_bench import measure

    args = _arguments(argv)
    print(f"bench: {os.cpu_count()} CPUs, Python {sys.version.split()[0]},"
          f" config {args.config.name}, load average {os.getloadavg()[0]:.1f}", flush=True)
    history, build_seconds = build_history(args)
    offers = offer_latency(history, args)
    runs = [throughput(kiosks, args) for kiosks in (1, 4)]
    print("compliance report ...", flush=True)
    report = measure(history, args.report_runs)
    print("city report of 100 centres ...", flush=True)
    from bench.city_bench import measure as city_measure

    city = city_measure(report["report"].summary())
    print("scans and the kiosk process's memory ...", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        day = budgets.prepare_day(history, args, Path(folder), args.scans)
        scans = budgets.scan_to_ticket(day)
        memory = budgets.kiosk_memory(day, args)
    print("what-if, 4 weeks × 5 seeds ...", flush=True)
    whatif = whatif_bench.measure(history, args.config)
    print("cold starts ...", flush=True)
    cold = budgets.cold_start(args.cold_runs)
    print("audit verify on five years (bench/audit_verify.py; built once, cached) ...",
          flush=True)
    from bench import audit_verify

    verify_years = 1 if args.quick else 5
    verify_path = audit_verify.history(verify_years, 200)
    verify_seconds, verify_result = audit_verify.measure(verify_path)
    print(f"desk actions in the app on {verify_years} year(s) (bench/desk_actions.py) ...",
          flush=True)
    from bench import desk_actions

    desk = desk_actions.measure(verify_path, rounds=4 if args.quick else 12)
    ms = 1000
    rows = [
        ("history", f"{args.days} days, seed {args.seed}, {args.arrivals:g} arrivals/weekday: "
                    f"{offers['counts']['meeting_requests']} requests,"
                    f" {offers['counts']['bookings']} bookings,"
                    f" {offers['counts']['audit_log']} audit entries"),
        ("history build", f"{build_seconds:.0f} s" if build_seconds is not None else "cached"),
        ("offer_slots", f"p50 {offers['offer_p50'] * ms:.1f} ms, p95 {offers['offer_p95'] * ms:.1f} ms"
                        f" ({offers['samples']} fresh requests at {offers['at']:%Y-%m-%d %H:%M},"
                        f" {offers['future_bookings']} bookings ahead)"),
        ("verify_documents", f"p50 {offers['verify_p50'] * ms:.1f} ms,"
                             f" p95 {offers['verify_p95'] * ms:.1f} ms"),
    ]
    for run in runs:
        rows.append((f"booking, {run['kiosks']} kiosk{'s' if run['kiosks'] > 1 else ''}",
                     f"{run['per_second']:.0f} bookings/s ({run['bookings']} in"
                     f" {args.seconds:g} s, {run['lost_races']} races lost,"
                     f" {run['meetings']} meetings run)"))
    report_times = report["times"]
    rows += [
        ("compliance report", f"median {statistics.median(report_times):.2f} s of"
                              f" {len(report_times)} ({report['first']} .. {report['last']},"
                              f" {report['report'].presented} requests)"),
        ("city report", f"100 centres' reports of {args.days} days"
                        f" ({city['megabytes']:.1f} MB of JSON) read and merged: median"
                        f" {city['median']:.2f} s of {city['runs']}"),
        ("scan → ticket bytes", f"p50 {scans['median'] * ms:.1f} ms, p95 {scans['p95'] * ms:.1f}"
                                f" ms, max {scans['max'] * ms:.1f} ms, first {scans['first_scan'] * ms:.1f} ms"
                                f" ({scans['scans']} scans,"
                                f" {scans['first']:%Y-%m-%d %H:%M} .. {scans['last']:%m-%d %H:%M},"
                                f" {scans['bytes']:.0f} bytes a ticket)"),
        whatif_bench.row(whatif),
        ("kiosk process", f"peak RSS {memory['maxrss_kib'] / 1024:.0f} MB ({memory['work']};"
                          f" {memory['seconds']:.0f} s)"),
        ("first screen", f"kiosk {cold['kiosk'] * ms:.0f} ms (ready for a sign-in"
                         f" {cold['ready'] * ms:.0f} ms), bare Textual"
                         f" {cold['bare'] * ms:.0f} ms, bare + sqlite_utils + pydantic"
                         f" {cold['floor'] * ms:.0f} ms ({cold['floor_ratio']:.2f}×)"
                         f" (medians of {cold['runs']}; peak RSS"
                         f" {cold['kiosk_rss_kib'] / 1024:.0f} / {cold['bare_rss_kib'] / 1024:.0f}"
                         " MB)"),
        (f"audit verify, {verify_years} y", f"{verify_seconds:.1f} s wall,"
                                           f" {audit_verify.measure.cpu:.1f} s CPU for"
                                           f" {verify_result.entries} entries and every row"
                                           f" of {audit_verify.measure.rows['bookings']}"
                                           " bookings, requests and tickets"
                                           f" ({'intact' if verify_result.ok else 'PROBLEMS'};"
                                           f" budget {audit_verify.BUDGET_S:.0f} s)"),
        *desk_actions.rows(desk),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\nSpeed budgets (load average {os.getloadavg()[0]:.1f}):\n")
    print(budgets.table(budgets.budgets(cold, scans, offers, report, memory, args.days,
                                        city)
                        + [whatif_bench.budget(whatif),
                           audit_verify.budget(verify_years, verify_seconds, verify_result)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
