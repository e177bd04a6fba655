"""`python -m bench.report_bench`: how long the warden waits for a whole year's compliance
report (R1) on a year of simulated history, and for its CSV and HTML files.

The history is the one `python -m bench` builds and caches under var/bench/ (same options,
same file); `--db FILE` times another database instead. Runs on a copy, so the cached file
never changes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.__main__ import BUSY_CENTRE, build_history


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.report_bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 days of history")
    parser.add_argument("--config", type=Path, default=BUSY_CENTRE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=None, help="days of history (365)")
    parser.add_argument("--arrivals", type=float, default=200.0)
    parser.add_argument("--rebuild", action="store_true", help="build the history again")
    parser.add_argument("--db", type=Path, default=None,
                        help="time this database instead of the cached history")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (5); the median counts")
    args = parser.parse_args(argv)
    args.days = args.days or (30 if args.quick else 365)
    return args


def _timed(runs: int, call) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return times, result


def measure(path: Path, runs: int, centre: str = "bench") -> dict:
    """Time compliance_report over the whole history in path (first to last presented day),
    with the clock the morning after, and the CSV and HTML renderings of that report."""
    from booking.clock import SHANGHAI, FixedClock
    from booking.report import compliance_report
    from booking.storage import open_database
    from kiosk.report_export import to_csv, to_html

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.db"
        shutil.copyfile(path, copy)
        db = open_database(copy)
        try:
            low, high = db.execute("SELECT min(presented_at), max(presented_at)"
                                   " FROM meeting_requests").fetchone()
            if low is None:
                raise SystemExit(f"{path}: no meeting requests to report on")
            first, last = date.fromisoformat(low[:10]), date.fromisoformat(high[:10])
            clock = FixedClock(datetime.combine(last + timedelta(days=1),
                                                datetime.min.time(), SHANGHAI)
                               + timedelta(hours=8))
            times, report = _timed(runs, lambda: compliance_report(db, clock, first, last))
            counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for table in ("meeting_requests", "refusals", "bookings", "audit_log")}
        finally:
            db.conn.close()
    csv_times, _ = _timed(1, lambda: to_csv(report))
    html_times, html = _timed(1, lambda: to_html(report, centre))
    return {"first": first, "last": last, "times": times, "report": report, "counts": counts,
            "csv": csv_times[0], "html": html_times[0], "html_bytes": len(html.encode())}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    path = args.db if args.db is not None else build_history(args)[0]
    result = measure(path, args.runs)
    report, times = result["report"], result["times"]
    ms = 1000
    counts = result["counts"]
    rows = [
        ("database", f"{path.name}: {counts['meeting_requests']} requests,"
                     f" {counts['refusals']} refusals, {counts['bookings']} bookings,"
                     f" {counts['audit_log']} audit entries"),
        ("period", f"{result['first']} .. {result['last']}"
                   f" ({(result['last'] - result['first']).days + 1} days)"),
        ("compliance_report", f"median {statistics.median(times) * ms:.0f} ms"
                              f" of {len(times)} runs (min {min(times) * ms:.0f},"
                              f" max {max(times) * ms:.0f})"),
        ("report", f"{report.presented} presented, {report.met} met, {report.breached}"
                   f" breached, rate {report.compliance_rate}"),
        ("CSV", f"{result['csv'] * ms:.0f} ms"),
        ("HTML", f"{result['html'] * ms:.0f} ms, {result['html_bytes'] / 1024:.0f} KiB"),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
