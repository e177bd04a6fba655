"""V1-V9: the three documents, the registry, the letter, the defenders, aid letters, custody."""

from datetime import timedelta

import pytest
from support import LAWYER, OFFICER, presentation

from booking import audit
from booking.errors import DomainError
from booking.verification import verify_documents


def counts(db):
    return {t: db.table(t).count for t in
            ("meeting_requests", "refusals", "defenders", "audit_log", "lawyers")}


def failed_rules(result):
    return [c.rule for c in result.failures]


def test_v1_demo_lawyer_passes_and_opens_a_request_c1(registers, clock):
    result = verify_documents(registers, clock, OFFICER, presentation())
    assert result.passed and not result.failures
    assert [c.rule for c in result.checks] == ["V1", "V2", "V4", "V3", "V5", "V8", "V6"]
    request = result.request
    assert request.state == "open"
    assert request.clock_start == clock.now()
    assert request.deadline == clock.now() + timedelta(hours=48)  # C1
    assert registers.table("defenders").count == 1
    assert audit.verify(registers).ok


def test_v1_second_presentation_reuses_the_open_request(registers, clock):
    first = verify_documents(registers, clock, OFFICER, presentation())
    clock.advance(timedelta(hours=1))
    again = verify_documents(registers, clock, OFFICER, presentation())
    assert again.reused_request and again.request.id == first.request.id
    assert again.request.deadline == first.request.deadline
    assert registers.table("meeting_requests").count == 1


@pytest.mark.parametrize("cert_no, word", [("13101201510234567", "停止执业"),
                                           ("13101201110345678", "吊销")])
def test_v4_suspended_or_revoked_lawyer_is_refused_and_stored_v9(registers, clock, cert_no, word):
    result = verify_documents(registers, clock, OFFICER, presentation(
        cert_no=cert_no, letter_lawyer_name="赵敏" if word == "停止执业" else "钱立"))
    assert not result.passed
    assert "V4" in failed_rules(result)
    v4 = next(c for c in result.failures if c.rule == "V4")
    assert word in v4.zh
    refusal = registers.table("refusals").get(result.refusal_id)
    assert refusal["rule"] == "V4" and refusal["officer"] == OFFICER
    assert refusal["document"] == "certificate" and word in refusal["reason_zh"]
    assert registers.table("meeting_requests").count == 0


def test_v2_bad_format_is_refused_without_registry_lookup(registers, clock):
    result = verify_documents(registers, clock, OFFICER, presentation(cert_no="23101200910123456"))
    assert failed_rules(result)[0] == "V2"
    v4 = next(c for c in result.checks if c.rule == "V4")
    assert v4.status == "not_checked"


def test_v2_old_number_accepted_only_through_registry(registers, clock):
    ok = verify_documents(registers, clock, OFFICER, presentation(
        cert_no="131012009101", letter_firm_code="31310115T3KB1E2BDA", letter_lawyer_name="吴德"))
    assert ok.passed
    unknown = verify_documents(registers, clock, OFFICER, presentation(
        cert_no="1310120091019", inspected_in_person=True))
    assert {"V2", "V4"} <= set(failed_rules(unknown))


def test_v4_unregistered_number_needs_in_person_inspection(registers, clock):
    stranger = dict(cert_no="13101202010999999", letter_lawyer_name="新律师")
    refused = verify_documents(registers, clock, OFFICER, presentation(**stranger))
    assert failed_rules(refused) == ["V4"]
    accepted = verify_documents(registers, clock, OFFICER,
                                presentation(inspected_in_person=True, **stranger))
    assert accepted.passed
    row = registers.table("meeting_requests").get(accepted.request.id)
    assert row["inspected_in_person"] == 1
    entry = list(registers.query("SELECT detail FROM audit_log WHERE action = 'open_request'"))[-1]
    assert '"inspected_in_person": true' in entry["detail"]
    # The in-person acceptance is not a registry entry: next time it must be inspected again.
    again = verify_documents(registers, clock, OFFICER, presentation(
        roster_no="2026002", letter_detainee_name="张三", poa_signed_by="张三", **stranger))
    assert failed_rules(again) == ["V4"]


@pytest.mark.parametrize("code, text", [("31310101MD01234566", "校验位"),
                                        ("91110000600037341L", "律师事务所")])
def test_v3_bad_firm_code(registers, clock, code, text):
    result = verify_documents(registers, clock, OFFICER, presentation(letter_firm_code=code))
    v3 = next(c for c in result.failures if c.rule == "V3")
    assert text in v3.zh


def test_v5_letter_from_another_firm_or_naming_someone_else(registers, clock):
    other_firm = verify_documents(registers, clock, OFFICER,
                                  presentation(letter_firm_code="31310104AD8CGTM4JQ"))
    assert failed_rules(other_firm) == ["V5"]
    assert "执业机构" in other_firm.failures[0].zh
    wrong_names = verify_documents(registers, clock, OFFICER, presentation(
        letter_lawyer_name="王健国", letter_detainee_name="李三"))
    assert failed_rules(wrong_names) == ["V5"]
    assert "律师姓名" in wrong_names.failures[0].zh and "在押人员姓名" in wrong_names.failures[0].zh


def test_v5_letter_is_upper_cased(registers, clock):
    assert verify_documents(registers, clock, OFFICER,
                            presentation(letter_firm_code=" 3131010142qxjnp17a ")).passed


def test_v6_signer_must_be_detainee_or_close_relative(registers, clock):
    friend = verify_documents(registers, clock, OFFICER,
                              presentation(poa_signed_by="朋友", poa_relation="friend"))
    assert failed_rules(friend) == ["V6"]
    relative = verify_documents(registers, clock, OFFICER,
                                presentation(poa_signed_by="李大", poa_relation="sibling"))
    assert relative.passed
    assert registers.table("defenders").rows_where("relation = 'sibling'")


def test_v6_third_defender_is_refused_with_the_names_of_the_two(registers, clock):
    for cert_no, name in [(LAWYER, "王建国"), ("13101200910123457", "刘洋")]:
        assert verify_documents(registers, clock, OFFICER,
                                presentation(cert_no=cert_no, letter_lawyer_name=name)).passed
    third = verify_documents(registers, clock, OFFICER, presentation(
        cert_no="13101200910123458", letter_lawyer_name="陈静"))
    assert failed_rules(third) == ["V6"]
    assert "王建国" in third.failures[0].zh and "刘洋" in third.failures[0].zh
    # One of the two may come back: the limit counts other lawyers only.
    assert verify_documents(registers, clock, OFFICER, presentation()).passed


def aid(**changes):
    fields = dict(cert_no="11101200310523456", letter_firm_code="311101053Q2JY0M2UM",
                  letter_lawyer_name="孙丽", letter_detainee_name="张三", roster_no="2026002",
                  basis="aid_letter", aid_letter_no="SHFY2026-0001", poa_signed_by="",
                  poa_relation="")
    fields.update(changes)
    return presentation(**fields)


def test_v7_active_aid_letter_passes(registers, clock):
    result = verify_documents(registers, clock, OFFICER, aid())
    assert result.passed
    assert registers.table("meeting_requests").get(result.request.id)["document_no"] == \
        "SHFY2026-0001"


def test_v7_terminated_letter_is_refused_with_the_reason(registers, clock):
    result = verify_documents(registers, clock, OFFICER, aid(
        cert_no=LAWYER, letter_firm_code="3131010142QXJNP17A", letter_lawyer_name="王建国",
        letter_detainee_name="李四", roster_no="2026001", aid_letter_no="SHFY2026-0002"))
    assert failed_rules(result) == ["V7"]
    assert "终止" in result.failures[0].zh and "terminated" in result.failures[0].en


def test_v7_letter_for_another_detainee_or_unknown(registers, clock):
    other = verify_documents(registers, clock, OFFICER, aid(
        roster_no="2026001", letter_detainee_name="李四"))
    assert failed_rules(other) == ["V7"]
    unknown = verify_documents(registers, clock, OFFICER, aid(aid_letter_no="SHFY2026-9999"))
    assert failed_rules(unknown) == ["V7"]


@pytest.mark.parametrize("roster_no, name, word", [("2026029", "周强", "释放"),
                                                   ("2099999", "李四", "无在押人员")])
def test_v8_detainee_not_held_here(registers, clock, roster_no, name, word):
    result = verify_documents(registers, clock, OFFICER, presentation(
        roster_no=roster_no, letter_detainee_name=name, poa_signed_by=name))
    v8 = next(c for c in result.failures if c.rule == "V8")
    assert word in v8.zh


def test_p1_national_security_case_awaits_permission_without_clock(registers, clock):
    result = verify_documents(registers, clock, OFFICER, presentation(
        roster_no="2026030", letter_detainee_name="郑毅", poa_signed_by="郑毅"))
    assert result.passed
    assert result.request.state == "awaiting_permission"
    assert result.request.clock_start is None and result.request.deadline is None


def test_e1_empty_form_changes_nothing(registers, clock):
    before = counts(registers)
    with pytest.raises(DomainError) as info:
        verify_documents(registers, clock, OFFICER, presentation(cert_no=" ", roster_no=""))
    assert info.value.rule == "V1" and info.value.en
    assert counts(registers) == before


def test_v9_every_check_has_bilingual_reason(registers, clock):
    result = verify_documents(registers, clock, OFFICER, presentation(
        cert_no="13101201510234567", letter_firm_code="bad", roster_no="2026029"))
    for check in result.checks:
        assert check.zh and check.en, check
    stored = registers.table("refusals").get(result.refusal_id)
    for rule in failed_rules(result):
        assert rule in stored["reason_zh"] and rule in stored["reason_en"]


def test_v6_v7_terminated_aid_letter_frees_the_defender_place(registers, clock, tmp_path):
    from booking.imports import import_file

    assert verify_documents(registers, clock, OFFICER, aid()).passed
    assert registers.table("defenders").count_where("ended_at IS NULL") == 1
    letters = tmp_path / "letters.csv"
    letters.write_text("letter_no,centre,cert_no,roster_no,stage,issued_on,status\n"
                       "SHFY2026-0001,上海市黄浦区法律援助中心,11101200310523456,2026002,"
                       "investigation,2026-11-01,terminated\n", encoding="utf-8")
    assert not import_file(registers, clock, "cli", "aid-letters", letters).errors
    assert registers.table("defenders").count_where("ended_at IS NULL") == 0


def test_c4_lapsed_unbooked_request_is_closed_as_breached_and_a_new_one_opens(registers, clock):
    first = verify_documents(registers, clock, OFFICER, presentation()).request
    clock.advance(timedelta(hours=49))
    again = verify_documents(registers, clock, OFFICER, presentation())
    assert not again.reused_request and again.request.id != first.id
    assert again.request.deadline == clock.now() + timedelta(hours=48)
    old = registers.table("meeting_requests").get(first.id)
    assert old["state"] == "breached" and old["closed_at"]
    assert audit.verify(registers).ok
