"""The footer is rebuilt when the keys it shows change (a check passed offers F3, the language
switched), not on every focus move: Textual would rebuild its fifteen keys on each Tab."""

from __future__ import annotations

from booking_steps import press
from kiosk_steps import GOOD_POA, SIZE, fill, sign_in

from kiosk.components.footer import KioskFooter


def footer_keys(app) -> list[str]:
    return [key.description for key in app.screen.query_one(KioskFooter).query("FooterKey")]


async def test_the_footer_follows_the_keys_and_not_the_focus(app, demo_db, monkeypatch):
    rebuilt = []
    original = KioskFooter.recompose

    async def counted(self):
        rebuilt.append(self.screen)
        return await original(self)

    monkeypatch.setattr(KioskFooter, "recompose", counted)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await fill(pilot, GOOD_POA)
        before = len(rebuilt)
        await press(pilot, "tab", "tab", "tab", "shift+tab")  # focus moves, the keys stay
        assert len(rebuilt) == before
        assert "安排会见" not in footer_keys(app)
        await press(pilot, "ctrl+s")  # the check passes: F3 (book) is offered
        assert len(rebuilt) > before
        assert "安排会见" in footer_keys(app)
        await press(pilot, "f2")  # English: the keys' words change
        assert "Book" in " ".join(footer_keys(app))
        assert "安排会见" not in footer_keys(app)
