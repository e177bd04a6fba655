"""T3/S3: the lobby's wall board (`kiosk board`): read only, numbers called and waiting with
an estimated wait, the date and the centre, masked names only, a highlight on a new call."""

from __future__ import annotations

import pytest
from kiosk_steps import SIZE, count, screen_text
from scan_steps import LIU_YANG, ZHANG_WEI, at, booked
from support import OFFICER

from booking.queue import admit, call_next
from booking.rooms import sync_rooms
from kiosk import lobby
from kiosk.lobby import BoardApp, WallBoardScreen

WALL = (160, 40)


@pytest.fixture
def queued(demo_db, clock, settings):
    """One meeting room; three lawyers booked at 13:00, 14:00, 15:00 queued A001-A003."""
    sync_rooms(demo_db, clock, "test", [r for r in settings.rooms
                                        if r.kind != "meeting" or r.id == "M1"])
    bookings = [booked(demo_db, clock, settings, at(2026, 11, 24, hour, 0), **who)
                for hour, who in ((13, {}), (14, LIU_YANG), (15, ZHANG_WEI))]
    clock.set(at(2026, 11, 24, 12, 50))
    for booking in bookings:
        admit(demo_db, clock, settings, OFFICER, booking.id)
    return bookings


async def test_t3_s3_wall_board_shows_waiting_numbers_masked_names_date_and_centre(
        demo_db, clock, settings, queued):
    app = BoardApp(settings, demo_db, clock)
    async with app.run_test(size=WALL) as pilot:
        await pilot.pause()
        text = screen_text(app)
    assert settings.centre.name in text
    assert "2026-11-24 周二 Tue  12:50" in text
    assert "尚未叫号" in text and "No number called yet" in text
    waiting = [line for line in text.splitlines() if "A00" in line]
    # S3: 李四 -> 李*, 杨帆 -> 杨*, 林涛 -> 林*; the full names never appear
    assert any("A001" in line and "李*" in line and "即将叫号" in line for line in waiting)
    assert any("A002" in line and "杨*" in line and "约60分钟" in line
               and "about 60 min" in line for line in waiting)
    assert any("A003" in line and "林*" in line and "约120分钟" in line for line in waiting)
    for name in ("李四", "杨帆", "林涛", "王建国"):
        assert name not in text
    assert "等候  Waiting (3)" in text


async def test_t3_a_number_called_at_a_desk_appears_highlighted_and_the_board_changes_nothing(
        demo_db, clock, settings, queued, monkeypatch):
    monkeypatch.setattr(lobby, "REFRESH_SECONDS", 0.1)
    before = count(demo_db, "audit_log"), count(demo_db, "tickets")
    app = BoardApp(settings, demo_db, clock)
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=WALL) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WallBoardScreen)
        assert not screen.query_one("#lobby-now").has_class("-called")
        call_next(demo_db, clock, OFFICER)  # a desk in another process calls A001
        after_call = count(demo_db, "audit_log"), count(demo_db, "tickets")
        await pilot.pause(0.4)
        assert screen.latest == "A001"
        assert screen.query_one("#lobby-now").has_class("-called")
        assert bells == [1]
        text = screen_text(app)
        assert "请A001号到会见室1" in text and "A001: please go to 会见室1" in text
        assert "等候  Waiting (2)" in text
        await pilot.press("n", "enter", "escape", "f6")  # no key does anything
        await pilot.pause(0.3)
    assert (count(demo_db, "audit_log"), count(demo_db, "tickets")) == after_call
    assert after_call[0] == before[0] + 1  # only the desk's call was written
    assert bells == [1]  # the same number is not announced again


async def test_t3_the_number_already_called_at_start_is_not_highlighted(
        demo_db, clock, settings, queued):
    call_next(demo_db, clock, OFFICER)
    app = BoardApp(settings, demo_db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.latest == "A001"
        assert not app.screen.query_one("#lobby-now").has_class("-called")
