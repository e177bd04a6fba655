"""Issue 12: one language at a time on screen. Every desk screen, walked in Chinese and in
English, shows no text of the other language apart from proper names (the centre, firms,
people, case numbers), the lawyer's own data, codes, key names and the language toggle."""

from __future__ import annotations

import re

import pytest
from booking_steps import press, record_prints, settle, to_offers
from kiosk_steps import screen_text, sign_in

from kiosk.printing import reprint
from kiosk.screens.meeting import MeetingScreen

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
# Key names, formats the officer types, file kinds and the folder exports go to: the same
# in both languages.
KEY_WORDS = {"esc", "ctrl", "tab", "enter", "home", "end", "pageup", "pagedown", "pgup",
             "pgdn", "yyyy-mm-dd", "yyyy-mm-ddhh", "csv", "html", "pin", "reports", "english"}
WARDEN, WARDEN_PIN = "9001", "135790"  # the demo warden (README)
TOGGLE = "中文"  # F2's label in English mode names the other language, as "English" does


def proper_names(db, settings) -> list[str]:
    """Names and numbers that are the same in both languages (S3 masks some of them)."""
    names = {settings.centre.name}
    for sql in ("SELECT name, firm_name FROM lawyers", "SELECT name, case_no, case_unit"
                " FROM detainees", "SELECT name FROM staff", "SELECT centre FROM aid_letters",
                "SELECT signed_by FROM meeting_requests WHERE signed_by IS NOT NULL"):
        try:
            rows = db.execute(sql).fetchall()
        except Exception:  # a column this database does not have
            continue
        names.update(str(value) for row in rows for value in row if value)
    masked = {name[0] + "*" * (len(name) - 1) for name in list(names) if len(name) in (2, 3)}
    masked |= {name[0] + "某" for name in list(names) if len(name) in (2, 3)}
    return sorted(names | masked, key=len, reverse=True)


def foreign(text: str, language: str, names: list[str]) -> list[str]:
    for name in names:
        text = text.replace(name, " ")
    if language == "en":
        return sorted(set(CJK.findall(text.replace(TOGGLE, " "))) - {"：", "，", "（", "）"})
    return sorted({word for word in WORD.findall(text) if word.lower() not in KEY_WORDS
                   and not any(ch.isdigit() for ch in word)
                   and not (word.isupper() and len(word) <= 6)})  # codes such as QXJNP


async def walk(pilot, app, language: str) -> dict[str, str]:
    """Every desk screen an officer reaches, in `language`: what each shows."""
    shown = {}
    if language == "en":
        await press(pilot, "f2")
    shown["sign-in"] = screen_text(app)
    await to_offers(pilot)
    shown["verify→offers"] = screen_text(app)
    await press(pilot, "enter")
    shown["offers booked"] = screen_text(app)
    await press(pilot, "ctrl+o")
    assert isinstance(app.screen, MeetingScreen)
    shown["meeting"] = screen_text(app)
    await press(pilot, "1")
    shown["meeting: record dialog"] = screen_text(app)
    await press(pilot, "escape")
    for key, name in (("f4", "watch"), ("f5", "day view"), ("f6", "board"), ("f7", "scan"),
                      ("f8", "report")):
        await press(pilot, key)
        shown[name] = screen_text(app)
    await press(pilot, "escape")
    shown["verify with result"] = screen_text(app)
    # the toasts: F9 with nothing to reprint, then the booking printed again (T4)
    await press(pilot, "f9")
    [booking_id] = app.db.execute("SELECT max(id) FROM bookings").fetchone()
    reprint(app, booking_id)
    await app.workers.wait_for_complete()
    await settle(pilot)
    shown["toasts"] = "\n".join(f"{n.title}\n{n.message}" for n in app._notifications)
    return shown


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_issue12_every_desk_screen_speaks_one_language(app, demo_db, settings,
                                                              monkeypatch, language):
    record_prints(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        if language == "en":
            await pilot.pause()
        shown = await walk(pilot, app, language)
        assert len(shown) == 12
        toast = ("没有需要重打的内容", "已打印") if language == "zh" else \
            ("Nothing to reprint", "Printed")
        assert all(words in shown["toasts"] for words in toast)
        # the walk saw what it should: the rooms and the checked documents, in this language
        room, document = ("会见室1", "律师执业证书") if language == "zh" else \
            ("Meeting room 1", "practice certificate")
        assert room in shown["offers booked"] and room in shown["board"]
        assert document in shown["verify with result"]
        names = proper_names(demo_db, settings)
        found = {screen: foreign(text, language, names) for screen, text in shown.items()}
        assert {screen: words for screen, words in found.items() if words} == {}


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_issue12_the_wardens_report_speaks_one_language(app, demo_db, settings,
                                                               language):
    async with app.run_test(size=(120, 40)) as pilot:
        if language == "en":
            await pilot.pause()
            await press(pilot, "f2")
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.pause()
        names = proper_names(demo_db, settings)
        assert foreign(screen_text(app), language, names) == []


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_issue12_a_refusal_on_screen_speaks_the_screens_language(app, demo_db, settings,
                                                                       language):
    """S1's refusal of a wrong PIN, on the notice: one language, and F2 switches it."""
    from kiosk.components.notice import Notice

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if language == "en":
            await press(pilot, "f2")
        await sign_in(pilot, "1001", "000000")
        notice = app.screen.query_one(Notice)
        zh, en = notice.text.split("\n") if language == "zh" else notice.text.split("\n")[::-1]
        assert "PIN" in en and re.search(r"[\u4e00-\u9fff]", zh)
        names = proper_names(demo_db, settings)
        assert foreign(screen_text(app), language, names) == []
        assert notice.shown == (zh if language == "zh" else en)
        await press(pilot, "f2")
        assert notice.shown == (en if language == "zh" else zh)


async def test_issue12_the_empty_verify_form_speaks_one_language(app, demo_db, settings):
    """The relation's prompt ("请选择" / "Choose") follows F2 like every other label."""
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        shown = screen_text(app)
        assert "请选择" in shown and "Choose" not in shown
        await press(pilot, "f2")
        shown = screen_text(app)
        assert "Choose" in shown and "请选择" not in shown
        assert foreign(shown, "en", proper_names(demo_db, settings)) == []


async def test_issue12_the_delay_reasons_speak_the_screens_language(app, demo_db, clock,
                                                                    monkeypatch):
    """C3's reasons are picked in the screen's language (paper, the 情况说明, has both)."""
    from datetime import datetime

    from booking.clock import SHANGHAI

    record_prints(app, monkeypatch)
    clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=SHANGHAI))  # Friday evening: not now
    async with app.run_test(size=(120, 40)) as pilot:
        await to_offers(pilot)
        await press(pilot, "enter")
        shown = screen_text(app)
        assert "会见室已满" in shown and "all rooms are busy" not in shown
        await press(pilot, "f2")
        shown = screen_text(app)
        assert "all rooms are busy" in shown and "会见室已满" not in shown


async def test_issue12_a_statement_the_officer_ticks_speaks_the_screens_language(app, demo_db):
    """B5/B9: what the officer vouches for (devices off, consent signed) in one language, F2
    switching it; the paper the lawyer signs keeps both."""
    from kiosk.i18n import label
    from kiosk.screens.dialogs import ConfirmDialog

    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        app.push_screen(ConfirmDialog("devices.title", "devices.off"))
        await pilot.pause()
        shown = screen_text(app)
        assert label("devices.off", "zh") in shown and label("devices.off", "en") not in shown
        await press(pilot, "f2")
        shown = screen_text(app)
        assert label("devices.off", "en") in shown and label("devices.off", "zh") not in shown
