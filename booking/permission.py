"""P1-P3: the investigating authority's permission in national-security and terrorism cases.

P1 is decided at verification (booking.verification); here the decision is recorded.
P3 needs no code: no other case ever waits for the case unit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from . import audit
from .clock import Clock, iso
from .errors import DomainError, NotFound
from .fields import typed
from .storage import one, transaction
from .verification import DEADLINE

DECISION_WITHIN = timedelta(days=3)  # national rule: the authority decides within 3 days
DECISION_HOURS = DECISION_WITHIN // timedelta(hours=1)  # 72, as reports name it


def decision_due(presented_at: datetime) -> datetime:
    """P2: when the authority's decision is due: three days after the documents passed."""
    return presented_at + DECISION_WITHIN


def decision_overdue(presented_at: datetime, decided_at: datetime | None, awaiting: bool,
                     now: datetime) -> bool:
    """P2: over time: decided after it was due, or still awaited when it is past due. A
    request no longer waiting and never decided (closed, or permission no longer needed)
    is not counted."""
    due = decision_due(presented_at)
    if decided_at is not None:
        return decided_at > due
    return awaiting and now > due


def hours_to_decide(presented_at: datetime, decided_at: datetime | None, awaiting: bool,
                    now: datetime) -> float | None:
    """P2: the hours the authority took, or has taken so far while the request waits."""
    end = decided_at if decided_at is not None else (now if awaiting else None)
    return None if end is None else (end - presented_at).total_seconds() / 3600


def record_permission(db: Database, clock: Clock, officer: str, request_id: int, granted: bool,
                      reference: str, *, lawyer_present: bool = False) -> dict:
    """P2: permission starts the 48-hour clock now; a refusal closes the request. The lawyer
    is told at once: lawyer_present, by the printed notice the desk hands over (recorded as
    told now); otherwise the watch list shows "to notify" until record_lawyer_told."""
    reference = typed(reference, "text", "决定书文号", "decision's reference", "P2")
    if not reference:
        raise DomainError("P2", "请输入侦查机关决定书的文号", "enter the reference number of the"
                          " authority's decision")
    with transaction(db):
        request = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))
        if request is None:
            raise NotFound("P2", f"无此会见申请{request_id}", f"no meeting request {request_id}")
        if request["state"] != "awaiting_permission":
            raise DomainError("P2", "该申请不在等待许可状态", "this request is not awaiting permission")
        now = clock.now()
        if granted:
            db.execute("UPDATE meeting_requests SET state = 'open', clock_start = ?, deadline = ?,"
                       " permission_ref = ?, permission_decided_at = ?, permission_recorded_by = ?"
                       " WHERE id = ?", (iso(now), iso(now + DEADLINE), reference, iso(now),
                                         officer, request_id))
        else:
            db.execute("UPDATE meeting_requests SET state = 'permission_denied', closed_at = ?,"
                       " permission_ref = ?, permission_decided_at = ?, permission_recorded_by = ?"
                       " WHERE id = ?", (iso(now), reference, iso(now), officer, request_id))
        if lawyer_present:
            db.execute("UPDATE meeting_requests SET lawyer_told_at = ?, lawyer_told_by = ?,"
                       " lawyer_told_how = 'printed' WHERE id = ?", (iso(now), officer, request_id))
        audit.record(db, clock, officer, "permission_granted" if granted else "permission_denied",
                     f"request:{request_id}", {"reference": reference,
                                               "lawyer_told": "printed" if lawyer_present
                                               else "to_notify"})
        return one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))


def record_lawyer_told(db: Database, clock: Clock, officer: str, request_id: int) -> dict:
    """P2: the officer called the lawyer about the authority's decision: who (the officer
    signed in) and when (now) are kept and audited; the request leaves "to notify"."""
    with transaction(db):
        request = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))
        if request is None:
            raise NotFound("P2", f"无此会见申请{request_id}", f"no meeting request {request_id}")
        if request["permission_decided_at"] is None:
            raise DomainError("P2", "侦查机关尚未作出决定，无须通知律师",
                              "the authority has not decided yet: nothing to tell the lawyer")
        if request["lawyer_told_at"] is not None:
            raise DomainError("P2", "已通知过律师", "the lawyer has been told already")
        now = clock.now()
        db.execute("UPDATE meeting_requests SET lawyer_told_at = ?, lawyer_told_by = ?,"
                   " lawyer_told_how = 'phone' WHERE id = ?", (iso(now), officer, request_id))
        audit.record(db, clock, officer, "lawyer_told", f"request:{request_id}",
                     {"how": "phone", "decision": request["state"] != "permission_denied"})
        return one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))
