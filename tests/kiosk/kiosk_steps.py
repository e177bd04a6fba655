"""Steps of the kiosk's screen tests: the demo's people, typing into screens, counting rows."""

from __future__ import annotations

import html
import re

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Select

SIZE = (120, 40)
OFFICER, OFFICER_PIN = "1001", "246810"

# The demo lawyer with detainee 李四 (roster 2026001) and a power of attorney he signed.
GOOD_POA = {
    "cert-no": "13101200910123456",
    "firm-code": "3131010142QXJNP17A",
    "letter-lawyer": "王建国",
    "letter-detainee": "李四",
    "roster-no": "2026001",
    "poa-signed-by": "李四",
}
# The suspended demo lawyer 赵敏, same firm, same detainee.
SUSPENDED_POA = GOOD_POA | {"cert-no": "13101201510234567", "letter-lawyer": "赵敏"}
# The demo legal-aid letter: 孙丽 for 王磊 (roster 2026002).
GOOD_AID = {
    "cert-no": "11101200310523456",
    "firm-code": "311101053Q2JY0M2UM",
    "letter-lawyer": "孙丽",
    "letter-detainee": "王磊",
    "roster-no": "2026002",
    "aid-letter-no": "SHFY2026-0001",
}


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counts(db) -> dict[str, int]:
    return {t: count(db, t) for t in ("meeting_requests", "refusals", "audit_log", "defenders")}


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    """Focus a field and type into it key by key, as the officer would."""
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.press(*text)


async def sign_in(pilot: Pilot, staff_no: str = OFFICER, pin: str = OFFICER_PIN) -> None:
    await pilot.pause()  # a snapshot's run_before starts before the first screen is composed
    await type_into(pilot, "#staff-no", staff_no)
    await pilot.press("enter", *pin, "enter")
    await pilot.pause()


async def fill(pilot: Pilot, fields: dict[str, str], relation: str = "self") -> None:
    """Type a presentation into the verify form; choose the basis from the fields given."""
    screen = pilot.app.screen
    if "aid-letter-no" in fields:
        screen.query_one("#aid_letter").value = True
        await pilot.pause()
    else:
        screen.query_one("#poa-relation", Select).value = relation
    for field, text in fields.items():
        await type_into(pilot, f"#{field}", text)


def steady_cursor(pilot: Pilot) -> None:
    """Snapshots must not catch the cursor mid-blink."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


_SVG_TEXT = re.compile(r'<text class="[^"]*-r[0-9]+"([^>]*)>(.*?)</text>', re.S)
_SVG_Y = re.compile(r'\by="([0-9.]+)"')


def screen_text(app: App) -> str:
    """What the screen draws now, line by line: the text of the app's SVG screenshot (the
    compositor's output, so only what is visible, toasts and dialogs included)."""
    rows: dict[float, list[str]] = {}
    for attributes, text in _SVG_TEXT.findall(app.export_screenshot()):
        y = float(_SVG_Y.search(attributes).group(1))
        rows.setdefault(y, []).append(html.unescape(text).replace("\xa0", " "))
    lines = ("".join(rows[y]).rstrip() for y in sorted(rows))
    return "\n".join(line for line in lines if line)
