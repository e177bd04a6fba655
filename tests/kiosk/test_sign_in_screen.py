"""S1 at the kiosk: signing in with staff number and PIN, wrong PINs, the lock, signing out."""

from __future__ import annotations

from kiosk_steps import OFFICER, SIZE, count, sign_in, type_into
from textual.widgets import Input

from kiosk.components.notice import Notice
from kiosk.screens.sign_in import SignInScreen
from kiosk.screens.verify import VerifyScreen


async def test_s1_wrong_pin_shows_message_clears_pin_and_allows_retry(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, pin="111111")
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        message = screen.query_one(Notice).text
        assert "警号或PIN错误" in message and "还可尝试" not in message  # S1: no count
        assert "wrong staff number or PIN" in message and "tries left" not in message
        assert screen.query_one("#pin", Input).value == ""
        # the staff number may be what was wrong: focus goes back to it, PIN cleared
        assert screen.query_one("#staff-no", Input).has_focus
        assert screen.query_one("#staff-no", Input).value == "1001"
        assert app.officer is None

        await pilot.press("enter", *"246810", "enter")  # Enter keeps the staff number
        await pilot.pause()
        assert isinstance(app.screen, VerifyScreen)
        assert app.officer == OFFICER


async def test_s1_five_wrong_pins_lock_the_account(app, demo_db, settings):
    assert settings.security.max_pin_attempts == 5
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, pin="000000")
        for _ in range(4):
            await pilot.press("enter", *"000000", "enter")
            await pilot.pause()
        message = app.screen.query_one(Notice).text
        assert "PIN连续错误5次，账户已锁定，请所领导解锁" in message
        assert "the account is locked" in message

        await pilot.press("enter", *"246810", "enter")  # the right PIN no longer helps
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert "账户已锁定" in app.screen.query_one(Notice).text
        assert app.officer is None
    row = demo_db.execute("SELECT locked_at FROM staff WHERE staff_no = ?", (OFFICER,)).fetchone()
    assert row[0] is not None


async def test_s1_sign_in_opens_the_verify_screen_and_names_the_officer(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, VerifyScreen)
        assert app.officer == OFFICER
        status = str(app.screen.query_one("#header-status").render())
        assert "1001" in status and "陈警官" in status
        assert "2026-11-24 周二 09:00" in status
        assert app.screen.query_one("#cert-no", Input).has_focus


async def test_s1_empty_fields_ask_for_both_and_write_nothing(app, demo_db):
    before = count(demo_db, "audit_log")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert "请输入警号和PIN" in app.screen.query_one(Notice).text
        assert app.screen.query_one("#staff-no", Input).has_focus
    assert count(demo_db, "audit_log") == before


async def test_s1_sign_out_returns_to_a_blank_sign_in(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_into(pilot, "#cert-no", "13101200910123456")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert app.officer is None
        assert app.screen.query_one("#staff-no", Input).value == ""
        assert app.screen.query_one("#staff-no", Input).has_focus
        # A new sign-in gets a fresh desk: nothing typed before is left on it.
        await sign_in(pilot)
        assert app.screen.query_one("#cert-no", Input).value == ""


async def test_sign_out_is_offered_only_when_signed_in(app):
    async with app.run_test(size=SIZE) as pilot:
        assert "ctrl+l" not in app.screen.active_bindings
        await pilot.press("ctrl+l")  # nothing happens, nothing breaks
        await sign_in(pilot)
        assert "ctrl+l" in app.screen.active_bindings


async def test_s1_a_mistyped_staff_number_is_typed_again_over_the_old_one(app):
    """After a failed sign-in the staff number is focused and selected: a corrected number
    replaces it (it never lands in the PIN field)."""
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, staff_no="1009")
        assert app.screen.query_one("#staff-no", Input).has_focus
        await pilot.press(*"1001", "enter", *"246810", "enter")
        await pilot.pause()
        assert isinstance(app.screen, VerifyScreen) and app.officer == OFFICER


async def test_s1_a_warden_unlocks_a_locked_officer_on_screen_and_the_officer_signs_in(
        app, demo_db):
    """S1: five wrong PINs lock the officer; the warden, signed in, opens the unlock dialog
    from the report screen (F10, shown in the footer), picks the officer and confirms; the
    unlock is audited like `kiosk staff unlock`; the officer then signs in."""
    import json

    from kiosk.screens.report import ReportScreen
    from kiosk.screens.staff_dialog import StaffDialog

    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, pin="000000")
        for _ in range(4):
            await pilot.press("enter", *"000000", "enter")
            await pilot.pause()
        assert "账户已锁定" in app.screen.query_one(Notice).text
        await sign_in(pilot, "9001", "135790")
        assert isinstance(app.screen, ReportScreen) and app.officer == "9001"
        assert "f10" in app.screen.active_bindings
        footer = " ".join(str(w.render()) for w in app.screen.query("FooterKey"))
        assert "解锁" in footer
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, StaffDialog)
        listed = app.screen.query_one("#locked-staff")
        assert [listed.get_option_at_index(i).id for i in range(listed.option_count)] == [
            OFFICER]
        await pilot.press("enter")  # the highlighted (only) locked account
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        await pilot.press("ctrl+l")
        await pilot.pause()
        await sign_in(pilot)
        assert isinstance(app.screen, VerifyScreen) and app.officer == OFFICER
    entry = demo_db.execute("SELECT actor, detail FROM audit_log WHERE action = 'unlock_staff'"
                            " AND subject = ?", (f"staff:{OFFICER}",)).fetchone()
    assert entry is not None and entry[0] == "9001" and json.loads(entry[1]) == {}
    row = demo_db.execute("SELECT failed_attempts, locked_at FROM staff WHERE staff_no = ?",
                          (OFFICER,)).fetchone()
    assert tuple(row) == (0, None)


async def test_s1_an_officer_has_no_unlock_key_and_no_account_locked_says_so(app, demo_db):
    from kiosk.screens.report import ReportScreen
    from kiosk.screens.staff_dialog import StaffDialog

    before = count(demo_db, "audit_log")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert "f10" not in app.screen.active_bindings
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)  # nothing opens for an officer
        await pilot.press("ctrl+l")
        await pilot.pause()
        await sign_in(pilot, "9001", "135790")
        await pilot.press("f10", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StaffDialog)
        assert "没有被锁定的账户" in app.screen.notice.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
    # the officer's and the warden's sign-ins, nothing else
    assert count(demo_db, "audit_log") == before + 2
