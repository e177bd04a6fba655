"""What a roster import changes for open requests: a detainee released or transferred closes
them (C7), a changed stage or charge judges the need for permission again (P1-P3).

Runs inside the import's transaction, each change with its audit entry.
"""

from __future__ import annotations

from sqlite_utils import Database

from . import audit
from .charges import needs_permission
from .clock import Clock, iso
from .errors import DomainError
from .states import OPEN_REQUEST_STATES, WAITING_STATES, in_list
from .storage import one, transaction
from .verification import DEADLINE

CLOSED_BY_ROSTER = {"released": "detainee_released", "transferred": "detainee_transferred"}


def roster_snapshot(db: Database, roster_nos: list[str]) -> dict[str, tuple[str, str, str]]:
    """(status, stage, charge) of these detainees as they are before an import."""
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(roster_nos), 500):
        part = roster_nos[start:start + 500]
        marks = ", ".join("?" for _ in part)
        for row in db.query(f"SELECT roster_no, status, stage, charge_category FROM detainees"
                            f" WHERE roster_no IN ({marks})", part):
            found[row["roster_no"]] = (row["status"], row["stage"], row["charge_category"])
    return found


def apply_roster_changes(db: Database, clock: Clock, actor: str,
                         before: dict[str, tuple[str, str, str]], roster_nos: list[str]) -> None:
    """After the roster rows are written: close or re-judge the open requests of every
    imported detainee whose status, stage or charge makes a difference."""
    after = roster_snapshot(db, roster_nos)
    for roster_no, (status, stage, charge) in after.items():
        if status in CLOSED_BY_ROSTER:
            close_requests_of(db, clock, actor, roster_no, CLOSED_BY_ROSTER[status])
        elif before.get(roster_no, (status, stage, charge))[1:] != (stage, charge):
            rejudge_permission(db, clock, actor, roster_no)


def close_requests_of(db: Database, clock: Clock, actor: str, roster_no: str,
                      outcome: str) -> int:
    """C7: the detainee left before the meeting: every open request is closed (not breached),
    its live booking cancelled, and the lawyer put on the watch list "to notify". Returns
    how many requests were closed."""
    now = iso(clock.now())
    requests = list(db.query(
        f"SELECT id FROM meeting_requests WHERE roster_no = ? AND state IN"
        f" {in_list(OPEN_REQUEST_STATES)}",
        (roster_no, *OPEN_REQUEST_STATES)))
    for request in requests:  # a meeting in progress is left to end
        cancelled = [b["id"] for b in db.query(
            f"SELECT id FROM bookings WHERE request_id = ? AND state IN {in_list(WAITING_STATES)}",
            (request["id"], *WAITING_STATES))]
        db.execute("UPDATE bookings SET state = 'cancelled', closed_by = ? WHERE request_id = ?"
                   f" AND state IN {in_list(WAITING_STATES)}", (actor, request["id"], *WAITING_STATES))
        db.execute("UPDATE meeting_requests SET state = ?, closed_at = ?, notify_since = ?"
                   " WHERE id = ?", (outcome, now, now, request["id"]))
        audit.record(db, clock, actor, "close_request", f"request:{request['id']}",
                     {"outcome": outcome, "bookings_cancelled": cancelled})
    return len(requests)


def rejudge_permission(db: Database, clock: Clock, actor: str, roster_no: str) -> int:
    """P1-P3: the roster's stage or charge changed. A request awaiting permission that no
    longer needs it becomes an ordinary open request whose 48 hours start now (the change
    is when the kiosk learns that nothing stands in the way; docs/decisions.md). Returns how
    many requests changed."""
    detainee = one(db, "SELECT stage, charge_category FROM detainees WHERE roster_no = ?",
                   (roster_no,))
    if detainee is None or needs_permission(detainee["charge_category"], detainee["stage"]):
        return 0
    now = clock.now()
    waiting = list(db.query("SELECT id FROM meeting_requests WHERE roster_no = ?"
                            " AND state = 'awaiting_permission'", (roster_no,)))
    for request in waiting:
        db.execute("UPDATE meeting_requests SET state = 'open', needs_permission = 0,"
                   " clock_start = ?, deadline = ? WHERE id = ?",
                   (iso(now), iso(now + DEADLINE), request["id"]))
        audit.record(db, clock, actor, "permission_not_needed", f"request:{request['id']}",
                     {"stage": detainee["stage"], "charge": detainee["charge_category"],
                      "clock_start": iso(now)})
    return len(waiting)


def record_notified(db: Database, clock: Clock, officer: str, request_id: int) -> bool:
    """C7: the officer told the lawyer that the request was closed (the call is recorded)."""
    with transaction(db):
        row = one(db, "SELECT notify_since, notified_at FROM meeting_requests WHERE id = ?",
                  (request_id,))
        if row is None or row["notify_since"] is None or row["notified_at"] is not None:
            raise DomainError("C7", "此申请没有待通知的律师", "no lawyer is waiting to be told"
                              " about this request")
        db.execute("UPDATE meeting_requests SET notified_at = ?, notified_by = ? WHERE id = ?",
                   (iso(clock.now()), officer, request_id))
        audit.record(db, clock, officer, "lawyer_notified", f"request:{request_id}")
    return True
