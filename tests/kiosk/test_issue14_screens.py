"""The desk screens of V10 (duty lawyer), V7 (hand entry), C6 (complaint line on a refusal),
P2 (lawyer away: to notify, Ctrl+T records the call) and B12 (fast-track priority)."""

from __future__ import annotations

from kiosk_steps import SIZE, SUSPENDED_POA, count, fill, sign_in, type_into
from textual.widgets import Checkbox, Static

from booking.watch import watch_list

DUTY = {"cert-no": "13101201320891025", "roster-no": "2026011",
        "duty-notice-no": "FLBZ2026-0001"}


async def test_v10_demo_duty_lawyer_verifies_without_a_firm_letter_and_books(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#duty_notice").value = True
        await pilot.pause()
        assert app.screen.query_one("#row-duty-notice-no").display
        assert not app.screen.query_one("#row-aid-letter-no").display
        for field, text in DUTY.items():
            await type_into(pilot, f"#{field}", text)
        await pilot.press("enter")  # Enter on the notice number verifies
        await pilot.pause()
        request = next(demo_db.query("SELECT * FROM meeting_requests"))
        assert request["basis"] == "duty_notice" and request["document_no"] == "FLBZ2026-0001"
        await pilot.press("f3")
        await pilot.pause()
        assert type(app.screen).__name__ == "OffersScreen"


async def test_v7_hand_entered_aid_letter_on_screen_is_to_confirm(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, {"cert-no": "11101200310523456", "firm-code": "311101053Q2JY0M2UM",
                           "letter-lawyer": "孙丽", "letter-detainee": "胡军",
                           "roster-no": "2026011", "aid-letter-no": "SHFY2026-0100"})
        assert not app.screen.query_one("#row-document-issuer").display
        app.screen.query_one("#hand-entered", Checkbox).value = True
        await pilot.pause()
        assert app.screen.query_one("#row-document-issuer").display
        await type_into(pilot, "#document-issuer", "上海市黄浦区法律援助中心")
        await type_into(pilot, "#document-issued-on", "2026-11-23")
        await pilot.press("enter")
        await pilot.pause()
        assert count(demo_db, "meeting_requests") == 1
        [item] = watch_list(demo_db, app.clock)
        assert item.document_to_confirm


async def test_c6_refusal_shows_the_complaint_line_and_prints_the_slip(app, demo_db, settings):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, SUSPENDED_POA)
        await pilot.press("ctrl+s")
        await pilot.pause()
        complaint = app.screen.query_one("#complaint", Static)
        assert complaint.display
        shown = str(complaint.render())
        assert settings.centre.procuratorate_name in shown and "10日内书面答复" in shown
        await pilot.click("#print-refusal")
        await app.workers.wait_for_complete()
        await pilot.pause()
        printed = sorted(settings.printer.folder.glob("*-refusal.bin"))
        assert len(printed) == 1 and settings.printer.folder.joinpath(
            printed[0].stem + ".png").exists()
        assert settings.centre.procuratorate_name.encode("gb18030") in printed[0].read_bytes()


async def test_p2_permission_with_lawyer_away_is_to_notify_until_ctrl_t(app, demo_db, clock):
    from booking.models import Presentation
    from booking.verification import verify_documents
    from kiosk.screens.watch import WatchScreen

    request = verify_documents(demo_db, clock, "1001", Presentation(
        cert_no="13101200910123456", letter_firm_code="3131010142QXJNP17A",
        letter_lawyer_name="王建国", letter_detainee_name="郑毅", roster_no="2026030",
        basis="power_of_attorney", poa_signed_by="郑毅", poa_relation="self",
        lawyer_phone="13800138000")).request
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("enter")  # the permission dialog
        await pilot.pause()
        await type_into(pilot, "#reference", "沪国安许〔2026〕7号")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "律师是否在窗口" in app.screen.query_one("#dialog-message").text  # must choose
        app.screen.query_one("#lawyer-away").value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("f4")  # from the offers to the watch list (Esc goes home)
        await pilot.pause()
        assert isinstance(app.screen, WatchScreen)
        [item] = app.screen.items
        assert item.to_notify and item.lawyer_phone == "13800138000"
        await pilot.press("ctrl+t")
        await pilot.pause()
        row = demo_db.table("meeting_requests").get(request.id)
        assert row["lawyer_told_how"] == "phone" and row["lawyer_told_by"] == "1001"
        assert not app.screen.items[0].to_notify
