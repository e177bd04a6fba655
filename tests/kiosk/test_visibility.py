"""Issue 12, visibility: bordered inputs, a visible focus mark on every focusable widget,
and check boxes (and radio buttons) that read without colour."""

from __future__ import annotations

from booking_steps import press, record_prints, to_offers
from kiosk_steps import SIZE, sign_in
from textual.widgets import Button, Checkbox, DataTable, Input, RadioButton, Select

WARDEN, WARDEN_PIN = "9001", "135790"  # the demo warden (README)


def glyph(toggle) -> str:
    return toggle._button.plain


async def test_issue12_check_boxes_and_radio_buttons_read_without_colour(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        inspected = screen.query_one("#inspected", Checkbox)
        assert glyph(inspected) == "☐" and "☐" in str(inspected.render())
        inspected.focus()
        await press(pilot, "space")
        assert inspected.value and glyph(inspected) == "☑"
        assert [glyph(b) for b in screen.query(RadioButton)] == ["◉", "○", "○"]
        screen.query_one("#aid_letter", RadioButton).value = True
        await pilot.pause()
        assert [glyph(b) for b in screen.query(RadioButton)] == ["○", "◉", "○"]


async def test_issue12_every_input_has_a_border_and_the_focused_one_changes_colour(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        fields = [field for field in app.screen.query(Input) if field.parent.display]
        assert len(fields) >= 7
        for field in fields:  # a frame on all four sides, 3 lines high
            assert all(edge[0] == "tall" for edge in field.styles.border), field.id
            assert field.outer_size.height == 3, field.id
        focused, other = fields[0], fields[1]
        assert app.focused is focused
        assert focused.styles.border_top[1] != other.styles.border_top[1]


async def test_issue12_focus_is_marked_on_buttons_selects_and_boxes(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        clear = screen.query_one("#clear", Button)
        verify = screen.query_one("#verify", Button)
        clear.focus()
        await pilot.pause()
        assert clear.styles.text_style.reverse and not verify.styles.text_style.reverse
        box = screen.query_one("#inspected", Checkbox)
        box.focus()
        await pilot.pause()
        assert box.styles.outline_left[0] == "thick"
        relation = screen.query_one("#poa-relation", Select)
        relation.focus()
        await pilot.pause()
        assert relation.query_one("SelectCurrent").styles.text_style.bold


async def test_issue12_focus_is_marked_on_tables(app, monkeypatch):
    record_prints(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await to_offers(pilot)
        table = app.screen.query_one("#offers-table", DataTable)
        assert app.focused is table and table.styles.outline_left[0] == "thick"
        await press(pilot, "f6")
        await press(pilot, "f4")
        assert isinstance(app.focused, DataTable)
        assert app.focused.styles.outline_left[0] == "thick"


async def test_issue12_the_reports_focused_button_is_the_one_marked(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.pause()
        csv, html = app.screen.query_one("#report-csv"), app.screen.query_one("#report-html")
        csv.focus()
        await pilot.pause()
        assert csv.styles.text_style.reverse and csv.styles.text_style.underline
        assert not html.styles.text_style.reverse
        html.focus()
        await pilot.pause()
        assert html.styles.text_style.reverse and not csv.styles.text_style.reverse
