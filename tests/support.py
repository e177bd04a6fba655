"""Values and helpers shared by the tests (import: `from support import ...`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from booking.clock import SHANGHAI

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OFFICER = "1001"
LAWYER = "13101200910123456"
FIRM = "3131010142QXJNP17A"


def at(*args) -> datetime:
    """A time in the centre's zone: at(2026, 11, 24, 9, 0)."""
    return datetime(*args, tzinfo=SHANGHAI)


def presentation(**changes):
    """The README's demo lawyer presenting a power of attorney signed by the detainee."""
    from booking.models import Presentation

    fields = dict(cert_no=LAWYER, letter_firm_code=FIRM, letter_lawyer_name="王建国",
                  letter_detainee_name="李四", roster_no="2026001", basis="power_of_attorney",
                  poa_signed_by="李四", poa_relation="self")
    fields.update(changes)
    return Presentation(**fields)
