"""C6 and P2: what the lawyer is told on paper when the centre says no, or when the
investigating authority decides: the complaint line, the refusal slip, the permission
notice. Gathered from the database for the printers; the detainee's name is masked (S3) and
the lawyer's phone never appears (P2)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .clock import Clock, iso, parse_iso
from .complaints import ComplaintLine, complaint_line
from .errors import DomainError, NotFound
from .settings import Settings
from .storage import one, transaction
from .tickets import mask_name


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class RefusalSlip(_Model):
    """V9/C6: why the documents did not pass, for the lawyer to take away."""

    centre: str
    refusal_id: int
    at: datetime
    cert_no: str
    lawyer_name: str
    detainee_masked: str
    roster_no: str
    rules: list[str]
    reason_zh: str
    reason_en: str
    complaint: ComplaintLine
    printed_at: datetime


def refusal_slip_for(db: Database, clock: Clock, settings: Settings,
                     refusal_id: int) -> RefusalSlip:
    """V9/C6: the refusal as stored (rules and reasons), with the complaint line. Reads only."""
    row = one(db, "SELECT * FROM refusals WHERE id = ?", (refusal_id,))
    if row is None:
        raise NotFound("V9", f"无此拒绝记录{refusal_id}", f"no refusal {refusal_id}")
    lawyer = one(db, "SELECT name FROM lawyers WHERE cert_no = ?", (row["cert_no"],))
    detainee = one(db, "SELECT name FROM detainees WHERE roster_no = ?", (row["roster_no"],))
    entry = one(db, "SELECT detail FROM audit_log WHERE action = 'refuse' AND subject = ?",
                (f"refusal:{refusal_id}",))
    rules = json.loads(entry["detail"])["rules"] if entry else [row["rule"]]
    return RefusalSlip(
        centre=settings.centre.name, refusal_id=refusal_id,
        at=parse_iso(row["at"], clock.zone), cert_no=row["cert_no"],
        lawyer_name=lawyer["name"] if lawyer else "",
        detainee_masked=mask_name(detainee["name"]) if detainee else "",
        roster_no=row["roster_no"], rules=rules, reason_zh=row["reason_zh"],
        reason_en=row["reason_en"], complaint=complaint_line(settings),
        printed_at=clock.now())


class PermissionNotice(_Model):
    """P2: the investigating authority's decision as the lawyer is told it."""

    centre: str
    request_id: int
    lawyer_name: str
    detainee_masked: str
    roster_no: str
    granted: bool
    reference: str
    decided_at: datetime
    clock_start: datetime | None
    deadline: datetime | None
    complaint: ComplaintLine | None  # C6: on a refusal
    printed_at: datetime


def permission_notice_for(db: Database, clock: Clock, settings: Settings,
                          request_id: int) -> PermissionNotice:
    """P2: what was decided, the reference; for a grant, that the 48-hour clock started and
    its deadline; for a refusal, the complaint line (C6). Reads only."""
    row = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))
    if row is None:
        raise NotFound("P2", f"无此会见申请{request_id}", f"no meeting request {request_id}")
    if row["permission_decided_at"] is None:
        raise DomainError("P2", "侦查机关尚未作出决定", "the authority has not decided yet")
    lawyer = one(db, "SELECT name FROM lawyers WHERE cert_no = ?", (row["cert_no"],))
    detainee = one(db, "SELECT name FROM detainees WHERE roster_no = ?", (row["roster_no"],))
    granted = row["state"] != "permission_denied"
    return PermissionNotice(
        centre=settings.centre.name, request_id=request_id,
        lawyer_name=lawyer["name"] if lawyer else "",
        detainee_masked=mask_name(detainee["name"]) if detainee else "",
        roster_no=row["roster_no"], granted=granted, reference=row["permission_ref"],
        decided_at=parse_iso(row["permission_decided_at"], clock.zone),
        clock_start=parse_iso(row["clock_start"], clock.zone) if granted else None,
        deadline=parse_iso(row["deadline"], clock.zone) if granted else None,
        complaint=None if granted else complaint_line(settings), printed_at=clock.now())


def forget_lawyer_phones(db: Database, clock: Clock, settings: Settings) -> int:
    """P2: erase the phone numbers of requests opened more than privacy.lawyer_phone_days ago
    that are no longer open. Returns how many were erased (audited when any)."""
    cutoff = clock.now() - timedelta(days=settings.privacy.lawyer_phone_days)
    with transaction(db):
        erased = db.execute(
            "UPDATE meeting_requests SET lawyer_phone = NULL WHERE lawyer_phone IS NOT NULL"
            " AND presented_at < ? AND state NOT IN ('open', 'booked', 'awaiting_permission')"
            " AND NOT (permission_decided_at IS NOT NULL AND lawyer_told_at IS NULL)",
            (iso(cutoff),)).rowcount
        if erased:
            audit.record(db, clock, "kiosk", "forget_lawyer_phones", "meeting_requests",
                         {"erased": erased, "older_than": iso(cutoff)})
    return erased
