"""V6: a detainee's defence lawyers, and ending a defence so the place is free again.

A defence ends when the detainee or the principal revokes the power of attorney, the
lawyer withdraws, or the legal-aid letter ends (terminated or reassigned, also by an
aid-letter import). The officer records which, with the date on the document; the
two-lawyer limit (Criminal Procedure Law art. 33) counts only live defences.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .clock import Clock, iso
from .errors import DomainError, NotFound
from .storage import one, transaction

# How each way of ending is shown (zh, en).
END_REASONS: dict[str, tuple[str, str]] = {
    "revoked": ("委托人解除委托", "the detainee or principal revoked it"),
    "withdrew": ("律师拒绝辩护（退出）", "the lawyer withdrew"),
    "aid_ended": ("法律援助终止", "the legal-aid letter ended"),
}


class Defence(BaseModel):
    """One lawyer's defence of one detainee (a row of defenders)."""

    model_config = ConfigDict(frozen=True)

    id: int
    roster_no: str
    cert_no: str
    lawyer_name: str
    basis: str
    document_no: str
    since: datetime
    end_reason: str | None = None
    ended_on: date | None = None
    ended_by: str | None = None


def _defence(row: dict, clock: Clock) -> Defence:
    return Defence(
        id=row["id"], roster_no=row["roster_no"], cert_no=row["cert_no"],
        lawyer_name=row["lawyer_name"] or row["cert_no"], basis=row["basis"],
        document_no=row["document_no"], since=datetime.fromisoformat(row["since"]).astimezone(
            clock.zone),
        end_reason=row["end_reason"],
        ended_on=date.fromisoformat(row["ended_on"]) if row["ended_on"] else None,
        ended_by=row["ended_by"])


_SELECT = ("SELECT d.*, l.name AS lawyer_name FROM defenders d"
           " LEFT JOIN lawyers l ON l.cert_no = d.cert_no")


def live_defences(db: Database, clock: Clock, roster_no: str) -> list[Defence]:
    """V6: the detainee's defence lawyers now, earliest first."""
    return [_defence(r, clock) for r in db.query(
        f"{_SELECT} WHERE d.roster_no = ? AND d.ended_at IS NULL ORDER BY d.since, d.id",
        (roster_no.strip(),))]


def end_defence(db: Database, clock: Clock, officer: str, roster_no: str, cert_no: str,
                reason: str, on: date) -> Defence:
    """V6: end a live defence for `reason` (revoked, withdrew, aid_ended), dated `on` (the
    document's date: not in the future, not before the defence began). One transaction,
    audited; the detainee's place is free again at once."""
    roster_no, cert_no = roster_no.strip(), cert_no.strip()
    if reason not in END_REASONS:
        raise DomainError("V6", "请选择辩护终止的原因：解除委托、律师退出或法律援助终止",
                          "choose why the defence ended: revoked, withdrew or aid_ended")
    if on > clock.now().date():
        raise DomainError("V6", f"文书日期{on}晚于今天，请核对",
                          f"the document's date {on} is in the future: check it")
    staff = one(db, "SELECT role FROM staff WHERE staff_no = ?", (officer,))
    if staff is None:
        raise NotFound("V6", f"无此民警警号{officer}", f"no staff number {officer}")
    with transaction(db):
        row = one(db, f"{_SELECT} WHERE d.roster_no = ? AND d.cert_no = ?"
                      " AND d.ended_at IS NULL", (roster_no, cert_no))
        if row is None:
            raise NotFound("V6", f"律师{cert_no}目前不是在押人员{roster_no}的辩护人",
                           f"lawyer {cert_no} is not now a defence lawyer of detainee"
                           f" {roster_no}: check both numbers")
        if on < datetime.fromisoformat(row["since"]).astimezone(clock.zone).date():
            raise DomainError("V6", f"文书日期{on}早于委托登记日期，请核对",
                              f"the document's date {on} is before the defence was recorded:"
                              " check it")
        db.execute("UPDATE defenders SET ended_at = ?, end_reason = ?, ended_on = ?,"
                   " ended_by = ? WHERE id = ?",
                   (iso(clock.now()), reason, on.isoformat(), officer, row["id"]))
        audit.record(db, clock, officer, "end_defence", f"defence:{row['id']}", {
            "roster_no": roster_no, "cert_no": cert_no, "reason": reason,
            "document_date": on.isoformat()})
        row = one(db, f"{_SELECT} WHERE d.id = ?", (row["id"],))
    return _defence(row, clock)
