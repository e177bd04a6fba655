"""A1-A3: one assistant per meeting, with documents, admitted once the case unit confirms."""

from __future__ import annotations

from typing import Literal

from sqlite_utils import Database

from . import audit
from .clock import Clock, iso
from .errors import DomainError, NotFound
from .fields import typed
from .identifiers import law_firm_code, practice_cert_format, trainee_cert
from .storage import one, transaction


def add_assistant(db: Database, clock: Clock, officer: str, booking_id: int, name: str,
                  firm_code: str, cert_kind: Literal["practice", "trainee"], cert_no: str,
                  inspected_in_person: bool = False) -> int:
    """A1/A2: record the assistant's firm letter and certificate. The lawyer never waits.
    A practice certificate is checked against the registry as a lawyer's is (V2, V4);
    a trainee certificate by its format (province, city, YYMM, sex, full/part-time)."""
    name = typed(name, "name", "助理姓名", "assistant's name", "A2")
    firm_code = typed(firm_code, "key", "助理的律所代码", "assistant's firm code", "A2")
    cert_no = typed(cert_no, "key", "助理证号", "assistant's certificate number", "A2")
    if not name:
        raise DomainError("A2", "请输入助理姓名", "enter the assistant's name")
    firm = law_firm_code(firm_code)
    if not firm.ok:
        raise DomainError("A2", "助理的律所证明：" + firm.zh, "assistant's firm letter: " + firm.en)
    if cert_kind == "trainee":
        checked = trainee_cert(cert_no)
    elif cert_kind == "practice":
        fmt, checked = practice_cert_format(cert_no)
    else:
        raise DomainError("A2", "证件类别须为执业证或实习证", "a practice or trainee certificate")
    if not checked.ok:
        raise DomainError("A2", "助理证件：" + checked.zh, "assistant's certificate: " + checked.en)
    with transaction(db):
        booking = one(db, "SELECT b.id, b.state, r.firm_code FROM bookings b JOIN meeting_requests r"
                          " ON r.id = b.request_id WHERE b.id = ?", (booking_id,))
        if booking is None:
            raise NotFound("A1", f"无此预约{booking_id}", f"no booking {booking_id}")
        if booking["state"] not in ("booked", "arrived", "in_progress"):
            raise DomainError("A1", "该预约已结束", "this booking is over")
        if firm.value != booking["firm_code"]:
            raise DomainError("A2", "助理的律所与律师的律所不同", "the assistant is from another firm")
        if one(db, "SELECT 1 FROM assistants WHERE booking_id = ?", (booking_id,)):
            raise DomainError("A1", "每次会见最多一名助理", "one assistant at most per meeting")
        if cert_kind == "practice":
            _check_registry(db, fmt, checked.value, name, firm.value, inspected_in_person)
        assistant_id = db.table("assistants").insert({
            "booking_id": booking_id, "name": name, "firm_code": firm.value,
            "cert_kind": cert_kind, "cert_no": checked.value, "added_by": officer,
            "added_at": iso(clock.now())}).last_pk
        audit.record(db, clock, officer, "add_assistant", f"assistant:{assistant_id}",
                     {"booking_id": booking_id, "cert_kind": cert_kind})
    return assistant_id


def _check_registry(db: Database, fmt: str, cert_no: str, name: str, firm_code: str,
                    inspected_in_person: bool) -> None:
    """A2 with V2/V4: an assistant with a practice certificate is checked like a lawyer:
    suspended or revoked is refused with the reason, an old-format (12-14-digit) number
    only through the registry, a current number not in it only when the officer inspected
    the certificate in person."""
    lawyer = one(db, "SELECT name, firm_code, status FROM lawyers WHERE cert_no = ?",
                 (cert_no,))
    if lawyer is None:
        if fmt == "old":
            raise DomainError("A2", "助理的旧版执业证号（12-14位）不在律师名册中，不能仅凭格式认可",
                              "the assistant's old-style number (12-14 digits) is not in the"
                              " registry: format alone is not enough")
        if not inspected_in_person:
            raise DomainError("A2", "律师名册中无助理的执业证号：请核对，或当面核验证书后勾选“已当面核验”",
                              "the assistant's certificate is not in the lawyer registry: check"
                              " it, or inspect it in person and tick 'inspected in person'")
        return
    if lawyer["status"] != "active":
        zh, en = {"suspended": ("停止执业", "suspended"),
                  "revoked": ("吊销执业证书", "revoked")}[lawyer["status"]]
        raise DomainError("A2", f"助理{lawyer['name']}已被{zh}，不能随同会见；请向司法行政机关核实",
                          f"assistant {lawyer['name']} is {en} and cannot join the meeting;"
                          " ask the justice bureau")
    if lawyer["name"] != name:
        raise DomainError("A2", f"助理姓名与名册不符（名册：{lawyer['name']}）",
                          f"the assistant's name differs from the registry's ({lawyer['name']})")
    if lawyer["firm_code"].upper() != firm_code:
        raise DomainError("A2", "助理在名册中登记的律所与律所证明不符",
                          "the assistant's registered firm is not the firm on the letter")


def confirm_assistant(db: Database, clock: Clock, officer: str, assistant_id: int,
                      reference: str) -> None:
    """A3: the case unit confirmed the assistant's identity (reference number)."""
    reference = typed(reference, "text", "文号", "reference number", "A3")
    if not reference:
        raise DomainError("A3", "请输入办案单位核实的文号", "enter the case unit's reference number")
    with transaction(db):
        row = one(db, "SELECT * FROM assistants WHERE id = ?", (assistant_id,))
        if row is None:
            raise NotFound("A3", f"无此助理记录{assistant_id}", f"no assistant {assistant_id}")
        db.execute("UPDATE assistants SET confirmation_ref = ?, confirmed_by = ?, confirmed_at = ?"
                   " WHERE id = ?", (reference, officer, iso(clock.now()), assistant_id))
        audit.record(db, clock, officer, "confirm_assistant", f"assistant:{assistant_id}",
                     {"reference": reference})


def may_enter(db: Database, assistant_id: int) -> bool:
    """A3: the assistant may join only after the case unit's confirmation is recorded."""
    row = one(db, "SELECT confirmed_at FROM assistants WHERE id = ?", (assistant_id,))
    return bool(row and row["confirmed_at"])
