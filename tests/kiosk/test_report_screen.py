"""R1-R3 on the warden's screen: a warden signs in to the report, sees the figures, opens a
breach's history and exports the report; a snapshot at 120x40 with a fixed clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from booking_steps import fill_meeting_rooms, rows
from fake_printer import COVER_OPEN, network_printer
from kiosk_steps import GOOD_AID, GOOD_POA, SIZE, SUSPENDED_POA, screen_text, sign_in, steady_cursor
from textual.widgets import DataTable, Digits, Input, TabbedContent

from booking.clock import SHANGHAI
from booking.meetings import book, check_in, end_meeting, release_late, start_meeting
from booking.models import Presentation
from booking.permission import record_permission
from booking.report import FIGURES
from booking.verification import verify_documents
from kiosk.app import KioskApp
from kiosk.components.notice import Notice
from kiosk.screens.breach_history import BreachHistory
from kiosk.screens.report import ReportScreen, checks
from kiosk.screens.verify import VerifyScreen

WARDEN, WARDEN_PIN = "9001", "135790"
OFFICER = "1001"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def presented(fields: dict[str, str], basis: str = "power_of_attorney") -> Presentation:
    """The kiosk_steps form values as a Presentation."""
    values = dict(cert_no=fields["cert-no"], letter_firm_code=fields["firm-code"],
                  letter_lawyer_name=fields["letter-lawyer"],
                  letter_detainee_name=fields["letter-detainee"], roster_no=fields["roster-no"],
                  basis=basis)
    if basis == "aid_letter":
        values["aid_letter_no"] = fields["aid-letter-no"]
    else:
        values.update(poa_signed_by=fields["poa-signed-by"], poa_relation="self")
    return Presentation(**values)


@pytest.fixture
def week(demo_db, clock, settings):
    """Fri 2026-11-20 to Mon 11-23 on the demo data; the report is read on Tue 11-24 09:00.
    One meeting at once (met), one refusal (V4), one request whose lawyer came too late on
    Saturday, booked again for Monday (the detainee in court) and never started (breached,
    with its bookings in the history), one
    request still inside its 48 hours (open)."""
    db = demo_db
    clock.set(at(2026, 11, 20, 9, 0))
    met = verify_documents(db, clock, OFFICER, presented(GOOD_POA)).request
    booking = book(db, clock, settings, OFFICER, met.id, "M1", clock.now())
    check_in(db, clock, settings, OFFICER, booking.id)
    start_meeting(db, clock, settings, OFFICER, booking.id)
    clock.set(at(2026, 11, 20, 9, 50))
    end_meeting(db, clock, OFFICER, booking.id)
    assert not verify_documents(db, clock, OFFICER, presented(SUSPENDED_POA)).passed
    late = verify_documents(db, clock, OFFICER, presented(GOOD_AID, "aid_letter")).request
    saturday = book(db, clock, settings, OFFICER, late.id, "M2", at(2026, 11, 21, 9, 0),
                    delay_reason="in_court")
    clock.set(at(2026, 11, 21, 9, 30))
    release_late(db, clock, settings, OFFICER, saturday.id)
    # C3/C4: booked again after the deadline because the detainee is in court, never started
    book(db, clock, settings, OFFICER, late.id, "M2", at(2026, 11, 23, 10, 0),
         delay_reason="in_court")
    clock.set(at(2026, 11, 23, 10, 0))
    open_one = GOOD_POA | {"cert-no": "13101201210456781", "letter-lawyer": "刘洋",
                           "roster-no": "2026005", "letter-detainee": "杨帆",
                           "poa-signed-by": "杨帆"}
    verify_documents(db, clock, OFFICER, presented(open_one))
    clock.set(at(2026, 11, 24, 9, 0))
    return db, late.id


@pytest.fixture
def report_app(week, clock, settings):
    return KioskApp(settings, week[0], clock)


SMALL = (100, 30)  # the smallest screen the report must stay readable on


@pytest.fixture
def permission_week(week, clock, settings):
    """The week, then on Tue 11-24: two national-security cases (P1), 郑毅's granted after
    6 hours and booked for Wed 10:00 in M1 but never started, the other still undecided on
    Fri 11-27 12:00 (75 h: over the authority's 72); a V8 refusal beside the V4 one; and
    Monday's open request met at 13:00 in interrogation room I1, every meeting room being
    taken (B5: consent and devices off confirmed)."""
    db, _ = week
    db.table("detainees").insert(dict(
        roster_no="2026031", name="冯军", id_no="310104197602134061",
        case_no="沪国安立字〔2026〕031号", charge_category="national_security",
        stage="investigation", case_unit="上海市国家安全局", status="in_custody"))
    clock.set(at(2026, 11, 24, 9, 5))
    zheng = GOOD_POA | {"roster-no": "2026030", "letter-detainee": "郑毅",
                        "poa-signed-by": "郑毅"}
    granted = verify_documents(db, clock, OFFICER, presented(zheng)).request
    feng = GOOD_POA | {"cert-no": "13101201210456781", "letter-lawyer": "刘洋",
                       "roster-no": "2026031", "letter-detainee": "冯军", "poa-signed-by": "冯军"}
    assert verify_documents(db, clock, OFFICER, presented(feng)).request.state == \
        "awaiting_permission"
    assert not verify_documents(db, clock, OFFICER,
                                presented(GOOD_POA | {"roster-no": "2026099"})).passed  # V8
    fill_meeting_rooms(db, at(2026, 11, 24, 13, 0), hours=2)
    [(monday,)] = db.execute("SELECT id FROM meeting_requests WHERE roster_no = '2026005'")
    interrogation = book(db, clock, settings, OFFICER, monday, "I1", at(2026, 11, 24, 13, 0),
                         delay_reason="rooms_busy", consent_signed=True)
    clock.set(at(2026, 11, 24, 13, 0))
    check_in(db, clock, settings, OFFICER, interrogation.id)
    start_meeting(db, clock, settings, OFFICER, interrogation.id, devices_off_confirmed=True)
    clock.set(at(2026, 11, 24, 15, 5))
    record_permission(db, clock, OFFICER, granted.id, True, "沪国安许〔2026〕7号")
    book(db, clock, settings, OFFICER, granted.id, "M1", at(2026, 11, 25, 10, 0),
         delay_reason="rooms_busy")
    clock.set(at(2026, 11, 27, 12, 0))
    return db


@pytest.fixture
def permission_app(permission_week, clock, settings):
    return KioskApp(settings, permission_week, clock)


def figure(screen, key: str) -> str:
    table = screen.query_one("#report-figures", DataTable)
    return str(table.get_cell(key, "value"))


async def test_r3_warden_lands_on_the_report_with_its_figures(report_app, week):
    async with report_app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        screen = pilot.app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.query_one("#report-from", Input).value == "2026-11-18"
        assert screen.query_one("#report-to", Input).value == "2026-11-24"
        assert (figure(screen, "presented"), figure(screen, "refused"),
                figure(screen, "verified")) == ("4", "1", "3")
        assert (figure(screen, "met"), figure(screen, "breached"), figure(screen, "open")) \
            == ("1 (50.0%)", "1", "1")
        assert figure(screen, "compliance_rate") == "50.0%"
        assert screen.query_one("#report-breaches", DataTable).row_count == 1
        # issue 12: the header names a warden as warden, an officer as officer
        assert "所领导 9001" in screen_text(pilot.app) and "当班民警" not in screen_text(pilot.app)


async def test_r1_enter_on_a_breach_shows_its_history(report_app, week):
    _, late_id = week
    async with report_app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        pilot.app.screen.query_one("#report-breaches", DataTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        history = pilot.app.screen
        assert isinstance(history, BreachHistory) and history.request_id == late_id
        actions = [entry.action for entry in history.entries]
        assert actions == ["open_request", "book", "release_late", "book"]
        subjects = {entry.subject for entry in history.entries}
        assert f"request:{late_id}" in subjects and any(s.startswith("booking:")
                                                        for s in subjects)
        assert history.query_one("#history-entries", DataTable).row_count == 4
        # R1/C4: booked again after a late lawyer's release; never "not booked"
        assert (history.breach.happened, history.breach.reason) == ("booked_not_started",
                                                                    "in_court")
        assert str(history.query_one("#history-happened").render()) == (
            "预约 11-23 10:00 会见室2，会见未开始 / booked for 11-23 10:00 in room M2, meeting not"
            " started；未能当即会见 not at once: 在押人员出庭 / the detainee is in court")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReportScreen)


async def test_r3_export_csv_and_html_write_files_in_a_worker(report_app, week, tmp_path):
    async with report_app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.click("#report-csv")
        await pilot.click("#report-html")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        folder = tmp_path / "reports"  # beside the test's database file
        csv_file = folder / "compliance-2026-11-18_2026-11-24.csv"
        html_file = folder / "compliance-2026-11-18_2026-11-24.html"
        assert csv_file.is_file() and html_file.is_file()
        text = csv_file.read_text(encoding="utf-8-sig")
        assert "figure,value" in text and "breached,1," in text
        assert "<svg" in html_file.read_text(encoding="utf-8")
        assert "exported" in pilot.app.screen.query_one(Notice).text


async def test_r3_print_summary_goes_to_the_file_printer(report_app, week, settings):
    async with report_app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.click("#report-print")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        printed = sorted(p.suffix for p in settings.printer.folder.glob("*report*"))
        assert printed == [".bin", ".png"]


async def test_t4_a_summary_that_does_not_print_says_why_and_what_to_do(week, clock, settings,
                                                                       fake_printer):
    fake_printer.offline = COVER_OPEN
    app = KioskApp(network_printer(settings, fake_printer.port), week[0], clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.click("#report-print")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen.query_one(Notice).text == (
            "摘要未打印。打印机盖未关好：请合上打印机盖，然后重新打印\n"
            "Summary not printed. Printer cover open: close the cover, then print again")


async def test_r1_period_presets_and_bad_dates(report_app, week):
    async with report_app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        screen = pilot.app.screen
        await pilot.click("#report-30")
        assert screen.query_one("#report-from", Input).value == "2026-10-26"
        await pilot.click("#report-month")
        assert screen.query_one("#report-from", Input).value == "2026-11-01"
        assert screen.report.period_from == "2026-11-01"
        screen.query_one("#report-from", Input).value = "2026-11-30"
        await pilot.click("#report-show")
        assert "before the start date" in screen.query_one(Notice).text
        assert screen.report.period_from == "2026-11-01"  # the last good report stays
        screen.query_one("#report-from", Input).value = "2026-11"
        screen.query_one("#report-from", Input).focus()
        await pilot.press("enter")  # Enter in a date shows the report, as the button does
        assert "YYYY-MM-DD" in screen.query_one(Notice).text


async def test_officer_keeps_the_verify_screen_and_opens_the_report_with_f8(report_app):
    async with report_app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")  # not signed in: nothing opens
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ReportScreen)
        await sign_in(pilot)
        assert isinstance(pilot.app.screen, VerifyScreen)
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReportScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, VerifyScreen)


def test_snapshot_report(snap_compare, report_app):
    async def warden(pilot):
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        steady_cursor(pilot)

    assert snap_compare(report_app, terminal_size=SIZE, run_before=warden)


def test_snapshot_report_history_in_english(snap_compare, report_app):
    async def history(pilot):
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        pilot.app.screen.query_one("#report-breaches", DataTable).focus()
        await pilot.press("f2", "enter")
        await pilot.pause()
        steady_cursor(pilot)

    assert snap_compare(report_app, terminal_size=SIZE, run_before=history)


async def test_r1_p2_b5_one_screen_of_100x30_has_the_checks_breaches_refusals_and_decisions(
        permission_app):
    """R1-R3 on the smallest screen: every figure without scrolling; the interrogation-room
    proof (B5) and the authority's decision times (P2) as two checked lines; breaches with
    what happened, refusals by rule (V9) and the permission cases as tabs."""
    async with permission_app.run_test(size=SMALL) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        screen = pilot.app.screen
        await pilot.click("#report-month")
        await pilot.pause()
        figures = screen.query_one("#report-figures", DataTable)
        # every figure but the rate in the table, unscrolled; the rate in its big box
        assert figures.row_count == len(FIGURES) - 1 and figures.max_scroll_y == 0
        assert [str(key.value) for key in figures.rows] == [
            key for key in FIGURES if key != "compliance_rate"]
        assert str(screen.query_one("#report-rate", Digits).value).strip() != ""
        assert figures.region.bottom <= SMALL[1] - 1  # above the footer
        assert checks(screen.report, "zh").plain == (
            "✔ 讯问室会见 1 次：书面同意 1/1，设备关闭 1/1\n"
            "✔ 视频会见 0 次：不录音不监听已确认 0/0\n"
            "✘ 侦查机关许可 2 件（72小时内决定）：已决定 1，最长 6.0 小时，超时 0；待决定 1，已超时 1")
        shown = screen_text(pilot.app)
        assert "✔ 讯问室会见 1 次：书面同意 1/1，设备关闭 1/1" in shown
        lists = screen.query_one("#report-lists", TabbedContent)
        assert [str(lists.get_tab(tab).label) for tab in
                ("report-tab-breaches", "report-tab-refusals", "report-tab-permission")] == [
            "超过48小时 2", "材料未通过 2", "侦查机关许可 2"]
        # C4: a booked request that never started says so (the deadline column gives way)
        assert rows(screen.query_one("#report-breaches", DataTable)) == [
            ["#2", "122.2", "[在押人员出庭] 预约 11-23 10:00 会见室2，会见未开始"],
            ["#4", "20.9", "[会见室已满] 预约 11-25 10:00 会见室1，会见未开始"]]
        assert rows(screen.query_one("#report-refusals", DataTable))[:3] == [
            ["V4", "律师名册（停止执业、吊销或未登记）", "1"], ["V8", "在押人员不在本所", "1"],
            ["", "合计", "2"]]
        by_reason = {row[1]: row[2] for row in rows(screen.query_one("#report-refusals",
                                                                    DataTable))[3:]}
        assert (by_reason["在押人员出庭"], by_reason["会见室已满"], by_reason["未预约"]) == \
            ("1", "1", "0")
        assert rows(screen.query_one("#report-permission", DataTable)) == [
            ["#4", "11-24 09:05", "6.0", "许可"], ["#5", "11-24 09:05", "74.9…", "待决定"]]
        await pilot.press("f2")
        await pilot.pause()
        assert [str(lists.get_tab(tab).label) for tab in
                ("report-tab-breaches", "report-tab-refusals", "report-tab-permission")] == [
            "Breaches 2", "Refusals 2", "Permission 2"]
        assert rows(screen.query_one("#report-breaches", DataTable))[1] == [
            "#4", "20.9", "[all rooms are busy] booked for 11-25 10:00 in room M1, meeting not"
            " started"]
        assert rows(screen.query_one("#report-permission", DataTable))[1][3] == "awaiting"


def test_b5_the_check_fails_when_a_confirmation_is_missing(permission_week, clock):
    """B5: one interrogation-room meeting without its devices-off confirmation is a cross."""
    from booking.report import compliance_report

    report = compliance_report(permission_week, clock, at(2026, 11, 1).date(),
                               at(2026, 11, 27).date())
    missing = report.model_copy(update={"devices_off_confirmed": 0})
    assert checks(missing, "en").plain.splitlines()[0] == \
        "✘ Interrogation room 1: consent 1/1, devices off 0/1"
    none = report.model_copy(update={"permission_cases": []})
    assert checks(none, "en").plain.splitlines()[2] == "✔ Permission (P2): none"


def test_b9_the_check_fails_when_a_video_meeting_was_not_confirmed_unmonitored(
        permission_week, clock):
    """B9: a video meeting without the unmonitored confirmation is a cross."""
    from booking.report import compliance_report

    report = compliance_report(permission_week, clock, at(2026, 11, 1).date(),
                               at(2026, 11, 27).date())
    missing = report.model_copy(update={"video_meetings": 2, "video_unmonitored_confirmed": 1})
    assert checks(missing, "en").plain.splitlines()[1] == \
        "✘ Video meetings 2: unmonitored confirmed 1/2"


def test_snapshot_report_at_100x30(snap_compare, permission_app):
    async def warden(pilot):
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.click("#report-month")
        await pilot.pause()
        steady_cursor(pilot)

    assert snap_compare(permission_app, terminal_size=SMALL, run_before=warden)


def test_snapshot_report_permission_tab_in_english_at_100x30(snap_compare, permission_app):
    async def permission(pilot):
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.click("#report-month")
        await pilot.press("f2")
        pilot.app.screen.query_one("#report-lists", TabbedContent).active = \
            "report-tab-permission"
        await pilot.pause()
        steady_cursor(pilot)

    assert snap_compare(permission_app, terminal_size=SMALL, run_before=permission)
