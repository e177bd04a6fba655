"""E2, B4, S2 over a whole database: the invariants that must hold after any crash, load
or restore. Used by the stress and crash tests and by `kiosk doctor`."""

from __future__ import annotations

from sqlite_utils import Database

from . import audit
from .states import LIVE_STATES, OCCUPYING_STATES, WAITING_STATES, RequestState, in_list

# The last bound follows from the others (b ends after a starts and lasts at most the
# longest booking); it lets the (column, start_ts) index narrow b to a's neighbours, which
# turns the join from quadratic in each room's bookings into one index range per booking.
# Its parameters: OVERLAP_PARAMS.
OVERLAP_SQL = (
    "SELECT a.id, b.id FROM bookings a JOIN bookings b ON a.{column} = b.{column}"
    " AND a.id < b.id AND a.start_ts < b.end_ts AND b.start_ts < a.end_ts"
    " AND b.start_ts > a.start_ts - (SELECT max(end_ts - start_ts) FROM bookings)"
    f" WHERE a.state IN {in_list(OCCUPYING_STATES)} AND b.state IN {in_list(OCCUPYING_STATES)}"
)
OVERLAP_PARAMS = (*OCCUPYING_STATES, *OCCUPYING_STATES)

# Each query lists what breaks one invariant; all must come back empty. The audit checks
# use NOT IN over one list of subjects, not a correlated NOT EXISTS: audit_log has no index
# on (action, subject), and a scan of it per row takes minutes on a busy day's file.
_ORPHANS: dict[str, tuple[str, tuple[str, ...]]] = {
    "booking without its audit entry": (
        "SELECT b.id FROM bookings b WHERE 'booking:' || b.id NOT IN"
        " (SELECT a.subject FROM audit_log a WHERE a.action = 'book')", ()),
    "request without its audit entry": (
        "SELECT r.id FROM meeting_requests r WHERE 'request:' || r.id NOT IN"
        " (SELECT a.subject FROM audit_log a WHERE a.action = 'open_request')", ()),
    "refusal without its audit entry": (
        "SELECT f.id FROM refusals f WHERE 'refusal:' || f.id NOT IN"
        " (SELECT a.subject FROM audit_log a WHERE a.action = 'refuse')", ()),
    "request marked booked without a live booking": (
        "SELECT r.id FROM meeting_requests r WHERE r.state = ? AND NOT EXISTS (SELECT 1 FROM"
        f" bookings b WHERE b.request_id = r.id AND b.state IN {in_list(LIVE_STATES)})",
        (RequestState.BOOKED, *LIVE_STATES)),
    "live booking of a request that is not booked": (
        "SELECT b.id FROM bookings b JOIN meeting_requests r ON r.id = b.request_id"
        f" WHERE b.state IN {in_list(WAITING_STATES)} AND r.state != ?",
        (*WAITING_STATES, RequestState.BOOKED)),
    "started meeting whose request has no outcome": (
        "SELECT b.id FROM bookings b JOIN meeting_requests r ON r.id = b.request_id"
        " WHERE b.started_at IS NOT NULL AND r.state IN (?, ?)",
        (RequestState.OPEN, RequestState.BOOKED)),
    "ticket without its booking": (
        "SELECT t.id FROM tickets t LEFT JOIN bookings b ON b.id = t.booking_id"
        " WHERE b.id IS NULL", ()),
}


def overlapping_bookings(db: Database) -> dict[str, list[tuple[int, int]]]:
    """B4: pairs of occupying bookings that overlap in one room, for one detainee or for
    one lawyer."""
    return {column: [tuple(row) for row in db.execute(
        OVERLAP_SQL.format(column=column), OVERLAP_PARAMS)]
            for column in ("room_id", "roster_no", "cert_no")}


def consistency_problems(db: Database) -> list[str]:
    """Every broken invariant, as a line of text; empty when the database is consistent."""
    problems = []
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    for row in db.execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: {tuple(row)}")
    for what, pairs in overlapping_bookings(db).items():
        problems += [f"overlap in {what}: bookings {a} and {b}" for a, b in pairs]
    for what, (sql, params) in _ORPHANS.items():
        problems += [f"{what}: {row[0]}" for row in db.execute(sql, params)]
    chain = audit.verify(db)
    if not chain.ok:
        problems.append(f"audit chain broken at entry {chain.broken_at}: {chain.reason}")
    return problems
