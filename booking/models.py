"""Domain records the use cases return (pydantic models, no storage or UI)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .states import RequestState

Basis = Literal["power_of_attorney", "aid_letter", "duty_notice"]
Role = Literal["officer", "warden"]
CheckStatus = Literal["passed", "failed", "not_checked"]

# Who may sign a power of attorney for a detainee (V6): the detainee, a close relative
# (近亲属, Criminal Procedure Law art. 108: spouse, parents, children, siblings) or a guardian.
POA_RELATIONS: dict[str, tuple[str, str]] = {
    "self": ("本人", "the detainee"),
    "spouse": ("配偶", "spouse"),
    "parent": ("父母", "parent"),
    "child": ("子女", "child"),
    "sibling": ("同胞兄弟姐妹", "sibling"),
    # V6, seed 三(三): a guardian (监护人) may also sign for the detainee.
    "guardian": ("监护人", "guardian"),
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Lawyer(_Model):
    cert_no: str
    name: str
    firm_name: str
    firm_code: str
    status: Literal["active", "suspended", "revoked"]
    assessed_year: int | None = None
    source: Literal["registry", "in_person"] = "registry"


class Detainee(_Model):
    roster_no: str
    name: str
    id_no: str
    case_no: str
    charge_category: str
    stage: Literal["investigation", "prosecution", "trial"]
    case_unit: str
    status: Literal["in_custody", "released", "transferred"]


class AidLetter(_Model):
    letter_no: str
    centre: str
    cert_no: str
    roster_no: str
    stage: Literal["investigation", "prosecution", "trial"]
    issued_on: str
    status: Literal["active", "terminated", "reassigned"]


class StaffMember(_Model):
    staff_no: str
    name: str
    role: Role
    locked: bool = False


class Presentation(_Model):
    """What the lawyer hands over at the desk, as the officer types it (V1)."""

    cert_no: str
    inspected_in_person: bool = False
    letter_firm_code: str
    letter_lawyer_name: str
    letter_detainee_name: str
    roster_no: str
    basis: Basis
    # power of attorney
    poa_signed_by: str = ""
    poa_relation: str = ""
    # legal-aid letter
    aid_letter_no: str = ""
    # legal-help notice (V10): a duty lawyer on the centre's duty roster needs no firm letter
    duty_notice_no: str = ""
    # V7/V10: a letter or notice not yet imported, entered by hand; the officer has
    # inspected the original. Its issuer and date come from the original.
    hand_entered: bool = False
    document_issuer: str = ""
    document_issued_on: str = ""
    # P2: optional, to tell the lawyer of the authority's decision; officer screens only
    lawyer_phone: str = ""


class Check(_Model):
    """One rule applied to one document, with its bilingual reason."""

    rule: str
    document: str
    status: CheckStatus
    zh: str
    en: str


class MeetingRequest(_Model):
    id: int
    presented_at: datetime
    cert_no: str
    roster_no: str
    basis: Basis
    needs_permission: bool
    clock_start: datetime | None
    deadline: datetime | None
    state: RequestState


class Verification(_Model):
    """The outcome of checking a presentation: every check, and the request or refusal."""

    checks: list[Check]
    request: MeetingRequest | None = None
    refusal_id: int | None = None
    reused_request: bool = False

    @property
    def passed(self) -> bool:
        return self.request is not None

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]
