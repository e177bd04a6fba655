"""Q1-Q4, B7: check-in by scanning the booking's QR code; T3: the now-serving board."""

from __future__ import annotations

import pytest
from fake_printer import network_printer
from kiosk_steps import SIZE, sign_in, steady_cursor
from scan_steps import (
    LIU_YANG,
    ZHANG_WEI,
    at,
    booked,
    open_board,
    scan,
    shown_text,
    state,
)
from support import OFFICER
from textual.widgets import DataTable, Digits, Input

from booking.qr import code_for
from booking.queue import admit, call_next
from booking.rooms import sync_rooms
from kiosk.app import KioskApp
from kiosk.components.notice import Notice
from kiosk.screens import scan as scan_module
from kiosk.screens.board import BoardScreen
from kiosk.screens.scan import ScanScreen


@pytest.fixture
def afternoon(demo_db, clock, settings):
    """王建国 booked at 09:00 for 13:00 today; the code on his slip; he comes at 12:50."""
    booking = booked(demo_db, clock, settings, at(2026, 11, 24, 13, 0))
    code = code_for(settings, clock, booking)
    clock.set(at(2026, 11, 24, 12, 50))
    return booking, code


def flip(code: str, position: int) -> str:
    other = "7" if code[position] != "7" else "A"
    return code[:position] + other + code[position + 1:]


def details(screen: ScanScreen) -> str:
    return shown_text(screen.query_one("#scan-details"))


def printer_files(settings) -> list[str]:
    folder = settings.printer.folder
    return sorted(f.name for f in folder.iterdir()) if folder.exists() else []


async def test_q2_q3_a_scanned_code_checks_in_shows_the_lawyer_and_prints_a001(
        app, demo_db, settings, afternoon):
    booking, code = afternoon
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = await scan(pilot, code)
        assert isinstance(screen, ScanScreen)
        assert screen.query_one("#scan-queue", Digits).value == "A001"
        shown = details(screen)
        assert "王建国" in shown and "13101200910123456" in shown  # Q3: compare with the person
        assert "请民警核对律师本人及执业证" in shown
        assert "李*（2026001）" in shown and "李四" not in shown  # S3
        assert "会见室1" in shown and "2026-11-24 13:00-14:00" in shown
        assert "2026-11-26 09:00" in shown and "✔ 已打印 12:50" in shown
        assert screen.notice.text.startswith("签到成功")
        assert not screen.query_one("#scan-reprint").display
        assert app.focused is screen.query_one("#scan-code", Input)  # ready for the next code
        assert screen.query_one("#scan-code", Input).value == ""
    assert printer_files(settings) == ["20261124-125000-ticket.bin",
                                       "20261124-125000-ticket.png"]
    assert demo_db.execute("SELECT state FROM bookings").fetchall() == [("arrived",)]
    assert demo_db.execute("SELECT label, printed_at IS NOT NULL FROM tickets").fetchall() == [
        ("A001", 1)]


async def test_q2_one_character_changed_is_refused_and_nothing_changes(
        app, demo_db, settings, afternoon):
    _, code = afternoon
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        before = state(demo_db)
        screen = await scan(pilot, flip(code, len(code) - 3))
        assert "预约码签名不符（码被改动或伪造）" in screen.notice.text
        assert "please ask the officer at the desk" in screen.notice.text
        assert not screen.query_one("#scan-result").display
        assert app.focused is screen.query_one("#scan-code", Input)
        screen = await scan(pilot, "HELLO")  # not a code at all
        assert "这不是本所的预约码" in screen.notice.text
    assert state(demo_db) == before
    assert printer_files(settings) == []


async def test_q2_a_code_for_another_day_is_refused(app, demo_db, clock, settings):
    tomorrow = booked(demo_db, clock, settings, at(2026, 11, 25, 9, 0))
    code = code_for(settings, clock, tomorrow)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        before = state(demo_db)
        screen = await scan(pilot, code)
        assert "此预约码是2026-11-25的会见，不是今天" in screen.notice.text
    assert state(demo_db) == before


async def test_q4_a_second_scan_shows_the_same_ticket_and_offers_a_reprint(
        app, demo_db, settings, afternoon):
    _, code = afternoon
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await scan(pilot, code)
        before = state(demo_db)
        screen = await scan(pilot, code.lower())  # a scanner in lower-case mode
        assert state(demo_db) == before  # Q4: no second queue entry
        assert screen.result.repeat
        assert screen.query_one("#scan-queue", Digits).value == "A001"
        assert "此预约已签到，排队号不变" in screen.notice.text
        assert screen.query_one("#scan-reprint").display
        await pilot.click("#scan-reprint")  # the button does not take the focus
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.focused is screen.query_one("#scan-code", Input)
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    assert len(printer_files(settings)) == 6  # the first print and two reprints
    assert demo_db.table("tickets").count == 1


async def test_t4_a_fault_at_check_in_is_shown_on_the_scan_screen_and_f9_reprints(
        demo_db, clock, settings, afternoon, fake_printer):
    _, code = afternoon
    fake_printer.switch_off()  # the network printer is off: the connection is refused
    where = fake_printer.address
    app = KioskApp(network_printer(settings, fake_printer.port), demo_db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = await scan(pilot, code)
        # E1: Chinese first, English beside it: what is wrong, what to do, then F9
        assert screen.notice.text == (
            f"打印机未连接（{where}）：请检查打印机电源和网线，然后按F9重新打印\n"
            f"Printer not reachable ({where}): check its power and network cable, then press F9"
            " to reprint")
        assert "Errno" not in screen.notice.text and "refused" not in screen.notice.text
        assert f"未打印：打印机未连接（{where}）" in details(screen)
        assert screen.query_one("#scan-queue", Digits).value == "A001"  # T4: the ticket stays
        assert screen.query_one("#scan-reprint").display
        # the officer's notification says the same, and keeps the system's words last
        [toast] = [n.message for n in app._notifications if n.severity == "error"]
        first, detail = toast.split("\n")  # issue 12: in the screen's language only
        assert first.startswith(f"排队号A001未打印。打印机未连接（{where}）")
        assert detail.startswith("技术信息：") and "Connection refused" in detail
        [error] = demo_db.execute("SELECT print_error FROM tickets").fetchone()
        assert error.startswith(f"打印机未连接（{where}）") and "Errno" not in error

        await pilot.press("f2")  # in English, English first
        await pilot.pause()
        assert screen.notice.text.startswith(f"Printer not reachable ({where})")
        assert f"did not print: printer not reachable ({where})" in details(screen)
        await pilot.press("f2")
        await pilot.pause()

        screen = await scan(pilot, code)  # Q4: scanned again: the fault kept on the ticket
        assert screen.notice.text.startswith("此预约已签到，排队号不变")
        assert f"未打印：打印机未连接（{where}）" in details(screen)
        assert screen.query_one("#scan-queue", Digits).value == "A001"
        assert screen.query_one("#scan-reprint").display

        await pilot.press("f9")  # still off: the same advice
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.notice.text.startswith(f"打印机未连接（{where}）")

        fake_printer.switch_on()  # the officer switches the printer on
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "✔ 已打印 12:50" in details(screen)
        assert screen.notice.text == ""  # the fault's advice is gone with the fault
        [job] = fake_printer.wait_for(1)
        assert b"A001" in job
    assert demo_db.execute("SELECT state FROM bookings").fetchall() == [("arrived",)]
    assert demo_db.execute("SELECT label, print_error FROM tickets").fetchall() == [
        ("A001", None)]


async def test_b7_the_screen_clears_itself_for_the_next_lawyer(app, afternoon, monkeypatch):
    _, code = afternoon
    monkeypatch.setattr(scan_module, "CLEAR_AFTER_SECONDS", 2)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = await scan(pilot, code)
        assert screen.query_one("#scan-result").display
        await pilot.pause(2.5)
        assert not screen.query_one("#scan-result").display
        assert screen.query_one(Notice).text == ""
        assert app.focused is screen.query_one("#scan-code", Input)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ScanScreen)


async def test_scan_and_board_need_a_sign_in(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f7", "f6")
        await pilot.pause()
        assert not isinstance(app.screen, ScanScreen | BoardScreen)


# --- the board ------------------------------------------------------------------------------


@pytest.fixture
def queue(demo_db, clock, settings):
    """One meeting room; three lawyers booked at 13:00, 14:00, 15:00 arrive at 12:50 and are
    queued A001-A003."""
    sync_rooms(demo_db, clock, "test", [r for r in settings.rooms
                                        if r.kind != "meeting" or r.id == "M1"])
    bookings = [booked(demo_db, clock, settings, at(2026, 11, 24, hour, 0), **who)
                for hour, who in ((13, {}), (14, LIU_YANG), (15, ZHANG_WEI))]
    clock.set(at(2026, 11, 24, 12, 50))
    for booking in bookings:
        admit(demo_db, clock, settings, OFFICER, booking.id)
    return bookings


def rows(screen, table_id: str) -> list[list[str]]:
    table = screen.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_t3_board_shows_waiting_numbers_with_an_estimate_and_calls_the_next(
        app, demo_db, queue):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        assert isinstance(screen, BoardScreen)
        assert rows(screen, "#board-waiting-table") == [
            ["A001", "会见室1", "即将叫号"], ["A002", "会见室1", "约60分钟"],
            ["A003", "会见室1", "约120分钟"]]
        assert rows(screen, "#board-called-table") == []
        await pilot.press("n")
        await pilot.pause()
        assert screen.notice.text == "请A001号到会见室1\nA001: please go to Meeting room 1"
        assert screen.query_one("#board-now", Digits).value == "A001"
        assert rows(screen, "#board-called-table") == [["A001", "会见室1", "12:50"]]
        assert [r[0] for r in rows(screen, "#board-waiting-table")] == ["A002", "A003"]
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert screen.notice.text == "无人等候\nNobody is waiting"
        assert rows(screen, "#board-waiting-table") == []
        await pilot.press("f2")
        await pilot.pause()
        assert rows(screen, "#board-called-table")[0] == ["A003", "Meeting room 1", "12:50"]
        assert "Estimated wait" in str(screen.query_one("#board-waiting-table",
                                                       DataTable).columns)
    called = demo_db.execute("SELECT label, called_by FROM tickets ORDER BY number").fetchall()
    assert called == [("A001", OFFICER), ("A002", OFFICER), ("A003", OFFICER)]


async def test_t3_board_follows_numbers_called_at_another_kiosk(app, demo_db, clock, queue,
                                                                monkeypatch):
    from kiosk.screens import board as board_module

    monkeypatch.setattr(board_module, "REFRESH_SECONDS", 0.1)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        call_next(demo_db, clock, "1002")  # the other kiosk
        await pilot.pause(0.3)
        assert screen.query_one("#board-now", Digits).value == "A001"


# --- snapshots (see test_screen_snapshots.py) -----------------------------------------------


def test_snapshot_scan_checked_in(snap_compare, app, afternoon):
    _, code = afternoon

    async def scanned(pilot):
        await sign_in(pilot)
        await scan(pilot, code)
        pilot.app.clear_notifications()
        steady_cursor(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=scanned)


def test_snapshot_board(snap_compare, app, queue):
    async def one_called(pilot):
        await open_board(pilot)
        await pilot.press("n")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=one_called)
