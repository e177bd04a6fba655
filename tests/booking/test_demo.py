"""The demo data of `kiosk demo`: what the README and UI tests rely on, made by real use cases."""

from __future__ import annotations

import pytest

from booking import audit
from booking.demo import load_demo
from booking.identifiers import law_firm_code, practice_cert_format, resident_id
from booking.models import Presentation
from booking.staff import sign_in
from booking.storage import one
from booking.verification import verify_documents

OFFICER = "1001"
WANG, ZHAO, SUN = "13101200910123456", "13101201510234567", "11101200310523456"
SHENZHENG = "3131010142QXJNP17A"
JINGHENG = "311101053Q2JY0M2UM"


@pytest.fixture
def demo_db(db, clock, settings):
    assert load_demo(db, clock, settings) is True
    return db


def row(db, sql: str, *params) -> dict:
    found = one(db, sql, params)
    assert found is not None, (sql, params)
    return found


def counts(db) -> dict[str, int]:
    return {name: db[name].count for name in
            ("lawyers", "detainees", "aid_letters", "rooms", "staff", "audit_log")}


def test_demo_counts(demo_db, settings):
    assert counts(demo_db) == {"lawyers": 20, "detainees": 30, "aid_letters": 6,
                               "rooms": len(settings.rooms), "staff": 2, "audit_log": 9}
    rosters = [r["roster_no"] for r in demo_db.query("SELECT roster_no FROM detainees ORDER BY 1")]
    assert rosters == [f"2026{n:03d}" for n in range(1, 31)]
    firms = {r["firm_code"]: r["n"] for r in demo_db.query(
        "SELECT firm_code, count(*) AS n FROM lawyers GROUP BY firm_code")}
    assert len(firms) == 5 and min(firms.values()) >= 3


def test_demo_accounts_sign_in(demo_db, clock):
    officer = sign_in(demo_db, clock, "1001", "246810")
    warden = sign_in(demo_db, clock, "9001", "135790")
    assert (officer.name, officer.role) == ("陈警官", "officer")
    assert (warden.name, warden.role) == ("周所长", "warden")


def test_demo_special_lawyers(demo_db):
    expected = {
        WANG: ("王建国", "上海申正律师事务所", SHENZHENG, "active"),
        ZHAO: ("赵敏", "上海申正律师事务所", SHENZHENG, "suspended"),
        "13101201110345678": ("钱立", "上海明律律师事务所", "31310104AD8CGTM4JQ", "revoked"),
        SUN: ("孙丽", "北京京衡律师事务所", JINGHENG, "active"),
        "131012009101": ("吴德", "上海浦江律师事务所", "31310115T3KB1E2BDA", "active"),
    }
    for cert_no, values in expected.items():
        lawyer = row(demo_db, "SELECT * FROM lawyers WHERE cert_no = ?", cert_no)
        assert (lawyer["name"], lawyer["firm_name"], lawyer["firm_code"], lawyer["status"]) \
            == values
        assert lawyer["source"] == "registry"


def test_demo_numbers_are_valid_v2_v3(demo_db):
    for lawyer in demo_db.query("SELECT * FROM lawyers"):
        assert practice_cert_format(lawyer["cert_no"])[0] != "invalid"
        assert law_firm_code(lawyer["firm_code"]).ok
    for detainee in demo_db.query("SELECT * FROM detainees"):
        assert resident_id(detainee["id_no"]).ok and len(detainee["id_no"]) == 18


def test_demo_special_detainees(demo_db):
    def detainee(roster_no):
        d = row(demo_db, "SELECT * FROM detainees WHERE roster_no = ?", roster_no)
        return d["name"], d["charge_category"], d["stage"], d["status"]

    assert detainee("2026001") == ("李四", "fraud", "prosecution", "in_custody")
    assert detainee("2026029")[0] == "周强" and detainee("2026029")[3] == "released"
    assert detainee("2026030") == ("郑毅", "national_security", "investigation", "in_custody")
    terrorism = list(demo_db.query("SELECT * FROM detainees WHERE charge_category = 'terrorism'"))
    assert [(d["stage"], d["status"]) for d in terrorism] == [("trial", "in_custody")]
    stages = {r["stage"] for r in demo_db.query("SELECT stage FROM detainees")}
    assert stages == {"investigation", "prosecution", "trial"}


def test_demo_aid_letters(demo_db):
    first = row(demo_db, "SELECT * FROM aid_letters WHERE letter_no = 'SHFY2026-0001'")
    stage = row(demo_db, "SELECT stage FROM detainees WHERE roster_no = '2026002'")["stage"]
    assert (first["centre"], first["cert_no"], first["roster_no"], first["stage"],
            first["status"]) == ("上海市黄浦区法律援助中心", SUN, "2026002", stage, "active")
    second = row(demo_db, "SELECT * FROM aid_letters WHERE letter_no = 'SHFY2026-0002'")
    assert (second["cert_no"], second["roster_no"], second["status"]) == (
        WANG, "2026003", "terminated")
    statuses = [r["status"] for r in demo_db.query("SELECT status FROM aid_letters")]
    assert statuses.count("reassigned") == 1 and statuses.count("active") >= 3
    # Every active letter is for the case's current stage, so it can pass V7.
    for letter in demo_db.query("SELECT a.stage, d.stage AS case_stage FROM aid_letters a"
                                " JOIN detainees d USING (roster_no) WHERE a.status = 'active'"):
        assert letter["stage"] == letter["case_stage"]


def test_demo_second_load_changes_nothing(demo_db, clock, settings):
    before = counts(demo_db)
    assert load_demo(demo_db, clock, settings) is False
    assert counts(demo_db) == before


def test_s2_audit_chain_verifies_after_demo(demo_db):
    report = audit.verify(demo_db)
    assert report.ok and report.entries == 9
    actions = [r["action"] for r in demo_db.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["import_lawyers", "import_detainees", "import_aid_letters",
                       "import_duty_notices", "import_duty_roster", "import_detainees",
                       "sync_rooms", "add_staff", "add_staff"]


DUTY_LAWYER = "13101201320891025"  # 周婷, README


def test_v10_demo_duty_lawyer_with_the_demo_notice_needs_no_firm_letter(demo_db, clock):
    result = verify_documents(demo_db, clock, OFFICER, Presentation(
        cert_no=DUTY_LAWYER, letter_firm_code="", letter_lawyer_name="",
        letter_detainee_name="", roster_no="2026011", basis="duty_notice",
        duty_notice_no="FLBZ2026-0001"))
    assert result.passed, result.failures
    assert result.request.basis == "duty_notice"
    withdrawn = verify_documents(demo_db, clock, OFFICER, Presentation(
        cert_no=DUTY_LAWYER, letter_firm_code="", letter_lawyer_name="",
        letter_detainee_name="", roster_no="2026025", basis="duty_notice",
        duty_notice_no="FLBZ2026-0002"))
    assert [c.rule for c in withdrawn.failures] == ["V10"]


def test_v6_demo_guardian_power_of_attorney_passes(demo_db, clock):
    result = verify_documents(demo_db, clock, OFFICER, Presentation(
        cert_no="13101201210456781", letter_firm_code=SHENZHENG, letter_lawyer_name="刘洋",
        letter_detainee_name="赵刚", roster_no="2026007", basis="power_of_attorney",
        poa_signed_by="赵建华", poa_relation="guardian"))
    assert result.passed, result.failures


def test_b12_demo_fast_track_detainee_has_a_case_deadline_tomorrow(demo_db, clock):
    from datetime import timedelta

    detainee = row(demo_db, "SELECT * FROM detainees WHERE roster_no = '2026017'")
    assert detainee["case_deadline"] == (clock.now().date() + timedelta(days=1)).isoformat()
    assert detainee["name"] == "马超" and detainee["status"] == "in_custody"
    others = demo_db.execute("SELECT COUNT(*) FROM detainees WHERE case_deadline IS NOT NULL"
                             ).fetchone()[0]
    assert others == 1


# --- the README walk-throughs pass (or fail) the real document checks ---------------------

def power_of_attorney(cert_no: str, lawyer_name: str, firm_code: str = SHENZHENG) -> Presentation:
    return Presentation(cert_no=cert_no, letter_firm_code=firm_code,
                        letter_lawyer_name=lawyer_name, letter_detainee_name="李四",
                        roster_no="2026001", basis="power_of_attorney", poa_signed_by="李四",
                        poa_relation="self")


def aid_letter(cert_no: str, lawyer_name: str, firm_code: str, roster_no: str, detainee: str,
               letter_no: str) -> Presentation:
    return Presentation(cert_no=cert_no, letter_firm_code=firm_code,
                        letter_lawyer_name=lawyer_name, letter_detainee_name=detainee,
                        roster_no=roster_no, basis="aid_letter", aid_letter_no=letter_no)


def test_v1_demo_lawyer_with_power_of_attorney_passes(demo_db, clock):
    result = verify_documents(demo_db, clock, OFFICER, power_of_attorney(WANG, "王建国"))
    assert result.request is not None and result.failures == []
    assert result.request.deadline is not None


def test_v4_demo_suspended_lawyer_is_refused(demo_db, clock):
    result = verify_documents(demo_db, clock, OFFICER, power_of_attorney(ZHAO, "赵敏"))
    assert result.request is None and result.refusal_id is not None
    assert [c.rule for c in result.failures] == ["V4"]
    assert "赵敏" in result.failures[0].zh


def test_v7_demo_aid_letter_passes(demo_db, clock):
    result = verify_documents(demo_db, clock, OFFICER, aid_letter(
        SUN, "孙丽", JINGHENG, "2026002", "王磊", "SHFY2026-0001"))
    assert result.request is not None and result.failures == []


def test_v7_demo_terminated_aid_letter_is_refused(demo_db, clock):
    result = verify_documents(demo_db, clock, OFFICER, aid_letter(
        WANG, "王建国", SHENZHENG, "2026003", "刘芳", "SHFY2026-0002"))
    assert result.request is None
    assert [c.rule for c in result.failures] == ["V7"]
    assert "terminated" in result.failures[0].en


def test_e1_demo_refuses_a_database_with_real_accounts(db, clock, settings):
    from booking.errors import DomainError
    from booking.staff import add_staff

    add_staff(db, clock, "cli", "2001", "真警官", "officer", "975310")
    with pytest.raises(DomainError):
        load_demo(db, clock, settings)
    assert db.table("lawyers").count == 0
