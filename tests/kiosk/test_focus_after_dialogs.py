"""Issue 12: after every dialog the focus lands on the field the officer needs next, whether
the dialog was confirmed or cancelled (Esc)."""

from __future__ import annotations

from booking_steps import NATIONAL_SECURITY_POA, press, record_prints, to_offers, verified
from kiosk_steps import SIZE, type_into


def focused(app) -> str | None:
    return app.focused.id if app.focused is not None else None


async def test_issue12_focus_after_the_duty_session_dialog(app, monkeypatch):
    """B2: the offers table, read again, after Ctrl+D confirmed or cancelled."""
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "ctrl+d")
        assert focused(app) == "duty-sessions"  # the day is proposed; the hours to check
        await press(pilot, "escape")
        assert focused(app) == "offers-table"
        await press(pilot, "ctrl+d", "ctrl+s")
        assert focused(app) == "offers-table"


async def test_issue12_focus_after_a_confirmation_on_the_meeting_desk(app, monkeypatch):
    """B11: after "record this?" (confirmed or not) the desk's actions have the focus."""
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter", "ctrl+o")
        assert focused(app) == "start"  # queued at booking: the next step is the start
        await press(pilot, "2")
        assert focused(app) == "confirm"  # Enter confirms
        await press(pilot, "escape")
        assert focused(app) == "start"
        await press(pilot, "2", "enter")
        assert focused(app) == "end"  # started: the next step is the end


async def test_issue12_focus_after_the_permission_dialog(app, monkeypatch):
    """P2: the reference field is the first asked; refused, the verify form is ready for the
    next lawyer (Enter on 'clear'); cancelled, the booking button is back."""
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot, NATIONAL_SECURITY_POA)
        await press(pilot, "f3")
        assert focused(app) == "reference"
        await press(pilot, "escape")
        assert focused(app) == "book"
        await press(pilot, "f3")
        app.screen.query_one("#refused").value = True
        app.screen.query_one("#lawyer-away").value = True
        await type_into(pilot, "#reference", "沪国安不许字2026-1号")
        await press(pilot, "ctrl+s")
        assert focused(app) == "clear"
        assert not app.screen.query_one("#book").display


async def test_issue12_focus_after_the_quit_question(app, monkeypatch):
    """Ctrl+Q then Esc: back in the field the officer was typing in."""
    async with app.run_test(size=SIZE) as pilot:
        await verified(pilot)
        await type_into(pilot, "#lawyer-phone", "1")
        await press(pilot, "ctrl+q")
        await press(pilot, "escape")
        assert focused(app) == "lawyer-phone"
