"""Shared fixtures: a real SQLite file per test, the repo's settings, a fixed clock."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from support import FIRM, LAWYER, OFFICER, ROOT

import booking.staff
from booking.clock import SHANGHAI, FixedClock
from booking.settings import load_settings
from booking.storage import open_database

# S1's argon2 at its production cost (64 MiB, 3 passes: about 0.1-0.3 s a PIN on this
# machine) is what the kiosk and every subprocess the tests start (stress, serve) use; in
# this test process every PIN is hashed and checked with the lightest argon2 instead, so
# that a sign-in costs milliseconds. The dummy hash for unknown staff numbers goes with it,
# so an unknown number still costs what a wrong PIN costs (tests/adversarial/test_s1_staff).
# test_staff.py checks the production parameters themselves in a fresh interpreter.
booking.staff._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
booking.staff._DUMMY_HASH = booking.staff._hasher.hash("not-a-pin: unknown staff number")


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


# Building a database (ten migrations, the audit baseline, PIN hashes, the demo imports)
# takes 0.2-0.9 s; copying a finished one takes 20 ms. So each test worker builds every
# starting state once -- empty, the small registers, the registers with rooms, the demo
# data -- for each clock time and settings it meets, and each test gets its own copy of
# the files (database, audit key folder, anchors) in its tmp_path: the same rows, the same
# audit chain, the same schema as if the test had built them itself.
# The starting states a test's fixtures ask for, fullest first, with the fixture of each.
_TEMPLATE_FIXTURES = (("demo", "demo_db"), ("centre", "centre"), ("registers", "registers"))


def _template_level(request) -> str:
    names = set(request.fixturenames)
    return next((level for level, fixture in _TEMPLATE_FIXTURES
                 if fixture in names and _is_ours(request, fixture)), "empty")


def _is_ours(request, name: str) -> bool:
    """The fixture the test gets under name is one of the template-built ones below (a test
    module may define its own demo_db; that one builds on an empty database)."""
    definitions = request._fixturemanager.getfixturedefs(name, request.node)
    return bool(definitions) and getattr(definitions[-1].func, "_from_template", False)


def _template_key(level: str, clock, settings) -> str:
    if level == "empty":
        return level
    parts = [level, type(clock).__name__, clock.now().isoformat()]
    if level in ("centre", "demo"):
        parts += [str([room.model_dump() for room in settings.rooms]),
                  str(settings.security.min_pin_length)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _build_template(folder: Path, level: str, clock, settings) -> None:
    folder.mkdir(mode=0o700)
    database = open_database(folder / "kiosk.db")
    try:
        if level in ("registers", "centre"):
            _fill_registers(database, clock)
        if level == "centre":
            from booking.rooms import sync_rooms

            sync_rooms(database, clock, "test", settings.rooms)
        if level == "demo":
            from booking.demo import load_demo

            load_demo(database, clock, settings.model_copy(update={
                "qr": settings.qr.model_copy(update={"key_folder": folder / "keys"}),
                "printer": settings.printer.model_copy(update={"folder": folder / "printer"}),
            }))
    finally:
        database.conn.close()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    return tmp_path_factory.mktemp("templates"), {}


@pytest.fixture
def db(request, tmp_path, _templates):
    level = _template_level(request)
    clock = request.getfixturevalue("clock") if level != "empty" else None
    settings = request.getfixturevalue("settings") if level != "empty" else None
    root, built = _templates
    key = _template_key(level, clock, settings)
    if key not in built:
        _build_template(root / key, level, clock, settings)
        built[key] = root / key
    shutil.copytree(built[key], tmp_path, dirs_exist_ok=True)
    database = open_database(tmp_path / "kiosk.db")
    database.template_level = level
    yield database
    database.conn.close()


def _from_template(fixture):
    fixture._from_template = True
    return fixture


@pytest.fixture
@_from_template
def registers(db, clock):
    """A small set of registers written straight to the tables (not the demo data)."""
    if db.template_level in ("registers", "centre", "demo"):
        assert db.template_level != "demo", "registers and demo_db do not mix"
        return db
    return _fill_registers(db, clock)


def _fill_registers(db, clock):
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
@_from_template
def centre(registers, clock, settings):
    """The small registers with the configured rooms in place."""
    from booking.rooms import sync_rooms

    if registers.template_level == "centre":
        return registers
    sync_rooms(registers, clock, "test", settings.rooms)
    return registers


@pytest.fixture
def fake_printer():
    """A network printer on 127.0.0.1 (tests/fake_printer.py), stopped after the test."""
    from fake_printer import FakePrinter

    with FakePrinter() as printer:
        yield printer
