"""Issue 12: no line of screen text starts with closing punctuation (避头点). Textual folds a
long run of Chinese anywhere; the kiosk's line breaking (kiosk/components/linebreak.py) takes
the character before the punctuation down with it, and every line still fits."""

from __future__ import annotations

import html
import re

import pytest
from booking_steps import press, settle, to_offers
from kiosk_steps import GOOD_POA, fill, screen_text, sign_in
from rich._wrap import divide_line as rich_divide_line
from rich.cells import cell_len

from kiosk.components.linebreak import CLOSING, keep_closing_punctuation

NARROW = (80, 24)
CELL = 12.2  # the width of a cell in Textual's SVG screenshot
CJK_CLOSING = set("。，、；：！？）」』】〕〉》”’")
BORDERS = re.compile(r"[│┃║▊▌▐▎▏▍▋▕|─━═╭╮╰╯┌┐└┘▔▁▄▀█]+")
divide = keep_closing_punctuation(rich_divide_line)


def lines(text: str, width: int) -> list[str]:
    offsets = [0, *divide(text, width), len(text)]
    return [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]


_TEXT = re.compile(r'<text class="[^"]*-r[0-9]+" x="([0-9.]+)" y="([0-9.]+)"[^>]*>(.*?)</text>',
                   re.S)


def screen_rows(app) -> list[str]:
    """The screen as the terminal shows it, cell by cell: each text of the SVG screenshot put
    at its column (a toast drawn over a panel is cut into pieces there, in paint order)."""
    rows: dict[float, dict[int, str]] = {}
    for x, y, text in _TEXT.findall(app.export_screenshot()):
        cells, column = rows.setdefault(float(y), {}), round(float(x) / CELL)
        for char in html.unescape(text).replace("\xa0", " "):
            cells[column] = char
            for extra in range(1, cell_len(char)):
                cells[column + extra] = ""
            column += max(cell_len(char), 1)
    return ["".join(cells.get(c, " ") for c in range(max(cells) + 1))
            for _, cells in sorted(rows.items())]


def opening_punctuation(app) -> list[str]:
    """Each line of text on screen (a row's piece between borders) that opens with closing
    punctuation. (Where a toast covers a panel's edge, Textual draws a wide character cut by
    that edge as two blanks: a gap inside a line, not a line start.)"""
    return [piece.strip() for row in screen_rows(app) for piece in BORDERS.split(row)
            if piece.strip() and piece.strip()[0] in CJK_CLOSING]


@pytest.mark.parametrize("width", range(6, 41))
def test_issue12_no_wrapped_line_starts_with_closing_punctuation_and_each_still_fits(width):
    text = ("排队号A001未打印。打印机未连接（192.168.1.50:9100）：请检查打印机电源和网线，"
            "然后按F9重新打印。预约已保存，排队号不变。")
    wrapped = lines(text, width)
    assert "".join(wrapped) == text
    assert all(line.rstrip() and line[0] not in CLOSING for line in wrapped), wrapped
    assert all(cell_len(line.rstrip()) <= width for line in wrapped), wrapped


def test_issue12_the_rule_moves_only_what_it_must():
    assert lines("一二三四。五六", 8) == ["一二三", "四。五六"]  # Rich alone: "一二三四", "。五六"
    assert rich_divide_line("一二三四。五六", 8) == [4]
    assert lines("一二三四五六", 8) == ["一二三四", "五六"]
    assert lines("closing words, here", 8) == ["closing ", "words, ", "here"]


async def test_issue12_toasts_at_80x24_open_no_line_with_closing_punctuation(app):
    """Chinese toasts of every length: none puts "。" or "，" at the head of a line."""
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await pilot.pause()
        for length in range(12, 24):
            app.clear_notifications()
            app.notify("打" * length + "。预约已保存，排队号不变。", timeout=60, markup=False)
            await settle(pilot)
            assert "打" * 10 in screen_text(app)
            assert opening_punctuation(app) == [], "\n".join(screen_rows(app))


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_issue12_desk_screens_at_80x24_open_no_line_with_closing_punctuation(
        app, language):
    """The desk's screens, with a refusal and toasts, at 80x24."""
    seen = {}
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await pilot.pause()
        if language == "en":
            await press(pilot, "f2")
        await sign_in(pilot, "1001", "000000")  # a wrong PIN: the refusal's notice
        seen["sign-in refused"] = opening_punctuation(app)
        app.screen.query_one("#staff-no").value = ""
        await sign_in(pilot)
        await fill(pilot, GOOD_POA | {"cert-no": "13101200910123450"})
        await press(pilot, "ctrl+s")  # V1 refused: the result and its notice
        seen["verify refused"] = opening_punctuation(app)
        await press(pilot, "f9")  # nothing to reprint: a toast
        seen["verify toast"] = opening_punctuation(app)
        await press(pilot, "ctrl+l")  # signed out, then the whole journey again
        await to_offers(pilot)
        seen["offers"] = opening_punctuation(app)
        for key in ("f4", "f5", "f6", "f7", "f8"):
            await press(pilot, key)
            seen[key] = opening_punctuation(app)
    assert {where: pieces for where, pieces in seen.items() if pieces} == {}
