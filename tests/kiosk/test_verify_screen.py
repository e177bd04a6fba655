"""V1-V9 at the desk: the verify form, its result panel, bad input, the language switch."""

from __future__ import annotations

import pytest
from kiosk_steps import (
    GOOD_AID,
    GOOD_POA,
    OFFICER,
    SIZE,
    SUSPENDED_POA,
    counts,
    fill,
    sign_in,
)
from textual.widgets import Checkbox, DataTable, Input, Select

from kiosk.components.notice import Notice
from kiosk.components.result import ResultPanel
from kiosk.screens.sign_in import SignInScreen


def result_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#result-checks", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_v1_to_v8_demo_lawyer_with_power_of_attorney_opens_a_request(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, GOOD_POA)
        await pilot.press("ctrl+s")
        await pilot.pause()
        panel = app.screen.query_one(ResultPanel)
        assert panel.display
        assert panel.summary_text == ("✔ 核验通过 — 会见申请已登记（申请号 #1，"
                                      "48小时时限 2026-11-26 09:00）")
        rows = result_rows(app)
        assert [row[1] for row in rows] == ["V1", "V2", "V4", "V3", "V5", "V8", "V6"]
        assert all(row[0] == "✔" for row in rows)
        assert rows[-1][2] == "委托书"
        assert rows[-1][3] == "委托书由本人李四签署"
        assert app.screen.query_one(Notice).text == ""
    request = demo_db.execute(
        "SELECT officer, cert_no, roster_no, basis, deadline FROM meeting_requests").fetchall()
    assert request == [(OFFICER, "13101200910123456", "2026001", "power_of_attorney",
                        "2026-11-26T09:00:00+08:00")]


async def test_v7_aid_letter_basis_asks_for_the_letter_only(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        assert screen.query_one("#row-poa-signed-by").display
        assert not screen.query_one("#row-aid-letter-no").display
        await fill(pilot, GOOD_AID)
        assert not screen.query_one("#row-poa-relation").display
        assert not screen.query_one("#row-poa-signed-by").display
        assert screen.query_one("#row-aid-letter-no").display
        await pilot.press("enter")  # Enter on the last field submits
        await pilot.pause()
        assert screen.query_one(ResultPanel).verification.passed
        assert result_rows(app)[-1][1:3] == ["V7", "法律援助公函"]
    assert demo_db.execute("SELECT basis, document_no FROM meeting_requests").fetchall() == [
        ("aid_letter", "SHFY2026-0001")]


async def test_v4_suspended_lawyer_is_refused_naming_the_rule_and_recorded(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, SUSPENDED_POA)
        await pilot.click("#verify")
        await pilot.pause()
        panel = app.screen.query_one(ResultPanel)
        assert panel.summary_text == "✘ 核验未通过 — 已记录（拒绝记录 #1；未通过规则：V4）"
        failed = [row for row in result_rows(app) if row[0] == "✘"]
        assert failed == [["✘", "V4", "律师执业证书",
                           "律师赵敏已被停止执业，不能会见；请向司法行政机关核实"]]
    assert demo_db.execute("SELECT officer, rule, document FROM refusals").fetchall() == [
        (OFFICER, "V4", "certificate")]
    assert demo_db.execute("SELECT count(*) FROM meeting_requests").fetchone()[0] == 0


async def test_e1_empty_form_names_the_missing_fields_and_writes_nothing(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        before = counts(demo_db)
        await pilot.press("ctrl+s")
        await pilot.pause()
        message = app.screen.query_one(Notice).text
        assert message.startswith("请填写：执业证号、律所统一社会信用代码、证明所载律师姓名")
        assert "委托人身份、委托人姓名" in message
        assert "Please fill in: Certificate number, Firm's credit code" in message
        assert not app.screen.query_one(ResultPanel).display
        assert app.screen.query_one("#cert-no", Input).has_focus
        # Partly filled: only what is still missing is named.
        await fill(pilot, {k: v for k, v in GOOD_POA.items() if k != "roster-no"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.query_one(Notice).text.splitlines() == [
            "请填写：在押人员编号", "Please fill in: Roster number"]
        assert app.screen.query_one("#roster-no", Input).has_focus
    assert counts(demo_db) == before


async def test_e1_unexpected_error_is_shown_not_raised(app, demo_db, monkeypatch):
    """Whatever a use case raises, the officer gets a message and the kiosk keeps running."""
    from booking.desk import Desk

    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Desk, "verify", broken)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, GOOD_POA)
        await pilot.press("ctrl+s")
        await pilot.pause()
        message = app.screen.query_one(Notice).text
        assert "系统出错，未保存任何内容" in message
        assert "nothing was saved" in message
        assert "disk on fire" not in message
        assert app.is_running


async def test_keyboard_only_the_form_is_filled_top_to_bottom_with_tab(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press(*GOOD_POA["cert-no"], "tab")
        assert app.screen.query_one("#inspected", Checkbox).has_focus
        await pilot.press("tab", *GOOD_POA["firm-code"], "enter")  # Enter moves down too
        await pilot.press(*"王建国", "tab", *"李四", "tab", *"2026001", "tab")
        assert app.screen.focused.id == "lawyer-phone"  # P2: optional, left empty here
        await pilot.press("tab")
        assert app.screen.focused.id == "basis"
        await pilot.press("tab")
        assert app.screen.query_one("#poa-relation", Select).has_focus
        await pilot.press("enter", "down", "enter")  # open, first relation (本人), choose
        await pilot.pause()
        assert app.screen.query_one("#poa-relation", Select).value == "self"
        await pilot.press("tab", *"李四", "enter")
        await pilot.pause()
        assert app.screen.query_one(ResultPanel).verification.passed
    assert demo_db.execute("SELECT count(*) FROM meeting_requests").fetchone()[0] == 1


async def test_clear_key_resets_the_form_and_the_result(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, GOOD_AID)
        app.screen.query_one("#inspected", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        assert all(field.value == "" for field in screen.query(Input))
        assert not screen.query_one("#inspected", Checkbox).value
        assert screen.query_one("#poa-relation", Select).value == Select.NULL
        assert screen.query_one("#row-poa-signed-by").display
        assert not screen.query_one(ResultPanel).display
        assert screen.query_one("#cert-no", Input).has_focus


@pytest.mark.parametrize("press_first", [False, True], ids=["toggle-on-verify", "toggle-on-sign-in"])
async def test_f2_switches_every_label_to_english_and_back(app, press_first):
    async with app.run_test(size=SIZE) as pilot:
        if press_first:
            await pilot.press("f2")
            assert str(app.screen.query_one("#sign-in").label) == "Sign in"
        await sign_in(pilot)
        await fill(pilot, SUSPENDED_POA)
        await pilot.press("ctrl+s")
        await pilot.pause()
        if not press_first:
            await pilot.press("f2")
            await pilot.pause()
        screen = app.screen
        assert str(screen.query_one("#header-title").render()) == "Check documents"
        assert str(screen.query_one("#row-cert-no .field-label").render()) == "Certificate number"
        assert str(screen.query_one("#inspected", Checkbox).label) == \
            "Certificate inspected in person"
        assert str(screen.query_one("#aid_letter").label) == "Legal-aid letter"
        relation = screen.query_one("#poa-relation", Select)
        assert relation.value == "self"
        assert str(relation.query_one("SelectCurrent Static").render()) == "the detainee"
        assert screen.query_one(ResultPanel).summary_text == (
            "✘ Documents refused — recorded (refusal #1; failed rules: V4)")
        assert result_rows(app)[2][3] == ("lawyer 赵敏 is suspended and cannot meet detainees;"
                                          " ask the justice bureau")
        footer = {b.binding.key: b.binding.description
                  for b in screen.active_bindings.values()}
        assert footer["ctrl+s"] == "Verify" and footer["f2"] == "中文"
        assert footer["ctrl+l"] == "Sign out"

        await pilot.press("f2")
        await pilot.pause()
        assert str(screen.query_one("#row-cert-no .field-label").render()) == "执业证号"
        assert screen.query_one(ResultPanel).summary_text.startswith("✘ 核验未通过")
        assert screen.active_bindings["f2"].binding.description == "English"


async def test_signing_out_takes_the_result_off_the_screen(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, GOOD_POA)
        await pilot.press("ctrl+s", "ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert not app.query(ResultPanel)


async def test_v6_end_a_defence_from_the_refusal_then_the_third_lawyer_passes(app, demo_db,
                                                                              clock):
    """V6: the refusal names the two lawyers; Ctrl+E opens a small dialog that ends one
    defence (reason, document date, audited); checking again passes the third lawyer."""
    from booking.models import Presentation
    from booking.verification import verify_documents

    for cert_no, name in [("13101200910123456", "王建国"), ("13101201210456781", "刘洋")]:
        assert verify_documents(demo_db, clock, OFFICER, Presentation(
            cert_no=cert_no, letter_firm_code="3131010142QXJNP17A", letter_lawyer_name=name,
            letter_detainee_name="李四", roster_no="2026001", basis="power_of_attorney",
            poa_signed_by="李四", poa_relation="self")).passed
    third = GOOD_POA | {"cert-no": "13101200610567892", "letter-lawyer": "张伟"}
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, third)
        await pilot.press("ctrl+s")
        await pilot.pause()
        failed = [row for row in result_rows(app) if row[0] == "✘"]
        assert [row[1] for row in failed] == ["V6"]
        assert "王建国" in failed[0][3] and "刘洋" in failed[0][3]
        assert app.screen.query_one("#end-defence").display
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#defences").option_count == 2
        await pilot.press("down", "enter")  # 刘洋, the second; then to the date
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, type(dialog))
        assert "刘洋" in app.screen.query_one(Notice).text
        assert not app.screen.query_one("#end-defence").display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.query_one(ResultPanel).verification.passed
    ended = demo_db.execute("SELECT cert_no, end_reason, ended_on, ended_by FROM defenders"
                            " WHERE ended_at IS NOT NULL").fetchall()
    assert ended == [("13101201210456781", "revoked", "2026-11-24", OFFICER)]
