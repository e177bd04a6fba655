"""Values and helpers shared by the tests (import: `from support import ...`)."""

from __future__ import annotations

import re
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


# --- S3: what never reaches the lawyer ------------------------------------------------------

# Detainees with longer names, added to a test's roster beside the two-character ones of the
# demo and the small registers: roster_no, name, valid ID number (one ending in X).
LONG_NAMED = (("2026101", "张三丰", "310101197803162019"),
              ("2026102", "欧阳娜娜", "11010519650101003X"),
              ("2026103", "𠮷思远", "310104199107045124"))  # 𠮷: outside the printer's font
# Q1: all a booking code holds: version, database stamp (S4), booking id, expiry, key id,
# signature.
BOOKING_CODE_SHAPE = re.compile(
    r"^K2\.[A-Z2-7]{4}\.[0-9]+\.[0-9]{12}\.[A-Z2-7]{4}\.[A-Z2-7]{16}$")
ID_NUMBER_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def add_long_named_detainees(db) -> None:
    """LONG_NAMED into the roster, in custody, at trial (no permission needed)."""
    db.table("detainees").insert_all([
        dict(roster_no=roster_no, name=name, id_no=id_no,
             case_no=f"沪公黄刑立字〔2026〕{roster_no}号", charge_category="fraud", stage="trial",
             case_unit="上海市黄浦区人民法院", status="in_custody")
        for roster_no, name, id_no in LONG_NAMED])


def private_data(db) -> dict[str, str]:
    """S3: what no lawyer-facing screen or paper may show, each with what it is: every ID
    number kept in the database (any *id_no column, of detainees or anyone else) and every
    detainee's full name, with the given name of names of three characters or more."""
    private: dict[str, str] = {}
    for table in db.table_names():
        for column in db[table].columns:
            if column.name.endswith("id_no"):
                for (value,) in db.execute(f"SELECT {column.name} FROM {table}"):
                    if value:
                        private[str(value).upper()] = f"an ID number from {table}.{column.name}"
    for roster_no, name in db.execute("SELECT roster_no, name FROM detainees"):
        private[name] = f"the unmasked name of detainee {roster_no}"
        if len(name) >= 3:
            private[name[1:]] = f"the unmasked given name of detainee {roster_no} {name}"
    return private


def assert_nothing_private(shown: str, db, where: str) -> None:
    """S3: `shown` (what a lawyer sees) holds no ID number and no detainee's unmasked name.
    Any valid ID number counts, in the database or not."""
    from booking.identifiers import resident_id

    private = private_data(db)
    upper = shown.upper()
    leaks = [f"{value!r} ({what})" for value, what in private.items() if value in upper]
    leaks += [f"{number!r} (an ID number)" for number in ID_NUMBER_SHAPE.findall(shown)
              if number.upper() not in private and resident_id(number).ok]
    if leaks:
        excerpt = shown if len(shown) < 4000 else shown[:4000] + "…"
        raise AssertionError(f"S3: {where} shows {'; '.join(leaks)}\n--- shown ---\n{excerpt}")
