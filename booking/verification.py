"""V1-V9: check a lawyer's three documents; open a meeting request or store the refusal."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlite_utils import Database

from . import audit
from .charges import needs_permission as charge_needs_permission
from .clock import Clock, iso, parse_iso
from .errors import DomainError
from .fields import typed
from .identifiers import law_firm_code, practice_cert_format
from .models import (
    POA_RELATIONS,
    AidLetter,
    Check,
    Detainee,
    Lawyer,
    MeetingRequest,
    Presentation,
    Verification,
)
from .states import OPEN_REQUEST_STATES, RequestState, in_list
from .storage import insert_row, one, transaction

DEADLINE = timedelta(hours=48)
MAX_DEFENDERS = 2

# Document names as shown to the lawyer (zh, en).
DOCUMENTS = {
    "certificate": ("律师执业证书", "practice certificate"),
    "firm_letter": ("律师事务所证明", "law-firm letter"),
    "power_of_attorney": ("委托书", "power of attorney"),
    "aid_letter": ("法律援助公函", "legal-aid letter"),
    "duty_notice": ("法律帮助通知书", "legal-help notice"),
    "roster": ("在押人员信息", "detainee roster"),
}


def _check(rule: str, document: str, ok: bool | None, zh: str, en: str) -> Check:
    status = "not_checked" if ok is None else ("passed" if ok else "failed")
    return Check(rule=rule, document=document, status=status, zh=zh, en=en)


def registry_lawyer(db: Database, cert_no: str) -> Lawyer | None:
    """The lawyer as the registry knows them; in-person acceptances do not count (V4)."""
    row = one(db, "SELECT * FROM lawyers WHERE cert_no = ? AND source = 'registry'", (cert_no,))
    return Lawyer(**row) if row else None


def roster_detainee(db: Database, roster_no: str) -> Detainee | None:
    row = one(db, "SELECT * FROM detainees WHERE roster_no = ?", (roster_no,))
    return Detainee(**row) if row else None


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _certificate_checks(db: Database, p: Presentation) -> tuple[list[Check], Lawyer | None]:
    fmt, checked = practice_cert_format(p.cert_no)
    lawyer = registry_lawyer(db, checked.value) if fmt != "invalid" else None
    checks = []
    if fmt == "invalid":
        checks.append(_check("V2", "certificate", False, checked.zh, checked.en))
        checks.append(_check("V4", "certificate", None, "证号格式无效，未查询名册",
                             "not looked up: the number's format is invalid"))
        return checks, None
    if fmt == "old":
        checks.append(_check("V2", "certificate", lawyer is not None,
                             "旧版执业证号（12-14位）：仅凭名册认可" if lawyer else
                             "旧版执业证号（12-14位）不在名册中，不能仅凭格式认可",
                             "old-style number (12-14 digits): accepted through the registry"
                             if lawyer else
                             "old-style number not in the registry: format alone is not enough"))
    else:
        checks.append(_check("V2", "certificate", True, "执业证号格式正确",
                             "certificate number format is correct"))
    if lawyer is None:
        if fmt == "current" and p.inspected_in_person:
            checks.append(_check("V4", "certificate", True,
                                 "名册中无此证号，民警已当面核验执业证书（已记录）",
                                 "not in the registry; certificate inspected in person (recorded)"))
        else:
            checks.append(_check("V4", "certificate", False,
                                 "律师名册中无此执业证号，请核对证号，或由民警当面核验证书后勾选"
                                 "“已当面核验”",
                                 "this number is not in the lawyer registry: check it, or the officer"
                                 " inspects the certificate and ticks 'inspected in person'"))
    elif lawyer.status != "active":
        word = {"suspended": ("停止执业", "suspended"), "revoked": ("吊销执业证书", "revoked")}
        zh, en = word[lawyer.status]
        checks.append(_check("V4", "certificate", False,
                             f"律师{lawyer.name}已被{zh}，不能会见；请向司法行政机关核实",
                             f"lawyer {lawyer.name} is {en} and cannot meet detainees;"
                             " ask the justice bureau"))
    else:
        checks.append(_check("V4", "certificate", True,
                             f"名册在册：{lawyer.name}，{lawyer.firm_name}，执业状态正常",
                             f"in the registry: {lawyer.name}, {lawyer.firm_name}, active"))
    return checks, lawyer


def _firm_letter_checks(p: Presentation, lawyer: Lawyer | None,
                        detainee: Detainee | None) -> list[Check]:
    code = law_firm_code(p.letter_firm_code)
    checks = [_check("V3", "firm_letter", code.ok,
                     code.zh or "律所统一社会信用代码有效", code.en or "the firm's credit code is valid")]
    problems_zh, problems_en = [], []
    if lawyer is not None and code.ok and code.value != lawyer.firm_code.upper():
        problems_zh.append(f"出具证明的律所不是该律师的执业机构（名册：{lawyer.firm_name}）")
        problems_en.append(f"the letter's firm is not the lawyer's registered firm ({lawyer.firm_name})")
    if lawyer is not None and not _same_name(p.letter_lawyer_name, lawyer.name):
        problems_zh.append(f"证明上的律师姓名“{p.letter_lawyer_name}”与执业证不符")
        problems_en.append(f"the lawyer named on the letter ({p.letter_lawyer_name}) is not this lawyer")
    if detainee is not None and not _same_name(p.letter_detainee_name, detainee.name):
        problems_zh.append("证明上的在押人员姓名与名册不符")
        problems_en.append("the detainee named on the letter does not match the roster")
    if not p.letter_lawyer_name.strip() or not p.letter_detainee_name.strip():
        problems_zh.append("证明必须写明律师和在押人员姓名")
        problems_en.append("the letter must name the lawyer and the detainee")
    if problems_zh:
        checks.append(_check("V5", "firm_letter", False, "；".join(problems_zh) + "。请律所重新出具证明",
                             "; ".join(problems_en) + ". Ask the firm for a corrected letter"))
    elif lawyer is None or detainee is None or not code.ok:
        checks.append(_check("V5", "firm_letter", None, "无法比对（执业证、律所代码或在押人员未通过）",
                             "cannot compare: certificate, firm code or detainee did not pass"))
    else:
        checks.append(_check("V5", "firm_letter", True, "律所证明载明本律师和本在押人员，律所相符",
                             "the letter names this lawyer and detainee, from the lawyer's firm"))
    return checks


def _detainee_check(p: Presentation, detainee: Detainee | None) -> Check:
    if detainee is None:
        return _check("V8", "roster", False, f"本所无在押人员编号{p.roster_no}，请核对编号",
                      f"no detainee with roster number {p.roster_no} here: check the number")
    if detainee.status != "in_custody":
        zh, en = {"released": ("已释放", "has been released"),
                  "transferred": ("已转押他所", "has been transferred")}[detainee.status]
        return _check("V8", "roster", False, f"该在押人员{zh}，不在本所羁押，无法安排会见",
                      f"this detainee {en} and is not held here: no meeting can be arranged")
    return _check("V8", "roster", True, "在押人员在本所羁押", "the detainee is held here")


def current_defenders(db: Database, roster_no: str, cert_no: str) -> list[str]:
    """V6: the names of the detainee's defence lawyers other than this one, oldest first."""
    rows = db.query(
        "SELECT l.name FROM defenders d JOIN lawyers l ON l.cert_no = d.cert_no"
        " WHERE d.roster_no = ? AND d.cert_no != ? AND d.ended_at IS NULL ORDER BY d.since",
        (roster_no, cert_no),
    )
    return [r["name"] for r in rows]


def _defender_limit_check(db: Database, p: Presentation, detainee: Detainee | None) -> Check | None:
    if detainee is None:
        return None
    refusal = defender_limit_refusal(db, p.roster_no, p.cert_no.strip())
    return _check("V6", p.basis, False, *refusal) if refusal else None


def defender_limit_refusal(db: Database, roster_no: str, cert_no: str) -> tuple[str, str] | None:
    """V6: (zh, en) when the detainee has two defence lawyers besides this one, else None."""
    others = current_defenders(db, roster_no, cert_no)
    if len(others) < MAX_DEFENDERS:
        return None
    return (f"该在押人员已有两名辩护律师（{'、'.join(others)}），不能再委托第三名",
            f"the detainee already has two defence lawyers ({', '.join(others)}):"
            " a third is not allowed")


def _power_of_attorney_checks(p: Presentation, detainee: Detainee | None) -> list[Check]:
    if not p.poa_signed_by.strip():
        return [_check("V6", "power_of_attorney", False, "委托书须写明委托人（签署人）姓名",
                       "enter who signed the power of attorney")]
    if p.poa_relation not in POA_RELATIONS:
        return [_check("V6", "power_of_attorney", False,
                       "委托人须为在押人员本人、其近亲属（配偶、父母、子女、同胞兄弟姐妹）或监护人",
                       "the signer must be the detainee, a close relative"
                       " (spouse, parent, child, sibling) or a guardian")]
    if (p.poa_relation == "self" and detainee is not None
            and not _same_name(p.poa_signed_by, detainee.name)):
        return [_check("V6", "power_of_attorney", False, "委托人为本人，但签名与在押人员姓名不符",
                       "signed by 'the detainee' but the name differs from the roster")]
    zh, en = POA_RELATIONS[p.poa_relation]
    return [_check("V6", "power_of_attorney", True, f"委托书由{zh}{p.poa_signed_by}签署",
                   f"power of attorney signed by {en} {p.poa_signed_by}")]


def _aid_letter_checks(db: Database, p: Presentation, detainee: Detainee | None) -> list[Check]:
    letter_no = p.aid_letter_no.strip()
    if not letter_no:
        return [_check("V7", "aid_letter", False, "请输入法律援助公函编号",
                       "enter the legal-aid letter number")]
    row = one(db, "SELECT * FROM aid_letters WHERE letter_no = ?", (letter_no,))
    if row is None and p.hand_entered:
        return [_check("V7", "aid_letter", True,
                       f"法律援助公函{letter_no}尚未导入：民警已核验原件，手工录入（{p.document_issuer.strip()}，"
                       f"{p.document_issued_on.strip()}），待导入确认",
                       f"legal-aid letter {letter_no} not yet imported: original inspected, entered"
                       f" by hand ({p.document_issuer.strip()}, {p.document_issued_on.strip()});"
                       " to confirm by a later import")]
    if row is None:
        return [_check("V7", "aid_letter", False,
                       f"法律援助公函{letter_no}不在法律援助机构名单中，请核对编号或联系援助中心",
                       f"legal-aid letter {letter_no} is not on the legal-aid centre's list:"
                       " check the number or call the centre")]
    letter = AidLetter(**row)
    if letter.status != "active":
        zh, en = {"terminated": ("已被法律援助机构终止", "was terminated by the legal-aid centre"),
                  "reassigned": ("已改派其他律师", "was reassigned to another lawyer")}[letter.status]
        return [_check("V7", "aid_letter", False, f"该法律援助公函{zh}，不能凭此会见",
                       f"this legal-aid letter {en}: it no longer allows a meeting")]
    problems = []
    if letter.cert_no != p.cert_no.strip():
        problems.append(("公函指派的不是该律师", "the letter assigns another lawyer"))
    if letter.roster_no != p.roster_no.strip():
        problems.append(("公函所列在押人员不是此人", "the letter is for another detainee"))
    if detainee is not None and letter.stage != detainee.stage:
        problems.append(("公函的诉讼阶段与案件当前阶段不符，请援助中心出具本阶段公函",
                         "the letter's stage is not the case's current stage: ask for a new one"))
    if problems:
        return [_check("V7", "aid_letter", False, "；".join(z for z, _ in problems),
                       "; ".join(e for _, e in problems))]
    return [_check("V7", "aid_letter", True, f"法律援助公函有效（{letter.centre}）"
                   + ("，手工录入，待导入确认" if _to_confirm(row) else ""),
                   f"legal-aid letter is active ({letter.centre})"
                   + (", entered by hand, to confirm by an import" if _to_confirm(row) else ""))]


def _to_confirm(row: dict) -> bool:
    """V7: a hand-entered letter or notice that no import has confirmed or contradicted yet."""
    return bool(row.get("entered_by")) and not row.get("confirmed_at") \
        and not row.get("contradicted_at")


def on_duty(db: Database, cert_no: str, day: date) -> bool:
    """V10: the lawyer is on the centre's duty roster that day."""
    return one(db, "SELECT 1 FROM duty_roster WHERE cert_no = ? AND date = ?",
               (cert_no, day.isoformat())) is not None


def _duty_notice_checks(db: Database, p: Presentation) -> list[Check]:
    notice_no = p.duty_notice_no.strip()
    if not notice_no:
        return [_check("V10", "duty_notice", False, "请输入法律帮助通知书编号",
                       "enter the legal-help notice number")]
    row = one(db, "SELECT * FROM duty_notices WHERE notice_no = ?", (notice_no,))
    if row is None and p.hand_entered:
        return [_check("V10", "duty_notice", True,
                       f"法律帮助通知书{notice_no}尚未导入：民警已核验原件，手工录入"
                       f"（{p.document_issuer.strip()}，{p.document_issued_on.strip()}），待导入确认",
                       f"legal-help notice {notice_no} not yet imported: original inspected,"
                       f" entered by hand ({p.document_issuer.strip()},"
                       f" {p.document_issued_on.strip()}); to confirm by a later import")]
    if row is None:
        return [_check("V10", "duty_notice", False,
                       f"法律帮助通知书{notice_no}不在已导入的通知书中：请核对编号；确有原件的，"
                       "由民警核验原件后勾选“手工录入”",
                       f"legal-help notice {notice_no} has not been imported: check the number;"
                       " if the original is here, inspect it and tick 'enter by hand'")]
    if row["status"] != "active":
        return [_check("V10", "duty_notice", False, "该法律帮助通知书已撤回，不能凭此会见",
                       "this legal-help notice was withdrawn: it no longer allows a meeting")]
    problems = []
    if row["cert_no"] != p.cert_no.strip():
        problems.append(("通知书指派的不是该律师", "the notice names another lawyer"))
    if row["roster_no"] != p.roster_no.strip():
        problems.append(("通知书所列在押人员不是此人", "the notice is for another detainee"))
    if problems:
        return [_check("V10", "duty_notice", False, "；".join(z for z, _ in problems),
                       "; ".join(e for _, e in problems))]
    pending = _to_confirm(row)
    return [_check("V10", "duty_notice", True, f"法律帮助通知书有效（{row['issuer']}）"
                   + ("，手工录入，待导入确认" if pending else ""),
                   f"legal-help notice is valid ({row['issuer']})"
                   + (", entered by hand, to confirm by an import" if pending else ""))]


def _no_firm_letter(p: Presentation) -> bool:
    return not (p.letter_firm_code.strip() or p.letter_lawyer_name.strip()
                or p.letter_detainee_name.strip())


def _duty_firm_letter_check(db: Database, p: Presentation, today: date) -> Check:
    """V10: a duty lawyer on the centre's duty roster that day needs no law-firm letter."""
    if on_duty(db, p.cert_no.strip(), today):
        return _check("V10", "firm_letter", True, "值班律师在本所当日值班名册中，无须律所证明",
                      "the duty lawyer is on the centre's duty roster today: no law-firm letter"
                      " is needed")
    return _check("V10", "firm_letter", False,
                  "该律师不在本所当日值班名册中：请出示律师事务所证明",
                  "this lawyer is not on the centre's duty roster today: a law-firm letter is"
                  " needed")


def _duty_defender_check(db: Database, p: Presentation, detainee: Detainee | None
                         ) -> Check | None:
    """V10: the duty lawyer helps a detainee who has no defence lawyer."""
    if detainee is None:
        return None
    others = current_defenders(db, p.roster_no.strip(), p.cert_no.strip())
    if others:
        return _check("V10", "duty_notice", False,
                      f"该在押人员已有辩护律师（{'、'.join(others)}），值班律师不能凭法律帮助通知书会见",
                      f"the detainee has a defence lawyer ({', '.join(others)}): the duty"
                      " lawyer's notice does not apply")
    return None


def check_presentation(db: Database, p: Presentation, today: date
                       ) -> tuple[list[Check], Detainee | None]:
    """Apply V1-V8 and V10 to what was presented; reads only. today: the centre's date, for
    the duty roster (V10)."""
    cert_checks, lawyer = _certificate_checks(db, p)
    detainee = roster_detainee(db, p.roster_no.strip())
    third = DOCUMENTS[p.basis]
    if p.basis == "duty_notice":
        checks = [_check("V1", "certificate", True,
                         "值班律师：执业证书、法律帮助通知书；不在当日值班名册的另需律所证明"
                         "（不得要求其他材料）",
                         "duty lawyer: certificate and legal-help notice; a firm letter only when"
                         " not on today's duty roster (nothing more may be asked)")]
    else:
        checks = [_check("V1", "certificate", True,
                         f"已出示三项材料：执业证书、律所证明、{third[0]}（不得要求其他材料）",
                         f"three documents presented: certificate, firm letter, {third[1]}"
                         " (nothing more may be asked)")]
    checks += cert_checks
    if p.basis == "duty_notice" and _no_firm_letter(p):
        checks.append(_duty_firm_letter_check(db, p, today))
    else:
        checks += _firm_letter_checks(p, lawyer, detainee)
    checks.append(_detainee_check(p, detainee))
    if p.basis == "power_of_attorney":
        checks += _power_of_attorney_checks(p, detainee)
    elif p.basis == "aid_letter":
        checks += _aid_letter_checks(db, p, detainee)
    else:
        checks += _duty_notice_checks(db, p)
    limit = (_duty_defender_check(db, p, detainee) if p.basis == "duty_notice"
             else _defender_limit_check(db, p, detainee))
    if limit is not None:
        checks.append(limit)
    return checks, detainee


_PHONE = re.compile(r"\+?[0-9][0-9 -]{4,22}")


def _checked_phone(text: str) -> str | None:
    """P2: the lawyer's phone as typed (digits, spaces, '-', a leading '+'), or None."""
    phone = text.strip()
    if not phone:
        return None
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE.fullmatch(phone) or not 5 <= digits <= 20:
        raise DomainError("P2", "律师电话格式有误：只写数字（可含空格、-，开头可有+），或留空",
                          "the lawyer's phone is not a number: digits (spaces, '-' and a leading"
                          " '+' allowed), or leave it empty")
    return phone


def _check_hand_entry(p: Presentation, today: date) -> None:
    """V7/V10: a hand-entered letter or notice needs its issuer and its date from the original."""
    if not p.hand_entered or p.basis == "power_of_attorney":
        return
    if not p.document_issuer.strip():
        raise DomainError("V7", "手工录入：请填写出具机关（法律援助中心或办案机关）",
                          "entered by hand: enter the issuing centre or authority")
    try:
        issued = date.fromisoformat(p.document_issued_on.strip())
    except ValueError:
        raise DomainError("V7", "手工录入：出具日期应为 YYYY-MM-DD，如 2026-12-01",
                          "entered by hand: give the date issued as YYYY-MM-DD,"
                          " e.g. 2026-12-01") from None
    if issued > today:
        raise DomainError("V7", "手工录入：出具日期不能晚于今天", "entered by hand: the date issued"
                          " cannot be after today")


def _hand_enter(db: Database, clock: Clock, officer: str, p: Presentation,
                detainee: Detainee) -> None:
    """V7/V10: store a letter or notice entered by hand (inside verify's transaction), marked
    to confirm, audited with the officer's word that the original was inspected."""
    now = iso(clock.now())
    issuer, issued_on = p.document_issuer.strip(), p.document_issued_on.strip()
    if p.basis == "aid_letter":
        number, table = p.aid_letter_no.strip(), "aid_letters"
        if one(db, "SELECT 1 FROM aid_letters WHERE letter_no = ?", (number,)):
            return
        db.table(table).insert({
            "letter_no": number, "centre": issuer, "cert_no": p.cert_no.strip(),
            "roster_no": p.roster_no.strip(), "stage": detainee.stage, "issued_on": issued_on,
            "status": "active", "entered_by": officer, "entered_at": now})
    else:
        number, table = p.duty_notice_no.strip(), "duty_notices"
        if one(db, "SELECT 1 FROM duty_notices WHERE notice_no = ?", (number,)):
            return
        db.table(table).insert({
            "notice_no": number, "issuer": issuer, "cert_no": p.cert_no.strip(),
            "roster_no": p.roster_no.strip(), "issued_on": issued_on, "status": "active",
            "entered_by": officer, "entered_at": now})
    audit.record(db, clock, officer, "hand_enter_document", f"{table}:{number}", {
        "issuer": issuer, "issued_on": issued_on, "cert_no": p.cert_no.strip(),
        "roster_no": p.roster_no.strip(), "original_inspected": True})


def current_request(db: Database, cert_no: str, roster_no: str) -> dict | None:
    """C1: this lawyer's request for this detainee that still awaits its meeting (open,
    awaiting permission or booked), if any: a new visit uses it rather than open another."""
    return one(db, "SELECT * FROM meeting_requests WHERE cert_no = ? AND roster_no = ?"
                   f" AND state IN {in_list(OPEN_REQUEST_STATES)}",
               (cert_no, roster_no, *OPEN_REQUEST_STATES))


def open_request(db: Database, clock: Clock, officer: str, *, cert_no: str, roster_no: str,
                 firm_code: str, basis: str, document_no: str, needs_permission: bool = False,
                 inspected_in_person: bool = False, signed_by: str | None = None,
                 relation: str | None = None, lawyer_phone: str | None = None,
                 detail: dict | None = None) -> int:
    """C1, inside the caller's transaction, once the documents passed (at the desk: V1-V10;
    from the platform: booking_import): the meeting request, whose 48 hours start now, or
    wait for the authority's permission (P2); a power of attorney or aid letter makes the
    lawyer one of the detainee's defenders (V6; a duty lawyer helps, V10). Audited as
    open_request, with `detail` added to the entry. Returns the request's id."""
    now = clock.now()
    request_id = insert_row(db, "meeting_requests", {
        "presented_at": iso(now), "officer": officer, "cert_no": cert_no,
        "roster_no": roster_no, "firm_code": firm_code, "basis": basis,
        "document_no": document_no, "inspected_in_person": int(inspected_in_person),
        "needs_permission": int(needs_permission),
        "clock_start": None if needs_permission else iso(now),
        "deadline": None if needs_permission else iso(now + DEADLINE),
        "state": (RequestState.AWAITING_PERMISSION if needs_permission
                  else RequestState.OPEN),
        "lawyer_phone": lawyer_phone,
    })
    if basis != "duty_notice":
        db.execute(
            "INSERT INTO defenders (roster_no, cert_no, basis, document_no, signed_by,"
            " relation, since) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (roster_no, cert_no, basis, document_no, signed_by, relation, iso(now)))
    audit.record(db, clock, officer, "open_request", f"request:{request_id}", {
        "cert_no": cert_no, "roster_no": roster_no, "basis": basis,
        "inspected_in_person": inspected_in_person, "needs_permission": needs_permission,
        "document_no": document_no, **(detail or {}), "relation": relation})
    return request_id


def _request_model(row: dict, clock: Clock) -> MeetingRequest:
    def when(text):
        return parse_iso(text, clock.zone) if text else None

    return MeetingRequest(
        id=row["id"], presented_at=when(row["presented_at"]), cert_no=row["cert_no"],
        roster_no=row["roster_no"], basis=row["basis"],
        needs_permission=bool(row["needs_permission"]), clock_start=when(row["clock_start"]),
        deadline=when(row["deadline"]), state=row["state"],
    )


def _lapsed(request: dict, now) -> bool:
    """An unbooked request whose 48 hours ran out: the centre failed it (C4)."""
    return (request["state"] == "open" and request["deadline"] is not None
            and parse_iso(request["deadline"]) < now)


def _close_as_breached(db: Database, clock: Clock, officer: str, request: dict) -> None:
    """C4: close a lapsed request as breached, so the lawyer's new visit starts a new one;
    C7: lapsed_by_lawyer instead when the lawyer lost the slot (B10) and never came back."""
    last = one(db, "SELECT state FROM bookings WHERE request_id = ? ORDER BY id DESC LIMIT 1",
               (request["id"],))
    outcome = "lapsed_by_lawyer" if last and last["state"] == "released_late" else "breached"
    db.execute("UPDATE meeting_requests SET state = ?, closed_at = ? WHERE id = ?",
               (outcome, iso(clock.now()), request["id"]))
    audit.record(db, clock, officer, f"close_{outcome}", f"request:{request['id']}",
                 {"deadline": request["deadline"]})


def typed_presentation(p: Presentation) -> Presentation:
    """E3/T2: every typed field through booking.fields (controls, zero-width and look-alike
    digits refused, NFKC): full-width digits are the same number, Arabic-Indic ones are not."""
    return p.model_copy(update={
        "cert_no": typed(p.cert_no, "key", "执业证号", "certificate number"),
        "roster_no": typed(p.roster_no, "key", "在押人员编号", "roster number"),
        "letter_firm_code": typed(p.letter_firm_code, "key", "律所统一社会信用代码",
                                  "firm's credit code"),
        "letter_lawyer_name": typed(p.letter_lawyer_name, "name", "证明上的律师姓名",
                                    "lawyer's name on the letter"),
        "letter_detainee_name": typed(p.letter_detainee_name, "name", "证明上的在押人员姓名",
                                      "detainee's name on the letter"),
        "poa_signed_by": typed(p.poa_signed_by, "name", "委托人", "signed by"),
        "aid_letter_no": typed(p.aid_letter_no, "key", "法律援助公函编号", "aid letter number"),
    })


def verify_documents(db: Database, clock: Clock, officer: str, p: Presentation) -> Verification:
    """The use case: check, then in one transaction open the request or store the refusal."""
    p = typed_presentation(p)
    if not p.cert_no.strip() or not p.roster_no.strip():
        raise DomainError("V1", "请输入执业证号和在押人员编号",
                          "enter the certificate number and the detainee's roster number")
    today = clock.now().date()
    phone = _checked_phone(p.lawyer_phone)
    _check_hand_entry(p, today)
    with transaction(db):
        checks, detainee = check_presentation(db, p, today)
        failures = [c for c in checks if c.status == "failed"]
        now = clock.now()
        cert_no, roster_no = p.cert_no.strip(), p.roster_no.strip()
        if failures:
            first = failures[0]
            refusal_id = insert_row(db, "refusals", {
                "at": iso(now), "officer": officer, "cert_no": cert_no, "roster_no": roster_no,
                "rule": first.rule, "document": first.document,
                "reason_zh": "；".join(f"{c.rule} {c.zh}" for c in failures),
                "reason_en": "; ".join(f"{c.rule} {c.en}" for c in failures),
            })
            audit.record(db, clock, officer, "refuse", f"refusal:{refusal_id}", {
                "cert_no": cert_no, "roster_no": roster_no,
                "rules": [c.rule for c in failures]})
            return Verification(checks=checks, refusal_id=refusal_id)
        existing = current_request(db, cert_no, roster_no)
        if existing and existing["state"] == "awaiting_permission" and not \
                charge_needs_permission(detainee.charge_category, detainee.stage):
            # P3: the roster changed since (an import made before P1 was judged again):
            # judged again now, so presenting again never stays stuck awaiting permission
            from .roster_changes import rejudge_permission

            rejudge_permission(db, clock, officer, roster_no)
            existing = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (existing["id"],))
        if existing and _lapsed(existing, now):
            _close_as_breached(db, clock, officer, existing)
        elif existing:
            return Verification(checks=checks, request=_request_model(existing, clock),
                                reused_request=True)
        assert detainee is not None
        if p.inspected_in_person and registry_lawyer(db, cert_no) is None:
            db.execute(
                "INSERT INTO lawyers (cert_no, name, firm_name, firm_code, status, source)"
                " VALUES (?, ?, ?, ?, 'active', 'in_person') ON CONFLICT (cert_no) DO UPDATE SET"
                " name = excluded.name, firm_code = excluded.firm_code",
                (cert_no, p.letter_lawyer_name.strip(), "（当面核验 inspected in person）",
                 p.letter_firm_code.strip().upper()),
            )
        needs_permission = charge_needs_permission(detainee.charge_category, detainee.stage)
        document_no = {"aid_letter": p.aid_letter_no, "duty_notice": p.duty_notice_no}.get(
            p.basis, "").strip()
        if p.hand_entered and p.basis != "power_of_attorney":
            _hand_enter(db, clock, officer, p, detainee)
        request_id = open_request(
            db, clock, officer, cert_no=cert_no, roster_no=roster_no,
            firm_code=p.letter_firm_code.strip().upper(), basis=p.basis,
            document_no=document_no, needs_permission=needs_permission,
            inspected_in_person=p.inspected_in_person,
            signed_by=p.poa_signed_by.strip() or None, relation=p.poa_relation or None,
            lawyer_phone=phone, detail={"hand_entered": p.hand_entered})
        row = one(db, "SELECT * FROM meeting_requests WHERE id = ?", (request_id,))
        return Verification(checks=checks, request=_request_model(row, clock))
