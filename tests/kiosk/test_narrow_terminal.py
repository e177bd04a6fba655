"""80x24, a common desk terminal: the deadline, time left and status columns stay on
screen; dialogs show their buttons."""

from __future__ import annotations

from booking_steps import at, press, record_prints, to_offers, verified
from kiosk_steps import GOOD_POA, screen_text

NARROW = (80, 24)


async def _booked(pilot) -> None:
    await to_offers(pilot)
    await press(pilot, "enter")


async def _watch(pilot) -> None:
    await _booked(pilot)
    await press(pilot, "f4")


async def _delay_reason(pilot) -> None:
    await verified(pilot)
    pilot.app.clock.set(at(2026, 11, 24, 17, 30))  # after hours: not now, so a reason
    await press(pilot, "f3")
    await press(pilot, "enter")


async def test_watch_list_keeps_deadline_time_left_and_status_at_80x24(app, monkeypatch):
    """C5: at 80 columns the watch list still shows the deadline, the time left and the
    status (the columns cut off are the detainee and the booking)."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=NARROW) as pilot:
        await _watch(pilot)
        shown = screen_text(app)
        for heading in ("期限", "剩余", "状态"):
            assert heading in shown, heading
        assert "2026-11-26 周四 09:00" in shown and "48:00" in shown and "已预约" in shown


async def test_dialog_buttons_are_on_screen_at_80x24(app, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=NARROW) as pilot:
        await _delay_reason(pilot)
        shown = screen_text(app)
        assert "确认" in shown and "取消" in shown


async def test_issue12_the_header_clock_shows_at_80_columns_in_english(app, monkeypatch):
    """The header's clock is never cut off at 80 columns, in English (the longer language):
    on the sign-in and verify screens and each desk screen."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.pause()
        await press(pilot, "f2")
        headers = {"sign-in": screen_text(app).splitlines()[0]}
        await to_offers(pilot)
        headers["offers"] = screen_text(app).splitlines()[0]
        await press(pilot, "enter", "escape")
        headers["verify"] = screen_text(app).splitlines()[0]
        for key in ("f4", "f5", "f6", "f7"):
            await press(pilot, key)
            headers[key] = screen_text(app).splitlines()[0]
        assert {where: header for where, header in headers.items()
                if not header.endswith("11-24 Tue 09:00")} == {}
        assert "Check documents" in headers["verify"]


async def test_issue12_the_verify_result_is_on_screen_after_ctrl_s_at_80x24(app, monkeypatch):
    """V1-V5 at 80x24: after Ctrl+S the result, and the document that failed, show without
    scrolling; after a pass, the result and the booking button do."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=NARROW) as pilot:
        await verified(pilot, GOOD_POA | {"letter-detainee": "李五"})  # the letter is not his
        shown = screen_text(app)
        assert "✘ 核验未通过" in shown, shown
        [failed] = [line for line in shown.splitlines() if line.startswith("✘V5")]
        assert "律师事务所证明" in failed and "姓名与名册不符" in failed, failed
        await press(pilot, "ctrl+l")
        await verified(pilot)
        shown = screen_text(app)
        assert "✔" in shown and "安排会见" in shown, shown
