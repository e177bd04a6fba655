"""Shared fixtures: a real SQLite file per test, the repo's settings, a fixed clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from support import FIRM, LAWYER, OFFICER, ROOT

from booking.clock import SHANGHAI, FixedClock
from booking.settings import load_settings
from booking.storage import open_database


@pytest.fixture
def settings(tmp_path):
    """The repo's settings, with QR keys and printer output in this test's tmp_path."""
    loaded = load_settings(ROOT / "config" / "kiosk.toml")
    return loaded.model_copy(update={
        "qr": loaded.qr.model_copy(update={"key_folder": tmp_path / "keys"}),
        "printer": loaded.printer.model_copy(update={"folder": tmp_path / "printer"}),
    })


@pytest.fixture
def clock():
    # A Tuesday morning, inside opening hours.
    return FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "kiosk.db")
    yield database
    database.conn.close()


@pytest.fixture
def registers(db, clock):
    """A small set of registers written straight to the tables (not the demo data)."""
    from booking.staff import add_staff

    add_staff(db, clock, "test", OFFICER, "陈警官", "officer", "246810")
    add_staff(db, clock, "test", "9001", "周所长", "warden", "135790")
    db.table("lawyers").insert_all([
        dict(cert_no=LAWYER, name="王建国", firm_name="上海申正律师事务所", firm_code=FIRM,
             status="active", assessed_year=2025),
        dict(cert_no="13101201510234567", name="赵敏", firm_name="上海申正律师事务所",
             firm_code=FIRM, status="suspended", assessed_year=2025),
        dict(cert_no="13101201110345678", name="钱立", firm_name="上海明律律师事务所",
             firm_code="31310104AD8CGTM4JQ", status="revoked", assessed_year=2024),
        dict(cert_no="11101200310523456", name="孙丽", firm_name="北京京衡律师事务所",
             firm_code="311101053Q2JY0M2UM", status="active", assessed_year=2025),
        dict(cert_no="13101200910123457", name="刘洋", firm_name="上海申正律师事务所",
             firm_code=FIRM, status="active", assessed_year=2025),
        dict(cert_no="13101200910123458", name="陈静", firm_name="上海申正律师事务所",
             firm_code=FIRM, status="active", assessed_year=2025),
        dict(cert_no="131012009101", name="吴德", firm_name="上海浦江律师事务所",
             firm_code="31310115T3KB1E2BDA", status="active", assessed_year=2025),
    ])
    common = dict(case_no="沪公(黄)刑侦字〔2026〕100号", case_unit="上海市公安局黄浦分局")
    db.table("detainees").insert_all([
        dict(roster_no="2026001", name="李四", id_no="310101198503120428",
             charge_category="fraud", stage="prosecution", status="in_custody", **common),
        dict(roster_no="2026002", name="张三", id_no="310115199207085640",
             charge_category="theft", stage="investigation", status="in_custody", **common),
        dict(roster_no="2026029", name="周强", id_no="110105199912312570",
             charge_category="theft", stage="trial", status="released", **common),
        dict(roster_no="2026030", name="郑毅", id_no="360426199101010071",
             charge_category="national_security", stage="investigation", status="in_custody",
             **common),
    ])
    db.table("aid_letters").insert_all([
        dict(letter_no="SHFY2026-0001", centre="上海市黄浦区法律援助中心",
             cert_no="11101200310523456", roster_no="2026002", stage="investigation",
             issued_on="2026-11-01", status="active"),
        dict(letter_no="SHFY2026-0002", centre="上海市黄浦区法律援助中心", cert_no=LAWYER,
             roster_no="2026001", stage="prosecution", issued_on="2026-10-01",
             status="terminated"),
    ])
    return db


@pytest.fixture
def centre(registers, clock, settings):
    """The small registers with the configured rooms in place."""
    from booking.rooms import sync_rooms

    sync_rooms(registers, clock, "test", settings.rooms)
    return registers


@pytest.fixture
def fake_printer():
    """A network printer on 127.0.0.1 (tests/fake_printer.py), stopped after the test."""
    from fake_printer import FakePrinter

    with FakePrinter() as printer:
        yield printer
