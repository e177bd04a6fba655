"""Honesty: the what-if run from a past day over a period already in the database, beside
what really happened there.

The copy is first taken back to the start of that day (`rewind`): requests presented and
refusals made from then on are deleted with everything that hangs on them, bookings made
from then on are deleted, and bookings made before it for a time after it are put back to
"booked" with their request, so the simulated lawyers come to them as the real ones did.
Only the scratch copy is changed; the actual figures are read from the live file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlite_utils import Database

from booking.clock import iso
from booking.settings import Settings

from .engine import WhatIf


def _children(db: Database) -> dict[str, list[tuple[str, str, str]]]:
    """parent table -> [(child table, child column, parent column)] from the schema's
    foreign keys, so tables added by later migrations are followed too."""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    found: dict[str, list[tuple[str, str, str]]] = {}
    for table in tables:
        for row in db.execute(f"PRAGMA foreign_key_list('{table}')"):
            parent, column, parent_column = row[2], row[3], row[4] or "rowid"
            found.setdefault(parent, []).append((table, column, parent_column))
    return found


def _delete(db: Database, table: str, where: str, params: tuple,
            children: dict[str, list[tuple[str, str, str]]]) -> None:
    """Delete rows of table and, first, every row that refers to them."""
    for child, column, parent_column in children.get(table, []):
        if child == table:
            continue
        _delete(db, child, f'"{column}" IN (SELECT "{parent_column}" FROM "{table}"'
                           f" WHERE {where})", params, children)
    db.execute(f'DELETE FROM "{table}" WHERE {where}', params)


def _columns(db: Database, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info('{table}')")}


def rewind(db: Database, settings: Settings, day: date) -> None:
    """Take a scratch copy back to `day` 00:00 (see the module's docstring)."""
    moment = iso(datetime.combine(day, time(0), settings.zone))
    ts = int(datetime.combine(day, time(0), settings.zone).timestamp())
    children = _children(db)
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        _delete(db, "meeting_requests", "presented_at >= ?", (moment,), children)
        _delete(db, "refusals", "at >= ?", (moment,), children)
        _delete(db, "bookings", "booked_at >= ?", (moment,), children)
        db.execute("DELETE FROM calendar_days WHERE source = 'officer' AND added_at >= ?",
                   (moment,))
        if "defenders" in children or db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'defenders'").fetchone():
            db.execute("DELETE FROM defenders WHERE since >= ?", (moment,))
            db.execute("UPDATE defenders SET ended_at = NULL WHERE ended_at >= ?", (moment,))
        # Bookings for a time after the day, made before it: booked again, not yet met. Of a
        # request with several, the newest (the live one then) is kept.
        later = "start_ts >= ? AND booked_at < ?"
        for child, column, parent_column in children.get("bookings", []):
            if child != "bookings" and child != "platform_bookings":
                _delete(db, child, f'"{column}" IN (SELECT "{parent_column}" FROM bookings'
                                   f" WHERE {later})", (ts, moment), children)
        db.execute(f"DELETE FROM bookings WHERE {later} AND id NOT IN"
                   " (SELECT MAX(id) FROM bookings WHERE start_ts >= ? AND booked_at < ?"
                   " GROUP BY request_id)", (ts, moment, ts, moment))
        reset = {c: None for c in ("arrived_at", "started_at", "ended_at", "devices_off_by",
                                   "devices_off_at", "closed_by") if c in _columns(db, "bookings")}
        sets = ", ".join(f"{c} = NULL" for c in reset)
        db.execute(f"UPDATE bookings SET state = 'booked', {sets} WHERE {later}"
                   " AND state != 'booked'", (ts, moment))
        # Their requests, and requests closed or decided after the day, as they stood then.
        db.execute("UPDATE meeting_requests SET state = 'booked', closed_at = NULL WHERE id IN"
                   f" (SELECT request_id FROM bookings WHERE {later})", (ts, moment))
        db.execute("UPDATE meeting_requests SET state = 'open', closed_at = NULL"
                   " WHERE closed_at >= ? AND state != 'booked'", (moment,))
        db.execute("UPDATE meeting_requests SET state = 'awaiting_permission',"
                   " clock_start = NULL, deadline = NULL, closed_at = NULL,"
                   " permission_ref = NULL, permission_decided_at = NULL,"
                   " permission_recorded_by = NULL WHERE needs_permission = 1"
                   " AND permission_decided_at >= ?", (moment,))
        db.execute("DELETE FROM tickets WHERE day >= ?", (day.isoformat(),))
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class Comparison:
    """Forecast (today's configuration, mean over seeds) beside the actual report."""

    rows: list[tuple[str, str, str, str, str]]  # zh, en, forecast, actual, error
    rate_error: float | None  # forecast minus actual compliance rate, in points


def compare(whatif: WhatIf, actual: dict) -> Comparison:
    from .view import COUNT_ROWS, rate, reason_name, spread

    today = whatif.results[0]
    forecast = today.mean_rate
    truth = actual.get("compliance_rate")
    error = None if forecast is None or truth is None else (forecast - truth) * 100
    rows = [("48小时达标率", "compliance rate", f"{rate(forecast)} ({spread(today)})",
             rate(truth), "—" if error is None else f"{error:+.1f} pts")]
    for key, zh, en in COUNT_ROWS:
        f, a = today.mean(key), actual.get(key, 0)
        rows.append((zh, en, f"{f:.1f}", str(a),
                     f"{(f - a) / a:+.0%}" if a else f"{f - a:+.1f}"))
    from .engine import _breaches_by_reason
    real = _breaches_by_reason(actual)
    predicted = today.mean_reasons()
    for code in sorted(set(real) | set(predicted)):
        zh, en = reason_name(code)
        f, a = predicted.get(code, 0.0), real.get(code, 0)
        rows.append((f"  超时：{zh}", f"  breach: {en}", f"{f:.1f}", str(a), f"{f - a:+.1f}"))
    return Comparison(rows=rows, rate_error=error)
