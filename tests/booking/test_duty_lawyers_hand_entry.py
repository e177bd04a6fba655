"""V10 duty lawyers on a legal-help notice, V6 guardian, V7/V10 hand-entered letters and
notices, and their imports (E3)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from support import LAWYER, OFFICER, presentation

from booking import audit
from booking.errors import DomainError
from booking.imports import import_file
from booking.verification import verify_documents

DUTY = "11101200310523456"  # 孙丽, registry lawyer


def duty_presentation(**changes):
    fields = dict(cert_no=DUTY, letter_firm_code="", letter_lawyer_name="",
                  letter_detainee_name="", roster_no="2026001", basis="duty_notice",
                  duty_notice_no="FLBZ-0001")
    fields.update(changes)
    return presentation(**fields)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def notices(registers, clock, tmp_path):
    path = write(tmp_path, "notices.csv",
                 "notice_no,issuer,cert_no,roster_no,issued_on,status\n"
                 f"FLBZ-0001,上海市黄浦区人民检察院,{DUTY},2026001,2026-11-20,active\n"
                 f"FLBZ-0002,上海市黄浦区人民检察院,{DUTY},2026001,2026-11-01,withdrawn\n")
    report = import_file(registers, clock, "test", "duty-notices", path)
    assert report.imported == 2 and not report.errors
    roster = write(tmp_path, "roster.csv", f"cert_no,date\n{DUTY},2026-11-24\n{DUTY},2026-11-25\n")
    assert import_file(registers, clock, "test", "duty-roster", roster).imported == 2
    return registers


def test_v10_duty_lawyer_on_the_roster_needs_no_firm_letter_and_gets_48_hours(notices, clock):
    result = verify_documents(notices, clock, OFFICER, duty_presentation())
    assert result.passed, result.failures
    assert result.request.basis == "duty_notice"
    assert result.request.deadline == clock.now() + timedelta(hours=48)  # same clock as C1
    firm = next(c for c in result.checks if c.document == "firm_letter")
    assert firm.rule == "V10" and firm.status == "passed"
    # a duty lawyer helps; they do not take one of the two defender places (V6)
    assert notices.table("defenders").count == 0
    row = notices.table("meeting_requests").get(result.request.id)
    assert row["document_no"] == "FLBZ-0001"


def test_v10_duty_lawyer_off_the_roster_needs_the_firm_letter(notices, clock):
    clock.advance(timedelta(days=3))  # 11-27: not on the roster
    result = verify_documents(notices, clock, OFFICER, duty_presentation())
    assert not result.passed
    failure = result.failures[0]
    assert failure.rule == "V10" and failure.document == "firm_letter"
    assert "值班名册" in failure.zh
    # with the firm's letter the same lawyer passes
    result = verify_documents(notices, clock, OFFICER, duty_presentation(
        letter_firm_code="311101053Q2JY0M2UM", letter_lawyer_name="孙丽",
        letter_detainee_name="李四"))
    assert result.passed, result.failures


def test_v10_withdrawn_or_unknown_notice_or_other_lawyer_is_refused(notices, clock):
    withdrawn = verify_documents(notices, clock, OFFICER, duty_presentation(
        duty_notice_no="FLBZ-0002"))
    assert [c.rule for c in withdrawn.failures] == ["V10"] and "撤回" in withdrawn.failures[0].zh
    unknown = verify_documents(notices, clock, OFFICER, duty_presentation(
        duty_notice_no="FLBZ-9999"))
    assert "手工录入" in unknown.failures[0].zh
    notices.table("duty_roster").insert({"cert_no": LAWYER, "date": "2026-11-24"})
    other = verify_documents(notices, clock, OFFICER, duty_presentation(cert_no=LAWYER))
    assert "通知书指派的不是该律师" in other.failures[0].zh
    assert notices.table("meeting_requests").count == 0


def test_v10_v4_registry_still_applies_to_a_duty_lawyer(notices, clock):
    notices.table("duty_roster").insert({"cert_no": "13101201510234567", "date": "2026-11-24"})
    result = verify_documents(notices, clock, OFFICER, duty_presentation(
        cert_no="13101201510234567"))
    assert "V4" in [c.rule for c in result.failures]


def test_v10_detainee_with_a_defence_lawyer_is_not_for_the_duty_lawyer(notices, clock):
    assert verify_documents(notices, clock, OFFICER, presentation()).passed  # 王建国 defends 李四
    result = verify_documents(notices, clock, OFFICER, duty_presentation())
    assert any(c.rule == "V10" and "王建国" in c.zh for c in result.failures)


def test_v6_guardian_may_sign_the_power_of_attorney_and_is_recorded(registers, clock):
    result = verify_documents(registers, clock, OFFICER, presentation(
        poa_signed_by="李大山", poa_relation="guardian"))
    assert result.passed, result.failures
    v6 = next(c for c in result.checks if c.rule == "V6")
    assert "监护人" in v6.zh and "guardian" in v6.en
    defender = next(registers.query("SELECT signed_by, relation FROM defenders"))
    assert defender == {"signed_by": "李大山", "relation": "guardian"}
    entry = next(registers.query("SELECT detail FROM audit_log WHERE action = 'open_request'"))
    assert json.loads(entry["detail"])["relation"] == "guardian"


def test_v6_unknown_relation_names_guardian_in_the_refusal(registers, clock):
    result = verify_documents(registers, clock, OFFICER, presentation(
        poa_signed_by="李大山", poa_relation="friend"))
    assert "监护人" in result.failures[0].zh


def hand_aid(**changes):
    fields = dict(cert_no=LAWYER, roster_no="2026001", basis="aid_letter",
                  aid_letter_no="SHFY2026-0099", hand_entered=True,
                  document_issuer="上海市黄浦区法律援助中心", document_issued_on="2026-11-23")
    fields.update(changes)
    return presentation(**fields)


def test_v7_hand_entered_aid_letter_is_accepted_audited_and_to_confirm(registers, clock):
    result = verify_documents(registers, clock, OFFICER, hand_aid())
    assert result.passed, result.failures
    v7 = next(c for c in result.checks if c.rule == "V7")
    assert "待导入确认" in v7.zh and "to confirm" in v7.en
    letter = registers.table("aid_letters").get("SHFY2026-0099")
    assert letter["entered_by"] == OFFICER and letter["confirmed_at"] is None
    assert letter["stage"] == "prosecution" and letter["status"] == "active"
    entry = next(registers.query("SELECT actor, subject, detail FROM audit_log"
                                 " WHERE action = 'hand_enter_document'"))
    assert entry["actor"] == OFFICER and entry["subject"] == "aid_letters:SHFY2026-0099"
    assert json.loads(entry["detail"])["original_inspected"] is True
    assert audit.verify(registers).ok


def test_v7_without_the_hand_entry_tick_an_unknown_letter_is_refused(registers, clock):
    result = verify_documents(registers, clock, OFFICER, hand_aid(hand_entered=False))
    assert not result.passed and result.failures[0].rule == "V7"
    assert registers.table("aid_letters").count == 2


@pytest.mark.parametrize("changes", [dict(document_issuer=" "),
                                     dict(document_issued_on="2026-13-01"),
                                     dict(document_issued_on="2026-11-25")])
def test_v7_e1_hand_entry_needs_issuer_and_a_past_date_db_unchanged(registers, clock, changes):
    before = registers.table("audit_log").count
    with pytest.raises(DomainError) as refused:
        verify_documents(registers, clock, OFFICER, hand_aid(**changes))
    assert refused.value.rule == "V7"
    assert registers.table("audit_log").count == before
    assert registers.table("aid_letters").count == 2


def test_v7_an_import_containing_the_letter_confirms_it(registers, clock, tmp_path):
    assert verify_documents(registers, clock, OFFICER, hand_aid()).passed
    path = write(tmp_path, "letters.csv",
                 "letter_no,centre,cert_no,roster_no,stage,issued_on,status\n"
                 f"SHFY2026-0099,上海市黄浦区法律援助中心,{LAWYER},2026001,prosecution,2026-11-23,"
                 "active\n")
    import_file(registers, clock, "test", "aid-letters", path)
    letter = registers.table("aid_letters").get("SHFY2026-0099")
    assert letter["confirmed_at"] is not None and letter["contradicted_at"] is None
    assert letter["entered_by"] == OFFICER  # still counted as hand-entered (R1)


@pytest.mark.parametrize("status, cert_no", [("terminated", LAWYER),
                                             ("active", "13101200910123457")])
def test_v7_an_import_contradicting_the_letter_puts_the_request_on_the_watch_list(
        registers, clock, tmp_path, status, cert_no):
    from booking.watch import watch_list

    request = verify_documents(registers, clock, OFFICER, hand_aid()).request
    path = write(tmp_path, "letters.csv",
                 "letter_no,centre,cert_no,roster_no,stage,issued_on,status\n"
                 f"SHFY2026-0099,上海市黄浦区法律援助中心,{cert_no},2026001,prosecution,"
                 f"2026-11-23,{status}\n")
    report = import_file(registers, clock, "test", "aid-letters", path)
    assert not report.errors and report.updated == 1
    assert registers.table("aid_letters").get("SHFY2026-0099")["contradicted_at"]
    entry = next(registers.query("SELECT detail FROM audit_log WHERE action = 'import_aid_letters'"
                                 " ORDER BY id DESC LIMIT 1"))
    assert json.loads(entry["detail"])["requests_to_watch"] == [str(request.id)]
    item = next(i for i in watch_list(registers, clock) if i.request_id == request.id)
    assert item.document_contradicted and not item.document_to_confirm


def test_v10_hand_entered_notice_is_to_confirm_on_the_watch_list(registers, clock):
    from booking.watch import watch_list

    registers.table("duty_roster").insert({"cert_no": DUTY, "date": "2026-11-24"})
    result = verify_documents(registers, clock, OFFICER, duty_presentation(
        duty_notice_no="FLBZ-0100", hand_entered=True, document_issuer="上海市黄浦区人民检察院",
        document_issued_on="2026-11-24"))
    assert result.passed, result.failures
    assert registers.table("duty_notices").get("FLBZ-0100")["entered_by"] == OFFICER
    item = next(i for i in watch_list(registers, clock) if i.request_id == result.request.id)
    assert item.document_to_confirm


def test_e3_duty_notice_import_is_all_or_nothing(registers, clock, tmp_path):
    path = write(tmp_path, "notices.json", json.dumps([
        {"notice_no": "FLBZ-1", "issuer": "某检察院", "cert_no": DUTY, "roster_no": "2026001",
         "issued_on": "2026-11-20", "status": "active"},
        {"notice_no": "FLBZ-2", "issuer": "某检察院", "cert_no": DUTY, "roster_no": "2026001",
         "issued_on": "2026-11-20", "status": "expired"}], ensure_ascii=False))
    report = import_file(registers, clock, "test", "duty-notices", path)
    assert report.imported == 0 and [(e.line, e.field) for e in report.errors] == [(2, "status")]
    assert registers.table("duty_notices").count == 0


def test_e3_duty_roster_rejects_a_repeated_lawyer_and_day(registers, clock, tmp_path):
    path = write(tmp_path, "roster.csv", f"cert_no,date\n{DUTY},2026-11-24\n{DUTY},2026-11-24\n")
    report = import_file(registers, clock, "test", "duty-roster", path)
    assert report.imported == 0 and report.errors[0].line == 3
