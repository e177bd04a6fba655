"""T2/T4 from the screens: the printer runs in a worker, the ticket's print state is kept, a
fault reaches the officer with the booking untouched, and F9 prints again once fixed. C2: a
walk-in booked for now gets the queue ticket at once."""

from __future__ import annotations

import pytest
import zxingcpp
from booking_steps import press, record, settle, to_offers
from fake_printer import PAPER_END, PAPER_NEAR_END, STATUS_OK, network_printer
from kiosk_steps import SIZE, sign_in
from PIL import Image
from scan_steps import LIU_YANG, at, booked, printout
from support import OFFICER, presentation
from textual.widgets._toast import Toast

from booking.meetings import get_booking
from booking.qr import check_in_by_code, code_for
from booking.queue import admit, get_ticket, ticket_of
from booking.verification import verify_documents
from kiosk.app import KioskApp
from kiosk.screens.meeting import MeetingScreen
from kiosk.screens.record_dialog import RecordDialog


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def printed(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def queued(demo_db, clock, settings):
    """王建国 for 李四, booked for now (09:00) and queued: ticket A001."""
    booking = booked(demo_db, clock, settings, clock.now())
    return booking, admit(demo_db, clock, settings, OFFICER, booking.id).ticket


async def test_t2_print_booking_writes_the_job_and_marks_the_ticket_printed(
        app, demo_db, clock, settings, queued):
    booking, ticket = queued
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.print_booking(booking.id)
        await printed(pilot)
        assert "已打印排队号A001" in messages(app)  # issue 12: the screen's language only
    files = sorted(settings.printer.folder.iterdir())
    assert [f.name for f in files] == ["20261124-090000-ticket.bin",
                                       "20261124-090000-ticket.png"]
    assert b"A001" in files[0].read_bytes()
    [qr] = zxingcpp.read_barcodes(Image.open(files[1]))  # the preview's QR checks in
    assert qr.text == code_for(settings, clock, booking)
    row = get_ticket(demo_db, clock, ticket.id)
    assert row.printed_at == clock.now() and row.print_error is None
    actions = [r["action"] for r in demo_db.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-1] == "ticket_printed"


async def test_b5_consent_form_prints_from_the_app(app, demo_db, clock, settings):
    request = verify_documents(demo_db, clock, OFFICER, presentation()).request
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.print_consent(request.id, "I1", at(2026, 11, 24, 10, 0))
        await printed(pilot)
        assert "已打印同意书" in messages(app)
    assert sorted(f.name for f in settings.printer.folder.iterdir()) == [
        "20261124-090000-consent.bin", "20261124-090000-consent.png"]


async def test_t4_printer_offline_fault_is_shown_booking_kept_f9_reprints_when_back(
        demo_db, clock, settings, queued, fake_printer):
    booking, ticket = queued
    fake_printer.switch_off()  # the printer is switched off: nothing listens there
    where = fake_printer.address
    app = KioskApp(network_printer(settings, fake_printer.port), demo_db, clock)
    before = demo_db.table("bookings").get(booking.id)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.print_booking(booking.id)
        await printed(pilot)
        [fault] = [m for m in messages(app) if "未打印" in m]
        zh, detail = fault.split("\n")  # E1: what is wrong, what to do, then the detail
        assert zh == (f"排队号A001未打印。打印机未连接（{where}）：请检查打印机电源和网线，"
                      "然后按F9重新打印。预约已保存，排队号不变。")
        assert detail.startswith("技术信息：") and "Connection refused" in detail
        assert not any("did not print" in m for m in messages(app))  # issue 12: one language
        await pilot.press("f2")  # the toast still shown follows the language
        await pilot.pause()
        [fault] = [m for m in messages(app) if "did not print" in m]
        en, detail = fault.split("\n")
        assert en == (f"Ticket A001 did not print. Printer not reachable ({where}): check its"
                      " power and network cable, then press F9 to reprint. The booking is kept,"
                      " so is the queue number.")
        assert detail.startswith("Detail: ") and "Connection refused" in detail
        assert not any("未打印" in m for m in messages(app))
        failed = get_ticket(demo_db, clock, ticket.id)
        assert failed.printed_at is None and where in failed.print_error
        assert "Errno" not in failed.print_error
        [audit] = demo_db.query("SELECT detail FROM audit_log"
                                " WHERE action = 'ticket_print_failed'")
        assert "Connection refused" in audit["detail"]  # the system's words, for the record
        assert demo_db.table("bookings").get(booking.id) == before  # T4: the booking stays
        assert failed.label == "A001"

        fake_printer.switch_on()  # switched on again
        await pilot.press("f9")  # from the verify screen: what failed last
        await printed(pilot)
        [job] = fake_printer.wait_for(1)
        assert b"A001" in job
        assert "Printed ticket A001" in messages(app)
        await pilot.press("f9")  # nothing left to reprint
        await pilot.pause()
        assert "Nothing to reprint" in messages(app)
    fixed = get_ticket(demo_db, clock, ticket.id)
    assert fixed.print_error is None and fixed.printed_at == clock.now()
    assert demo_db.table("bookings").get(booking.id) == before


async def test_t4_a_booking_slip_fault_names_the_slip_and_keeps_the_booking(
        demo_db, clock, settings, fake_printer):
    """The slip of a booking for later (no ticket yet): the same message, F9 prints it."""
    booking = booked(demo_db, clock, settings, at(2026, 11, 25, 9, 0))
    fake_printer.paper = PAPER_END
    app = KioskApp(network_printer(settings, fake_printer.port), demo_db, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot)
        app.print_booking(booking.id)
        await printed(pilot)
        [fault] = [n.message for n in app._notifications if n.severity == "error"]
        assert fault.split("\n") == [
            f"预约{booking.id}的预约单未打印。打印机缺纸：请装入新纸卷并合上打印机盖，"
            "然后按F9重新打印。预约已保存。",
            "技术信息：status offline-cause 0x12, paper-sensor 0x72"]
        app.notify("另一条提示", severity="warning", timeout=60)  # another toast, not the fault's
        await pilot.pause()
        fake_printer.paper = STATUS_OK  # a new roll
        await pilot.press("f9")
        await printed(pilot)
        assert f"已打印预约{booking.id}的预约单" in messages(app)
        # issue 12: the reprint worked, so the fault's toast is gone, and only it
        assert [n for n in app._notifications if n.severity == "error"] == []
        assert "另一条提示" in messages(app)
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert any("另一条提示" in shown for shown in toasts)
        assert not any("未打印" in shown for shown in toasts)
    assert demo_db.table("bookings").get(booking.id)["state"] == "booked"


async def test_t4_paper_nearly_out_is_shown_after_printing(demo_db, clock, settings, queued,
                                                          fake_printer):
    booking, ticket = queued
    fake_printer.paper = PAPER_NEAR_END
    app = KioskApp(network_printer(settings, fake_printer.port), demo_db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.print_booking(booking.id)
        await printed(pilot)
        [warning] = [n for n in app._notifications if n.severity == "warning"]
        assert warning.message == "已打印排队号A001\n打印纸即将用完，请准备换纸"
        assert warning.title == "打印纸"
    assert get_ticket(demo_db, clock, ticket.id).printed_at == clock.now()


async def test_t2_a_booking_for_later_prints_its_slip_and_no_ticket_state(
        app, demo_db, clock, settings):
    booking = booked(demo_db, clock, settings, at(2026, 11, 25, 9, 0))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.print_booking(booking.id)
        await printed(pilot)
        assert f"已打印预约{booking.id}的预约单" in messages(app)
    names = sorted(f.name for f in settings.printer.folder.iterdir())
    assert names == ["20261124-090000-ticket+explanation.bin",
                     "20261124-090000-ticket+explanation.png"]
    assert demo_db.table("tickets").count == 0


async def test_t4_a_booking_that_does_not_exist_is_named(app, demo_db):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert app.print_booking(999) is None
        await pilot.pause()
        assert any("无此预约999" in m for m in messages(app))


async def test_c2_t2_a_walk_in_booked_now_gets_the_queue_ticket_at_once(app, demo_db, clock,
                                                                        settings):
    """Enter on the "now" offer: the lawyer at the desk is checked in and queued, and the paper
    is the queue ticket (it carries the booking and its QR), not a slip to scan later."""
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await printed(pilot)
        assert "已打印排队号A001" in messages(app)
        booked_text = str(app.screen.query_one("#offers-booked-text").render())
        assert "排队号 A001 · ✔ 排队单已打印" in booked_text
    booking = get_booking(demo_db, clock, 1)
    assert booking.immediate and booking.state == "arrived"
    files = sorted(settings.printer.folder.iterdir())
    assert [f.name for f in files] == ["20261124-090000-ticket.bin",
                                       "20261124-090000-ticket.png"]  # no 情况说明: it is now
    paper = printout(files[0])
    assert paper.texts[1:4] == ["律师会见排队号", "Queue ticket", "-" * 48]
    assert "A001" in paper.texts and "取号时间：2026年11月24日 09:00" in paper.texts
    assert "预约时间：2026年11月24日 09:00-10:00" in paper.texts
    assert "请留意叫号屏幕 Please watch the screen" in paper.texts
    assert not any("扫码签到" in line for line in paper.texts)  # no "scan at the desk"
    assert paper.cuts == 1
    assert paper.qr_codes == [code_for(settings, clock, booking)]  # a rescan: same ticket (Q4)
    ticket = ticket_of(demo_db, clock, 1)
    assert ticket.printed_at == clock.now() and ticket.print_error is None


async def test_c2_t4_printer_offline_at_a_walk_in_ticket_kept_f9_prints_it(
        demo_db, clock, settings, fake_printer):
    fake_printer.switch_off()
    app = KioskApp(network_printer(settings, fake_printer.port), demo_db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        await printed(pilot)
        [fault] = [m for m in messages(app) if "未打印" in m]
        assert fault.startswith("排队号A001未打印。打印机未连接")
        assert "然后按F9重新打印。预约已保存，排队号不变。" in fault
        await pilot.pause()
        booked_text = str(app.screen.query_one("#offers-booked-text").render())
        assert "排队号 A001 · ✘ 排队单未打印：修好打印机后按F9重打" in booked_text
        ticket = ticket_of(demo_db, clock, 1)
        assert ticket.label == "A001" and ticket.printed_at is None and ticket.print_error
        assert get_booking(demo_db, clock, 1).state == "arrived"  # T4: booking and number kept

        fake_printer.switch_on()
        await pilot.press("f9")
        await printed(pilot)
        [job] = fake_printer.wait_for(1)
        paper = printout(job)
        assert "律师会见排队号" in paper.texts and "A001" in paper.texts
        assert "已打印排队号A001" in messages(app)
        await pilot.pause()
        assert "排队号 A001 · ✔ 排队单已打印" in str(
            app.screen.query_one("#offers-booked-text").render())
    assert demo_db.table("tickets").count == 1  # the reprint made no second number
    fixed = ticket_of(demo_db, clock, 1)
    assert fixed.printed_at == clock.now() and fixed.print_error is None


async def desk(pilot, booking_id: int) -> MeetingScreen:
    """Sign in and open the meeting desk of a booking (Ctrl+O after booking, Enter in F5/F4)."""
    await sign_in(pilot)
    pilot.app.push_screen(MeetingScreen(booking_id))
    await settle(pilot)
    return pilot.app.screen


def desk_text(screen: MeetingScreen) -> str:
    return str(screen.query_one("#meeting-booking").render())


async def test_q4_t2_key_1_admits_a_lawyer_without_the_slip_as_a_scan_does(
        app, demo_db, clock, settings):
    """A booking made earlier for 09:30; the lawyer comes at 09:25 without the slip or phone.
    Key 1 checks in and queues (the day's next number) and the queue ticket prints; the code
    scanned later finds the same ticket (Q4)."""
    booking = booked(demo_db, clock, settings, at(2026, 11, 24, 9, 30))
    walk_in = booked(demo_db, clock, settings, clock.now(), room="M2", **LIU_YANG)
    admit(demo_db, clock, settings, OFFICER, walk_in.id)  # A001 went to a walk-in at 09:00
    clock.set(at(2026, 11, 24, 9, 25))
    async with app.run_test(size=SIZE) as pilot:
        screen = await desk(pilot, booking.id)
        assert screen.query_one("#arrive").display
        await record(pilot, "1")
        await printed(pilot)
        assert screen.notice.text.startswith("已登记律师到达，排队号A002，排队单打印中")
        assert "已打印排队号A002" in messages(app)
        assert "排队号 A002 · ✔ 排队单已打印" in desk_text(screen)
        assert not screen.query_one("#arrive").display  # arrived and queued: 1 is done
        await pilot.press("f2")
        await pilot.pause()
        assert "Queue number A002 · ✔ ticket printed" in desk_text(screen)
    files = sorted(f.name for f in settings.printer.folder.iterdir())
    assert files == ["20261124-092500-ticket.bin", "20261124-092500-ticket.png"]  # no 情况说明
    paper = printout(settings.printer.folder / files[0])
    assert paper.texts[1:3] == ["律师会见排队号", "Queue ticket"]
    assert "A002" in paper.texts and "取号时间：2026年11月24日 09:25" in paper.texts
    assert "预约时间：2026年11月24日 09:30-10:30" in paper.texts
    assert paper.qr_codes == [code_for(settings, clock, booking)]
    after = get_booking(demo_db, clock, booking.id)
    assert (after.state, demo_db.table("bookings").get(booking.id)["arrived_at"]) == (
        "arrived", "2026-11-24T09:25:00+08:00")
    ticket = ticket_of(demo_db, clock, booking.id)
    assert ticket.label == "A002" and ticket.printed_at == clock.now()
    rescan = check_in_by_code(demo_db, clock, settings, OFFICER,
                              code_for(settings, clock, booking))
    assert rescan.repeat and rescan.ticket.label == "A002"  # Q4: no second number
    assert demo_db.table("tickets").count == 2


async def test_t4_key_1_printer_offline_keeps_the_number_f9_prints_it(
        demo_db, clock, settings, fake_printer):
    booking = booked(demo_db, clock, settings, at(2026, 11, 24, 9, 30))
    clock.set(at(2026, 11, 24, 9, 40))  # ten minutes late: within the limit (B10)
    fake_printer.switch_off()
    app = KioskApp(network_printer(settings, fake_printer.port), demo_db, clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await desk(pilot, booking.id)
        await record(pilot, "1")
        await printed(pilot)
        await pilot.pause()
        [fault] = [m for m in messages(app) if "未打印" in m]
        assert fault.startswith("排队号A001未打印。打印机未连接")
        assert "排队号 A001 · ✘ 排队单未打印：修好打印机后按F9重打" in desk_text(screen)
        assert get_booking(demo_db, clock, booking.id).state == "arrived"  # T4: kept

        fake_printer.switch_on()
        await pilot.press("f9")
        await printed(pilot)
        await pilot.pause()
        [job] = fake_printer.wait_for(1)
        assert "A001" in printout(job).texts
        assert "排队号 A001 · ✔ 排队单已打印" in desk_text(screen)
    assert demo_db.table("tickets").count == 1
    assert ticket_of(demo_db, clock, booking.id).print_error is None


async def test_b10_key_1_too_late_gives_no_number_and_offers_the_release(
        app, demo_db, clock, settings):
    booking = booked(demo_db, clock, settings, at(2026, 11, 24, 9, 30))
    clock.set(at(2026, 11, 24, 9, 46))
    async with app.run_test(size=SIZE) as pilot:
        screen = await desk(pilot, booking.id)
        await record(pilot, "1")
        assert isinstance(app.screen, RecordDialog)  # release and book again (B10)
        await press(pilot, "escape")
        assert "律师迟到超过15分钟" in screen.notice.text
        assert "排队号" not in desk_text(screen)
    assert demo_db.table("tickets").count == 0
    assert demo_db.table("bookings").get(booking.id)["arrived_at"] is None
    assert not settings.printer.folder.exists()  # nothing printed


async def test_t1_key_1_on_tomorrows_booking_is_refused_and_records_nothing(
        app, demo_db, clock, settings):
    booking = booked(demo_db, clock, settings, at(2026, 11, 25, 9, 0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await desk(pilot, booking.id)
        await record(pilot, "1")
        assert "只能在当天取号" in screen.notice.text
    assert demo_db.table("bookings").get(booking.id)["state"] == "booked"
    assert demo_db.table("tickets").count == 0
