"""B1-B10, C1-C5, P2, A1-A3 at the desk: from a verified request to a booked, started and
ended meeting, with the watch list, the day view and the dialogs the rules ask for."""

from __future__ import annotations

from datetime import timedelta

from booking_steps import (
    NATIONAL_SECURITY_POA,
    at,
    bookings,
    fill_meeting_rooms,
    press,
    record,
    record_prints,
    rows,
    settle,
    to_offers,
    verified,
)
from kiosk_steps import SIZE, screen_text, type_into
from textual.widgets import Checkbox, DataTable, OptionList, Static

from kiosk.components.notice import Notice
from kiosk.screens.day_view import DayViewScreen
from kiosk.screens.dialogs import (
    AssistantConfirmationDialog,
    AssistantDialog,
    ConfirmDialog,
    DelayReasonDialog,
    DutySessionDialog,
    LawyerPresentDialog,
    PermissionDialog,
)
from kiosk.screens.meeting import MeetingScreen
from kiosk.screens.offers import OffersScreen
from kiosk.screens.record_dialog import RecordDialog
from kiosk.screens.verify import VerifyScreen
from kiosk.screens.watch import WatchScreen


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def offer_rows(app) -> list[list[str]]:
    return rows(app.screen.query_one("#offers-table", DataTable))


def request_row(db, request_id: int = 1) -> dict:
    return next(db.query("SELECT * FROM meeting_requests WHERE id = ?", (request_id,)))


async def test_c2_demo_lawyer_verified_then_booked_now_and_ticket_printed(
        app, demo_db, monkeypatch):
    printed = record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        assert isinstance(app.screen, OffersScreen)
        assert text(app, "#offers-deadline") == "48小时期限 2026-11-26 周四 09:00 · 剩余 48:00"
        assert offer_rows(app) == [
            ["会见室", "会见室1 (M1)", "2026-11-24 周二 09:00–10:00", "当即会见", "✔ 期限内"]]
        assert not app.screen.query_one("#offers-no-opening").display
        await press(pilot, "enter")
        booked = text(app, "#offers-booked-text")
        assert "预约号 #1 · 会见室1 (M1) · 2026-11-24 周二 09:00–10:00 · 已到达" in booked
        assert "排队号 A001" in booked  # C2: queued at once, the lawyer being here
        assert "当即会见：律师已登记到达并取号" in booked
        assert "48小时期限 2026-11-26 周四 09:00" in booked
        await press(pilot, "ctrl+o")
        assert isinstance(app.screen, MeetingScreen) and app.screen.booking_id == 1
    [booking] = bookings(demo_db)
    assert (booking["room_id"], booking["immediate"], booking["delay_reason"],
            booking["starts_at"], booking["state"], booking["arrived_at"]) == (
        "M1", 1, None, "2026-11-24T09:00:00+08:00", "arrived", "2026-11-24T09:00:00+08:00")
    assert [(t["booking_id"], t["label"]) for t in demo_db.query("SELECT * FROM tickets")] == [
        (1, "A001")]
    assert printed == [("booking", 1)]  # what prints is the queue ticket (test_printing_ui)
    assert request_row(demo_db)["state"] == "booked"


async def test_b8_priority_and_b3_length_are_booked_as_chosen(app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        app.screen.query_one("#length-90").value = True
        app.screen.query_one("#priority", Checkbox).value = True
        await settle(pilot)
        assert offer_rows(app)[0][2] == "2026-11-24 周二 09:00–10:30"
        app.screen.query_one("#offers-table").focus()
        await press(pilot, "enter")
    [booking] = bookings(demo_db)
    assert booking["ends_at"] == "2026-11-24T10:30:00+08:00" and booking["priority"] == 1


async def test_b1_video_offered_only_when_the_lawyer_asks(app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        assert [row[0] for row in offer_rows(app)] == ["会见室"]
        app.screen.query_one("#video", Checkbox).value = True
        await settle(pilot)
        assert [row[:2] for row in offer_rows(app)] == [
            ["会见室", "会见室1 (M1)"], ["视频会见", "视频会见终端1 (V1)"]]


async def test_c3_friday_evening_offer_needs_a_delay_reason(app, demo_db, clock, monkeypatch):
    printed = record_prints(app, monkeypatch)
    clock.set(at(2026, 11, 27, 20, 0))
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        assert offer_rows(app)[0][2:4] == ["2026-11-28 周六 08:30–09:30", "预约"]
        await press(pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, DelayReasonDialog)
        reasons = dialog.query_one("#reasons", OptionList)
        assert reasons.highlighted_option.id == "outside_hours"  # the centre is closed now
        assert "lawyer_choice" in [reasons.get_option_at_index(i).id  # C3: the officer picks
                                   for i in range(reasons.option_count)]
        await pilot.press("escape")  # cancelled: nothing booked
        await settle(pilot)
        assert isinstance(app.screen, OffersScreen) and bookings(demo_db) == []
        assert "未预约" in app.screen.query_one(Notice).text
        await press(pilot, "enter")
        reasons = app.screen.query_one("#reasons", OptionList)
        reasons.highlighted = reasons.option_count - 1  # "other" needs words
        await press(pilot, "enter")
        assert app.screen.focused.id == "other-text"
        await press(pilot, "enter")
        assert "请写明具体情况" in app.screen.query_one(Notice).text
        assert bookings(demo_db) == []
        await type_into(pilot, "#other-text", "监区检修")
        await press(pilot, "enter")
        assert isinstance(app.screen, OffersScreen)
        assert "情况说明（已打印交律师）：其他：监区检修" in text(app, "#offers-booked-text")
    [booking] = bookings(demo_db)
    assert (booking["immediate"], booking["delay_reason"], booking["delay_text"],
            booking["starts_at"]) == (0, "other", "监区检修", "2026-11-28T08:30:00+08:00")
    assert printed == [("booking", 1)]


async def test_c3_picking_a_listed_reason_books_at_once(app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    clock.set(at(2026, 11, 27, 20, 0))
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await pilot.press("enter")  # the suggested reason
        await settle(pilot)
    assert [b["delay_reason"] for b in bookings(demo_db)] == ["outside_hours"]


async def test_b5_interrogation_room_needs_the_signed_consent(app, demo_db, monkeypatch):
    printed = record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot)
        fill_meeting_rooms(demo_db, at(2026, 11, 24, 8, 30))
        await press(pilot, "f3")
        assert [row[:4] for row in offer_rows(app)] == [
            ["会见室", "会见室1 (M1)", "2026-11-25 周三 08:30–09:30", "预约"],
            ["讯问室", "讯问室1 (I1)", "2026-11-24 周二 09:00–10:00", "当即会见"]]
        await press(pilot, "down", "enter")
        assert printed == [("consent", 1, "I1", at(2026, 11, 24, 9, 0))]
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "律师已在讯问室会见同意书上签字" in str(dialog.query_one("#statement").label)
        await pilot.press("ctrl+s")  # not ticked: refused in the dialog
        await settle(pilot)
        assert app.screen is dialog and "请先勾选" in dialog.notice.text
        await press(pilot, "escape")
        assert isinstance(app.screen, OffersScreen) and bookings(demo_db) == []
        assert "未签署" in app.screen.query_one(Notice).text
        await pilot.press("enter")  # the interrogation row is still chosen
        await settle(pilot)
        await press(pilot, "space", "ctrl+s")
        assert "讯问室：律师书面同意已确认" in text(app, "#offers-booked-text")
        await press(pilot, "ctrl+o")
        meeting = app.screen
        assert isinstance(meeting, MeetingScreen)
        await pilot.press("2")  # start: devices off must be confirmed first
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "录音、监听设备已关闭" in str(app.screen.query_one("#statement").label)
        await press(pilot, "escape")
        assert app.screen is meeting and "会见未开始" in meeting.notice.text
        assert bookings(demo_db)[0]["started_at"] is None
        await press(pilot, "2")
        await press(pilot, "space", "ctrl+s")
        assert "录音、监听设备关闭已确认" in text(app, "#meeting-times")
    [booking] = bookings(demo_db)
    assert booking["room_id"] == "I1" and booking["consent_by"] == "1001"
    assert booking["consent_at"] == booking["devices_off_at"] == "2026-11-24T09:00:00+08:00"
    assert booking["state"] == "in_progress"
    assert request_row(demo_db)["state"] == "met"


async def test_c4_meeting_now_starts_and_ends_the_lawyer_already_checked_in(
        app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await press(pilot, "ctrl+o")
        screen = app.screen
        assert "王建国 13101200910123456" in text(app, "#meeting-people")  # Q3: compare
        assert "排队号 A001" in text(app, "#meeting-booking")
        # C2: checked in and queued when booked, so no "arrived" key
        assert [b.id for b in screen.query("#meeting-actions Button") if b.display] == [
            "start", "cancelled", "assistant", "reprint"]
        await record(pilot, "2", "3")
        assert [b.id for b in screen.query("#meeting-actions Button") if b.display] == []
        assert "已结束" in text(app, "#meeting-booking")
    [booking] = bookings(demo_db)
    assert booking["state"] == "done" and booking["devices_off_at"] is None
    assert request_row(demo_db)["state"] == "met"


async def test_b11_no_single_key_changes_the_record_without_confirmation(
        app, demo_db, clock, monkeypatch):
    """B11: 1, 2 and 3 each show what they will record, for which booking; Esc records
    nothing, Enter records it."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        meeting = app.screen
        clock.set(at(2026, 11, 24, 9, 25))
        for key, what in (("1", "将记录：律师到达（09:25）"), ("2", "将记录：会见开始（09:25）")):
            if key == "2":  # B11: a start needs the arrival recorded first
                await record(pilot, "1")
            before = bookings(demo_db)
            await press(pilot, key)
            dialog = app.screen
            assert isinstance(dialog, RecordDialog)
            shown = str(dialog.query_one("#record-what").render())
            assert shown.startswith(what)
            details = str(dialog.query_one("#dialog-details").render())
            assert "王建国 13101200910123456" in details and "会见室1" in details
            assert "回车确认 · Esc 取消" in screen_text(app)
            await press(pilot, "escape")
            assert app.screen is meeting and bookings(demo_db) == before  # nothing written
        await record(pilot, "2")
        assert bookings(demo_db)[0]["state"] == "in_progress"
        await press(pilot, "3")
        await press(pilot, "f2")  # the dialog follows the language
        assert str(app.screen.query_one("#record-what").render()).startswith(
            "This will record: the meeting's end (09:25)")
        await press(pilot, "escape")
        assert bookings(demo_db)[0]["state"] == "in_progress"


async def test_b11_ctrl_q_on_a_signed_in_desk_asks_first(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot)
        await press(pilot, "ctrl+q")
        assert isinstance(app.screen, RecordDialog)
        assert "陈警官退出登录并关闭本终端" in str(app.screen.query_one("#record-what").render())
        await press(pilot, "escape")
        assert isinstance(app.screen, VerifyScreen) and app.is_running
        await press(pilot, "ctrl+q", "enter")
        assert not app.is_running


async def book_later_today(pilot, clock_time: str = "09:30") -> None:
    """The lawyer asks for a later time today (C4: lawyer's choice), then the meeting desk."""
    await to_offers(pilot)
    await type_into(pilot, "#later-date", "2026-11-24")
    await pilot.press("enter")
    await press(pilot, *clock_time, "enter")
    await press(pilot, "enter")  # C3/C4: the reason, "the lawyer's own choice" suggested
    await press(pilot, "ctrl+o")


async def test_c4_meeting_later_arrives_starts_and_ends(app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        screen = app.screen
        assert [b.id for b in screen.query("#meeting-actions Button") if b.display] == [
            "arrive", "start", "cancelled", "assistant", "reprint"]
        clock.set(at(2026, 11, 24, 9, 25))
        await record(pilot, "1")
        assert "已登记律师到达" in screen.notice.text
        await record(pilot, "2", "3")
        assert [b.id for b in screen.query("#meeting-actions Button") if b.display] == []
    [booking] = bookings(demo_db)
    assert booking["state"] == "done" and booking["arrived_at"] == "2026-11-24T09:25:00+08:00"
    assert request_row(demo_db)["state"] == "met"


async def test_c4_cancelled_by_the_lawyer_after_confirmation(app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await press(pilot, "ctrl+o")
        await record(pilot, "5")
        assert "已记录律师撤销会见" in app.screen.notice.text
    assert request_row(demo_db)["state"] == "cancelled"


async def test_b10_late_lawyer_loses_the_slot_and_is_rebooked_same_deadline(
        app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        clock.set(at(2026, 11, 24, 9, 50))
        await record(pilot, "1")  # arrives 20 minutes late: refused, release instead
        assert isinstance(app.screen, RecordDialog)
        await press(pilot, "enter")
        assert isinstance(app.screen, OffersScreen)
        assert text(app, "#offers-deadline").startswith("48小时期限 2026-11-26 周四 09:00")
        assert offer_rows(app)[0][2] == "2026-11-24 周二 09:50–10:50"
        await pilot.press("enter")  # re-booked now: the lawyer is here, so queued at once
        await settle(pilot)
    assert [(b["state"], b["starts_at"]) for b in bookings(demo_db)] == [
        ("released_late", "2026-11-24T09:30:00+08:00"),
        ("arrived", "2026-11-24T09:50:00+08:00")]
    assert [(t["booking_id"], t["label"]) for t in demo_db.query("SELECT * FROM tickets")] == [
        (2, "A001")]  # key 1 refused the late lawyer a number; the new booking has one
    assert request_row(demo_db)["deadline"] == "2026-11-26T09:00:00+08:00"


async def test_b10_a_lawyer_never_checked_in_and_late_cannot_start(
        app, demo_db, clock, monkeypatch):
    """Key 2 on a booking whose lawyer never arrived and is past the limit: refused (B10),
    the release dialog opens as for key 1; nothing is started."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        screen = app.screen
        clock.set(at(2026, 11, 24, 9, 46))
        await record(pilot, "2")
        assert isinstance(app.screen, RecordDialog)  # release and re-book, or cancel
        await press(pilot, "escape")
        assert app.screen is screen
        assert ("律师迟到超过15分钟，原预约已失效，请释放后重新预约（48小时期限不变）"
                in screen.notice.text)
        assert "release it and book again (same deadline)" in screen.notice.text
        assert "律师迟到已超过15分钟" in text(app, "#meeting-times")
    [booking] = bookings(demo_db)
    assert (booking["state"], booking["started_at"]) == ("booked", None)
    assert request_row(demo_db)["state"] == "booked"


async def test_b10_a_lawyer_checked_in_on_time_starts_after_the_limit(
        app, demo_db, clock, monkeypatch):
    """The centre made the lawyer wait: that is not lateness (B10)."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        clock.set(at(2026, 11, 24, 9, 30))
        await record(pilot, "1")
        clock.set(at(2026, 11, 24, 10, 10))  # the room was not ready for 40 minutes
        app.screen.reload()
        await settle(pilot)
        await record(pilot, "2")
        assert "会见开始已记录" in app.screen.notice.text
    [booking] = bookings(demo_db)
    assert booking["state"] == "in_progress"


async def test_c4_no_show_offered_once_the_lawyer_is_late(app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        screen = app.screen
        assert not screen.query_one("#no_show").display
        clock.set(at(2026, 11, 24, 9, 46))
        screen.reload()
        await settle(pilot)
        assert screen.query_one("#no_show").display and screen.query_one("#release").display
        await record(pilot, "4")
    assert request_row(demo_db)["state"] == "no_show"


async def test_c4_lawyer_asks_for_a_later_time_recorded_as_deferred(app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await type_into(pilot, "#later-date", "2026-11-27")
        await pilot.press("enter")
        await press(pilot, *"14:00", "enter")
        reasons = app.screen.query_one("#reasons", OptionList)  # C4: the reason is picked
        assert reasons.highlighted_option.id == "lawyer_choice"
        await press(pilot, "enter")
        assert "律师选择较晚时间，最早可约 2026-11-24 周二 09:00" in text(
            app, "#offers-booked-text")
    [booking] = bookings(demo_db)
    assert (booking["starts_at"], booking["deferred_by_lawyer"], booking["delay_reason"],
            booking["earliest_offer_at"]) == ("2026-11-27T14:00:00+08:00", 1, "lawyer_choice",
                                              "2026-11-24T09:00:00+08:00")


async def test_e1_later_time_badly_typed_says_what_to_write(app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await type_into(pilot, "#later-date", "2026-11-27")
        await type_into(pilot, "#later-time", "25:00")
        await press(pilot, "enter")
        assert "HH:MM" in app.screen.query_one(Notice).text
        await type_into(pilot, "#later-date", "2026-11")
        await press(pilot, "enter")
    assert bookings(demo_db) == []


async def test_b2_no_opening_before_the_deadline_then_a_duty_session(
        app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    clock.set(at(2026, 9, 30, 16, 45))  # the eve of National Day
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        assert app.screen.query_one("#offers-no-opening").display
        assert "48小时期限前没有会见开放时间" in text(app, "#offers-no-opening")
        assert offer_rows(app)[0][4] == "✘ 超过期限"
        await press(pilot, "enter")  # never past the deadline silently: a reason first
        assert isinstance(app.screen, DelayReasonDialog)
        assert "晚于48小时期限" in str(app.screen.query_one("#dialog-details").render())
        await press(pilot, "escape")
        assert isinstance(app.screen, OffersScreen) and bookings(demo_db) == []
        await press(pilot, "ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, DutySessionDialog)
        # the closed day being handled, with its weekday's regular hours (a Thursday)
        assert dialog.query_one("#duty-day").value == "2026-10-01"
        assert dialog.query_one("#duty-sessions").value == "08:30-11:30 13:00-17:00"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, OffersScreen)
        assert app.screen.query_one("#offers-table").has_focus  # the offers, read again
        assert not app.screen.query_one("#offers-no-opening").display
        assert offer_rows(app)[0][2:] == ["2026-10-01 周四 08:30–09:30", "预约", "✔ 期限内"]
    assert demo_db.execute("SELECT day, kind, sessions FROM calendar_days"
                           " WHERE source = 'officer'").fetchall() == [
        ("2026-10-01", "duty", '["08:30-11:30", "13:00-17:00"]')]


async def test_b2_a_bad_duty_session_is_refused_in_the_dialog(app, demo_db, monkeypatch):
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "ctrl+d")
        await type_into(pilot, "#duty-sessions", "-9")
        await press(pilot, "enter")
        assert isinstance(app.screen, DutySessionDialog)
        assert "HH:MM-HH:MM" in app.screen.notice.text
    assert demo_db.execute("SELECT count(*) FROM calendar_days").fetchone()[0] == 0


async def test_b2_warning_when_the_official_calendar_is_not_loaded(
        app, demo_db, clock, monkeypatch):
    clock.set(at(2027, 1, 8, 18, 0))
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        warning = app.screen.query_one("#offers-warnings", Static)
        assert warning.display and "2027" in str(warning.render())


async def test_c5_watch_list_counts_down_and_marks_the_request_at_risk(
        app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot)
        await press(pilot, "f4")
        assert isinstance(app.screen, WatchScreen)
        table = app.screen.query_one(DataTable)
        assert rows(table) == [["#1", "王建国", "2026-11-26 周四 09:00", "48:00", "",
                                "李四 2026001", "未预约"]]
        clock.advance(timedelta(hours=37))
        for _ in range(30):  # the countdown ticks every second from the app's clock
            await pilot.pause(0.1)
            if rows(table)[0][3] != "48:00":
                break
        [row] = rows(table)
        assert row[3:5] == ["11:00", "⚠ 有风险"]
        assert table.get_row_at(0)[0].style == "bold red"
        assert "有风险 1" in text(app, "#watch-summary")
        await pilot.press("enter")  # unbooked: on to the offers
        await settle(pilot)
        assert isinstance(app.screen, OffersScreen)
        await pilot.press("enter")  # Thursday 08:30: not now, so a reason
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "escape")  # home in one press; F4 shows the list again
        assert isinstance(app.screen, VerifyScreen)
        await press(pilot, "f4")
        assert rows(app.screen.query_one(DataTable))[0][2:] == [
            "2026-11-26 周四 09:00", "11:00", "已预约", "李四 2026001", "M1 2026-11-26 周四 08:30"]


async def test_c5_watch_list_opens_the_meeting_desk_of_a_booked_request(
        app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await press(pilot, "f4")
        await press(pilot, "enter")
        assert isinstance(app.screen, MeetingScreen) and app.screen.booking_id == 1


async def test_p2_national_security_case_waits_for_permission_then_the_clock_starts(
        app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot, NATIONAL_SECURITY_POA)
        assert request_row(demo_db)["state"] == "awaiting_permission"
        await press(pilot, "f4")
        assert rows(app.screen.query_one(DataTable)) == [
            ["#1", "王建国", "2026-11-27 周五 09:00", "72:00", "待侦查机关许可",
             "郑毅 2026030", "—"]]
        await press(pilot, "escape")
        clock.advance(timedelta(hours=5))
        await press(pilot, "f3")
        dialog = app.screen
        assert isinstance(dialog, PermissionDialog)
        assert "侦查机关应于此前决定 2026-11-27 周五 09:00" in text(app, "#permission-details")
        await pilot.press("enter")  # no reference number: refused in the dialog
        await settle(pilot)
        assert app.screen is dialog and "文号" in dialog.notice.text
        await type_into(pilot, "#reference", "沪国安许字2026-7号")
        await press(pilot, "enter")  # P2: how is the lawyer told? the officer must say
        assert app.screen is dialog and "律师是否在窗口" in dialog.notice.text
        app.screen.query_one("#lawyer-here").value = True  # the notice is printed
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, OffersScreen)
        assert text(app, "#offers-deadline") == "48小时期限 2026-11-26 周四 14:00 · 剩余 48:00"
        await pilot.press("enter")  # now: permission is recorded when it comes, lawyer or not
        await settle(pilot)
        assert isinstance(app.screen, LawyerPresentDialog)
        await press(pilot, "escape")
        assert "未预约" in app.screen.notice.text
    assert bookings(demo_db) == []
    request = request_row(demo_db)
    assert (request["state"], request["permission_ref"], request["clock_start"]) == (
        "open", "沪国安许字2026-7号", "2026-11-24T14:00:00+08:00")
    assert request["lawyer_told_how"] == "printed"


async def test_p2_permission_refused_closes_the_request(app, demo_db, monkeypatch):
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot, NATIONAL_SECURITY_POA)
        await press(pilot, "f3")
        app.screen.query_one("#refused").value = True
        app.screen.query_one("#lawyer-away").value = True
        await type_into(pilot, "#reference", "沪国安不许字2026-1号")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, VerifyScreen)
    request = request_row(demo_db)
    assert request["state"] == "permission_denied"
    assert request["lawyer_told_at"] is None  # P2: to notify on the watch list


async def test_day_view_shows_the_booking_in_its_room_and_moves_by_day(
        app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await press(pilot, "f5")
        assert isinstance(app.screen, DayViewScreen)
        assert text(app, "#day-summary") == (
            "2026-11-24 周二 · 开放时段 08:30–11:30 13:00–17:00")
        grid = rows(app.screen.query_one(DataTable))
        assert [row[0] for row in grid][:3] == ["08:30", "09:00", "09:30"]
        assert grid[1][1] == grid[2][1] == "王建国 已到达"  # C2: queued when booked now
        assert grid[3][1] == "" and grid[6][1] == "·"  # 10:00 free; 11:30 closed
        app.screen.query_one(DataTable).move_cursor(row=1, column=1)
        await press(pilot, "enter")
        assert isinstance(app.screen, MeetingScreen)
        await press(pilot, "f5")  # Esc goes home (issue 12); F5 switches back to the day view
        await press(pilot, "pagedown")
        assert text(app, "#day-summary").startswith("2026-11-25 周三")
        assert all(cell in ("", "·") for row in rows(app.screen.query_one(DataTable))
                   for cell in row[1:])
        await press(pilot, "pageup", "pageup", "pageup")
        assert text(app, "#day-summary") == "2026-11-22 周日 · 周日不开放"


async def test_a1_a3_assistant_added_then_confirmed_by_the_case_unit(
        app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await press(pilot, "ctrl+o")
        await press(pilot, "7")
        assert isinstance(app.screen, AssistantDialog)
        await type_into(pilot, "#assistant-name", "张小明")
        await type_into(pilot, "#assistant-firm", "3131010142QXJNP17A")
        await type_into(pilot, "#assistant-cert", "31010806110001")
        await press(pilot, "enter")
        assert isinstance(app.screen, MeetingScreen)
        assert "待办案单位核实，暂不能进入" in text(app, "#meeting-assistant")
        await press(pilot, "7")
        assert isinstance(app.screen, AssistantConfirmationDialog)
        await type_into(pilot, "#assistant-ref", "黄公核2026-12号")
        await press(pilot, "enter")
        assert "已核实，可以进入 黄公核2026-12号" in text(app, "#meeting-assistant")
        assert not app.screen.query_one("#assistant").display
    assert demo_db.execute("SELECT name, cert_kind, confirmation_ref FROM assistants").fetchall() \
        == [("张小明", "trainee", "黄公核2026-12号")]


async def test_a2_assistant_from_another_firm_is_refused_in_the_dialog(
        app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await press(pilot, "ctrl+o", "7")
        await type_into(pilot, "#assistant-name", "张小明")
        await type_into(pilot, "#assistant-firm", "31310104AD8CGTM4JQ")
        await type_into(pilot, "#assistant-cert", "31010806110001")
        await press(pilot, "enter")
        assert isinstance(app.screen, AssistantDialog)
        assert "另一" in app.screen.notice.text or "其他" in app.screen.notice.text \
            or "不同" in app.screen.notice.text
    assert demo_db.execute("SELECT count(*) FROM assistants").fetchone()[0] == 0


async def test_offers_and_dialogs_follow_the_language_switch(app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    clock.set(at(2026, 11, 27, 20, 0))
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "f2")
        assert text(app, "#offers-deadline") == (
            "48-hour deadline 2026-11-29 Sun 20:00 · left 48:00")
        assert offer_rows(app)[0] == ["Meeting room", "Meeting room 1 (M1)",
                                      "2026-11-28 Sat 08:30–09:30", "later", "✔ in time"]
        await press(pilot, "enter")
        assert "Not now" in str(app.screen.query_one(".dialog-title", Static).render())


async def test_printer_fault_never_loses_the_booking(app, demo_db, monkeypatch):
    def broken(booking_id):
        raise OSError("paper out")

    monkeypatch.setattr(app, "print_booking", broken)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        assert "预约已保存，但打印失败" in app.screen.query_one(Notice).text
        assert app.screen.query_one("#offers-booked").display
    assert len(bookings(demo_db)) == 1


async def test_c2_now_offer_booked_a_little_later_is_still_immediate(
        app, demo_db, clock, monkeypatch):
    record_prints(app, monkeypatch)
    clock.set(at(2026, 11, 24, 9, 3, 27))
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        assert offer_rows(app)[0][2:4] == ["2026-11-24 周二 09:03–10:03", "当即会见"]
        clock.advance(timedelta(seconds=95))  # the officer reads the offer out, then books
        await press(pilot, "enter")
        assert isinstance(app.screen, OffersScreen) and app.screen.booking is not None
    [booking] = bookings(demo_db)
    assert booking["immediate"] == 1 and booking["delay_reason"] is None
    assert booking["starts_at"] == "2026-11-24T09:05:00+08:00"


async def watch_to_now_offer(pilot) -> None:
    """Verified at 09:00, then (the lawyer gone, say) F4 and Enter: the offers, "now" first;
    Enter on it."""
    await verified(pilot)
    await press(pilot, "f4")
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, OffersScreen)
    assert offer_rows(pilot.app)[0][3] == "当即会见"
    await press(pilot, "enter")


async def test_c2_now_from_the_watch_list_asks_and_an_absent_lawyer_is_only_booked(
        app, demo_db, clock, monkeypatch):
    """Not from the verify screen: "now" asks whether the lawyer is at the desk. Not here: the
    room is held now, with no arrival and no queue number; key 1 on the lawyer's coming
    checks in and queues as a scan would."""
    printed = record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await watch_to_now_offer(pilot)
        dialog = app.screen
        assert isinstance(dialog, LawyerPresentDialog)
        shown = screen_text(app)
        assert "当即会见 — 律师是否在窗口？" in shown
        assert "律师在窗口  The lawyer is at the desk" in shown
        assert "律师不在窗口  The lawyer is not here" in shown
        await pilot.press("ctrl+s")  # neither chosen: the dialog asks
        await settle(pilot)
        assert app.screen is dialog and "请选择律师是否在窗口" in dialog.notice.text
        await pilot.press("down", "enter", "ctrl+s")  # not here
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OffersScreen)
        assert "未登记到达、未取号" in screen.notice.text
        booked = text(app, "#offers-booked-text")
        assert "09:00–10:00 · 已预约" in booked and "排队号" not in booked
        assert "当即会见（律师不在窗口）：会见室已保留" in booked
        assert "迟到超过15分钟则失效" in booked
        [booking] = bookings(demo_db)
        assert (booking["immediate"], booking["state"], booking["arrived_at"],
                booking["delay_reason"]) == (1, "booked", None, None)
        assert demo_db.table("tickets").count == 0
        assert printed == [("booking", 1)]  # the slip with its QR, kept for the lawyer

        clock.set(at(2026, 11, 24, 9, 10))  # the lawyer comes back, without the slip
        await press(pilot, "ctrl+o")
        await record(pilot, "1")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "排队号A001" in app.screen.notice.text
        assert "排队号 A001 · ✔ 排队单已打印" in text(app, "#meeting-booking")
    [booking] = bookings(demo_db)
    assert (booking["state"], booking["arrived_at"]) == ("arrived", "2026-11-24T09:10:00+08:00")
    assert [t["label"] for t in demo_db.query("SELECT label FROM tickets")] == ["A001"]


async def test_c2_now_from_the_watch_list_with_the_lawyer_present_queues_at_once(
        app, demo_db, monkeypatch):
    printed = record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await watch_to_now_offer(pilot)
        assert isinstance(app.screen, LawyerPresentDialog)
        await pilot.press("enter", "ctrl+s")  # at the desk
        await settle(pilot)
        booked = text(app, "#offers-booked-text")
        assert "排队号 A001" in booked and "当即会见：律师已登记到达并取号" in booked
    [booking] = bookings(demo_db)
    assert (booking["immediate"], booking["state"]) == (1, "arrived")
    assert printed == [("booking", 1)]


async def test_c2_now_question_cancelled_books_nothing(app, demo_db, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await watch_to_now_offer(pilot)
        await press(pilot, "escape")
        assert isinstance(app.screen, OffersScreen)
        assert "未预约：请重新选择" in app.screen.notice.text
    assert bookings(demo_db) == [] and request_row(demo_db)["state"] == "open"


async def test_b10_release_by_key_6_then_now_asks_for_the_lawyer(
        app, demo_db, clock, monkeypatch):
    """Key 6 releases a slot whose lawyer may be anywhere; 1 or 2 (the lawyer at the desk,
    late) books now without asking (test_b10_late_lawyer_loses_the_slot...)."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await book_later_today(pilot)
        clock.set(at(2026, 11, 24, 9, 50))
        app.screen.reload()
        await settle(pilot)
        await record(pilot, "6")
        assert isinstance(app.screen, OffersScreen)
        await press(pilot, "enter")
        assert isinstance(app.screen, LawyerPresentDialog)


async def test_c3_c4_later_time_because_the_detainee_is_in_court_is_not_deferred(
        app, demo_db, monkeypatch):
    """Reproduction 1 on the offers screen: a later time (after the deadline) booked
    because the detainee is in court keeps that reason and is not "deferred by lawyer"."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await type_into(pilot, "#later-date", "2026-11-27")
        await pilot.press("enter")
        await press(pilot, *"09:00", "enter")
        dialog = app.screen
        assert isinstance(dialog, DelayReasonDialog)
        assert "晚于48小时期限" in str(dialog.query_one("#dialog-details").render())
        reasons = dialog.query_one("#reasons", OptionList)
        reasons.highlighted = [reasons.get_option_at_index(i).id
                               for i in range(reasons.option_count)].index("in_court")
        await press(pilot, "enter")
        assert "在押人员出庭" in text(app, "#offers-booked-text")
    [booking] = bookings(demo_db)
    assert (booking["starts_at"], booking["delay_reason"], booking["deferred_by_lawyer"]) == (
        "2026-11-27T09:00:00+08:00", "in_court", 0)


async def test_b11_key_2_on_a_booking_for_another_day_is_refused_on_screen(
        app, demo_db, monkeypatch):
    """Reproduction 6: on Tuesday, 2 on a booking for Thursday says why and records nothing."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await type_into(pilot, "#later-date", "2026-11-26")
        await pilot.press("enter")
        await press(pilot, *"08:30", "enter")
        await press(pilot, "enter")  # the lawyer's own choice
        await press(pilot, "ctrl+o")
        await press(pilot, "2")
        assert isinstance(app.screen, MeetingScreen)
        notice = app.screen.query_one(Notice).text
        assert "2026-11-26" in notice and "只能在当天开始" in notice
    [booking] = bookings(demo_db)
    assert (booking["state"], booking["started_at"]) == ("booked", None)
