"""The desk's navigation: function keys switch screens (they never stack), one Esc goes home,
the focus is where the officer types next."""

from __future__ import annotations

from booking_steps import press, record_prints, to_offers
from kiosk_steps import SIZE, sign_in
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from kiosk.screens.board import BoardScreen
from kiosk.screens.day_view import DayViewScreen
from kiosk.screens.meeting import MeetingScreen
from kiosk.screens.report import ReportScreen
from kiosk.screens.scan import ScanScreen
from kiosk.screens.verify import VerifyScreen
from kiosk.screens.watch import WatchScreen


async def test_function_keys_switch_screens_and_one_esc_goes_home(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        home = app.screen
        assert isinstance(home, VerifyScreen)
        for key, screen in (("f4", WatchScreen), ("f5", DayViewScreen), ("f7", ScanScreen),
                            ("f6", BoardScreen), ("f8", ReportScreen), ("f4", WatchScreen)):
            await press(pilot, key)
            assert isinstance(app.screen, screen)
            assert len(app.screen_stack) == 3  # sign-in, home, this one: never more
        await press(pilot, "escape")
        assert app.screen is home


async def test_esc_goes_home_from_a_screen_opened_from_another(app, monkeypatch):
    """The offers screen opened by F3, the meeting desk from it: one Esc, home."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        home = app.screen_stack[1]
        await press(pilot, "enter", "ctrl+o")
        assert isinstance(app.screen, MeetingScreen)
        await press(pilot, "escape")
        assert app.screen is home
        await press(pilot, "f5")
        day = app.screen
        assert isinstance(day, DayViewScreen) and len(app.screen_stack) == 3
        row, column = next(iter(day.cells))  # a cell of the one booking of the day
        day.query_one(DataTable).cursor_coordinate = Coordinate(row, column)
        await press(pilot, "enter")  # its meeting desk, from the day view
        assert isinstance(app.screen, MeetingScreen) and len(app.screen_stack) == 4
        await press(pilot, "escape")
        assert app.screen is home


async def test_a_wardens_home_is_the_report(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "9001", "135790")
        report = app.screen
        assert isinstance(report, ReportScreen)
        await press(pilot, "f4")
        await press(pilot, "f8")
        assert app.screen is report and len(app.screen_stack) == 2


async def test_issue12_every_action_is_in_the_command_palette_at_80x24(app):
    """The footer of an 80-column terminal cuts F6-F9 off; Ctrl+P lists every action of the
    screen with its key, in the screen's language, and runs the one chosen."""
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await press(pilot, "ctrl+p")
        await pilot.press(*"叫号")
        await press(pilot, "enter")
        assert isinstance(app.screen, BoardScreen)
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "叫下一号 · n" in commands and any(c.startswith("扫码签到") for c in commands)
        # one language, and only the kiosk's own actions (no cursor keys of the table)
        assert not any(c.isascii() and not c.startswith("English") for c in commands), commands
        await press(pilot, "f2")
        assert "Call next · n" in [c.title for c in app.get_system_commands(app.screen)]
