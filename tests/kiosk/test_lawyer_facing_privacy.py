"""S3 (with Q1-Q4, T2-T4): what faces the lawyer never shows an ID number or a detainee's
unmasked name. The scan screen is walked through every state a lawyer meets there and the
now-serving board through a morning's queue, each in Chinese and in English (F2); what is
checked is what the screen draws (the screenshot's text), and the tickets the scans printed
(their ESC/POS bytes and the QR code read back from their PNG previews).

The roster holds detainees with two-, three- and four-character names and their ID numbers
(support.LONG_NAMED beside the demo's), so a leak of any of them is caught.
"""

from __future__ import annotations

import pytest
import zxingcpp
from fake_printer import free_port, network_printer
from kiosk_steps import SIZE, screen_text, sign_in
from PIL import Image
from scan_steps import at, booked, open_board, scan
from support import (
    BOOKING_CODE_SHAPE,
    LONG_NAMED,
    OFFICER,
    add_long_named_detainees,
    assert_nothing_private,
    private_data,
)

from booking.meetings import check_in, close_without_meeting, release_late, start_meeting
from booking.qr import code_for
from booking.queue import admit
from kiosk.i18n import label
from kiosk.screens.board import BoardScreen
from kiosk.screens.scan import ScanScreen

SHENZHENG, MINGLU, PUJIANG = "3131010142QXJNP17A", "31310104AD8CGTM4JQ", "31310115T3KB1E2BDA"


def who(cert_no: str, lawyer: str, firm_code: str, roster_no: str, detainee: str) -> dict:
    """A demo lawyer presenting a power of attorney signed by the detainee."""
    return dict(cert_no=cert_no, letter_firm_code=firm_code, letter_lawyer_name=lawyer,
                letter_detainee_name=detainee, roster_no=roster_no, poa_signed_by=detainee)


# name: (start, room, who); the first three are the ones that check in.
BOOKINGS = {
    "李四": (at(2026, 11, 24, 13, 0), "M1", {}),  # support.presentation(): 王建国
    "张三丰": (at(2026, 11, 24, 13, 0), "M2",
            who("13101201210456781", "刘洋", SHENZHENG, "2026101", "张三丰")),
    "欧阳娜娜": (at(2026, 11, 24, 13, 0), "M3",
             who("13101200610567892", "张伟", SHENZHENG, "2026102", "欧阳娜娜")),
    "tomorrow": (at(2026, 11, 25, 9, 0), "M1",
                 who("13101201920678903", "黄静", SHENZHENG, "2026005", "杨帆")),
    "cancelled": (at(2026, 11, 24, 14, 0), "M1",
                  who("13101201320891025", "周婷", MINGLU, "2026006", "黄勇")),
    "no_show": (at(2026, 11, 24, 14, 0), "M2",
                who("13101200810902136", "徐涛", MINGLU, "2026007", "赵刚")),
    "released": (at(2026, 11, 24, 10, 30), "M1",
                 who("13101201710113247", "马骏", MINGLU, "2026008", "吴静")),
    "late": (at(2026, 11, 24, 10, 30), "M2",
             who("13101201420224358", "胡晓燕", PUJIANG, "2026009", "徐明")),
    "started": (at(2026, 11, 24, 10, 30), "M3",
                who("13101201010335469", "郭鹏", PUJIANG, "2026010", "孙浩")),
}


@pytest.fixture
def codes(demo_db, clock, settings) -> dict[str, str]:
    """The bookings above, made at 09:00; at 12:50 some are closed, late or started. The
    codes on their slips, by name; "missing" is a well-signed code for no booking."""
    add_long_named_detainees(demo_db)
    bookings = {name: booked(demo_db, clock, settings, start, room, **changes)
                for name, (start, room, changes) in BOOKINGS.items()}
    codes = {name: code_for(settings, clock, booking) for name, booking in bookings.items()}
    codes["missing"] = code_for(settings, clock, bookings["李四"].model_copy(update={"id": 999}))
    clock.set(at(2026, 11, 24, 10, 30))  # on time (B10: later, it could not start)
    check_in(demo_db, clock, settings, OFFICER, bookings["started"].id)  # B11: arrival first
    start_meeting(demo_db, clock, settings, OFFICER, bookings["started"].id)
    clock.set(at(2026, 11, 24, 12, 50))
    close_without_meeting(demo_db, clock, OFFICER, bookings["cancelled"].id, "cancelled")
    close_without_meeting(demo_db, clock, OFFICER, bookings["no_show"].id, "no_show")
    release_late(demo_db, clock, settings, OFFICER, bookings["released"].id)
    return codes


def changed(code: str, part: int) -> str:
    """The code with the last character of one of its dot-separated parts changed."""
    parts = code.split(".")
    parts[part] = parts[part][:-1] + ("A" if parts[part][-1] != "A" else "B")
    return ".".join(parts)


async def look(pilot, where: str, *shown: str | tuple[str, str],
               labels: tuple[str, ...] = ()) -> None:
    """The screen shows `shown` (a (zh, en) pair: the one of its language) and the `labels`
    in its language (so it is this state that is read) and nothing private (S3): first with
    any toasts, then without them (what they covered), then in the other language (F2)."""
    app = pilot.app
    for step in ("toasts", "no toasts", "language"):
        if step == "no toasts":
            app.clear_notifications()
            await pilot.pause()
        elif step == "language":
            await pilot.press("f2")
            await pilot.pause()
        text = screen_text(app)
        assert_nothing_private(text, app.db, f"the {where} ({app.language}, {step})")
        for expected in (*(item if isinstance(item, str) else item[app.language == "en"]
                           for item in shown),
                         *(label(key, app.language) for key in labels)):
            assert expected in text, \
                f"the {where} ({app.language}) should show {expected!r}:\n{text}"


async def test_s3_the_scan_screen_in_every_state_shows_no_id_number_and_no_full_name(
        app, demo_db, clock, settings, codes):
    private = private_data(demo_db)  # what is looked for: ID numbers and names of all sizes
    assert {"李四", "张三丰", "欧阳娜娜", "310101198503121738"} <= private.keys()
    assert {id_no for _, _, id_no in LONG_NAMED} <= private.keys()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot)
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, ScanScreen)
        await look(pilot, "scan screen before a scan", labels=("scan.title", "scan.hint"))

        for name, masked in (("李四", "李*（2026001）"), ("张三丰", "张*丰（2026101）")):
            await scan(pilot, codes[name], typed=False)
            await look(pilot, f"scan screen after checking in {masked}", masked,
                       labels=("scan.checked_in", "scan.detainee", "scan.printed"))
        await scan(pilot, codes["张三丰"].lower(), typed=False)  # Q4: scanned again
        await look(pilot, "scan screen after a repeat scan", "张*丰（2026101）",
                   labels=("scan.repeat", "scan.reprint"))
        await pilot.press("f9")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await look(pilot, "scan screen after a reprint", "张*丰（2026101）",
                   labels=("scan.printed",))

        app.settings = network_printer(settings, free_port())  # T4: nothing listens there
        await scan(pilot, codes["欧阳娜娜"], typed=False)
        await look(pilot, "scan screen with a printer fault", "欧**娜（2026102）",
                   ("打印机未连接", "printer not reachable"),
                   labels=("scan.print_failed", "scan.reprint"))
        app.settings = settings

        refusals = {  # Q2: what the lawyer is told, in the screen's language (issue 12)
            "HELLO": ("这不是本所的预约码", "not a booking code of this centre"),
            changed(codes["李四"], 5): ("预约码签名不符", "signature does not match"),
            changed(codes["李四"], 4): ("签名密钥未知或已停用", "signing key is unknown"),
            codes["missing"]: ("预约码对应的预约不存在", "booking does not exist"),
            codes["tomorrow"]: ("此预约码是2026-11-25的会见，不是今天",
                                "meeting on 2026-11-25, not today"),
            codes["cancelled"]: ("该预约已取消", "this booking was cancelled"),
            codes["no_show"]: ("该预约因律师未到已关闭", "closed as a no-show"),
            codes["released"]: ("律师迟到，该预约已释放", "the slot was released"),
            codes["late"]: ("律师迟到超过15分钟", "more than 15 minutes late"),
            codes["started"]: ("该会见已开始或已结束", "already started or ended"),
        }
        for code, reason in refusals.items():
            await scan(pilot, code, typed=False)
            await look(pilot, f"scan screen refusing {code} ({reason[0]})", reason)
            assert not app.screen.query_one("#scan-result").display

        app.screen.clear_result()  # what the 60-second timer does
        await pilot.pause()
        await look(pilot, "scan screen cleared for the next lawyer", labels=("scan.hint",))
        clock.set(at(2026, 11, 25, 1, 30))  # the 13:00 code expired at 01:00
        await scan(pilot, codes["李四"])  # typed, as a scanner does
        await look(pilot, "scan screen refusing an expired code", ("预约码已于2026-11-25 01:00过期",
                                                                "expired at 2026-11-25 01:00"))

    # T2/Q1: what those scans printed (two tickets and a reprint; the fault printed nothing),
    # the bytes as the printer reads them and the QR code read back from each preview.
    folder = settings.printer.folder
    jobs = sorted(folder.glob("*.bin"))
    assert len(jobs) == 3
    masks = set()
    for job in jobs:
        text = job.read_bytes().decode("gb18030", "replace")
        masks |= {m for m in ("李*（编号2026001）", "张*丰（编号2026101）") if m in text}
        assert "律师会见排队号" in text, text
        assert_nothing_private(text, demo_db, f"the printed ticket {job.name}")
    assert masks == {"李*（编号2026001）", "张*丰（编号2026101）"}
    previews = sorted(folder.glob("*.png"))
    assert len(previews) == 3
    for preview in previews:
        [payload] = [found.text for found in zxingcpp.read_barcodes(Image.open(preview))]
        assert BOOKING_CODE_SHAPE.match(payload), payload
        assert_nothing_private(payload, demo_db, f"the QR code on {preview.name}")


async def test_s3_the_board_with_several_waiting_shows_no_id_number_and_no_full_name(
        app, demo_db, clock, settings):
    add_long_named_detainees(demo_db)
    bookings = [booked(demo_db, clock, settings, start, room, **changes)
                for start, room, changes in (BOOKINGS[name] for name in
                                             ("李四", "张三丰", "欧阳娜娜", "cancelled"))]
    clock.set(at(2026, 11, 24, 12, 50))
    for booking in bookings:
        admit(demo_db, clock, settings, OFFICER, booking.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_board(pilot)
        assert isinstance(screen, BoardScreen)
        await look(pilot, "board with four waiting", "A001", "A002", "A003", "A004",
                   ("会见室3", "Meeting room 3"),
                   labels=("board.title", "board.waiting"))
        await pilot.press("n")
        await pilot.pause()
        await look(pilot, "board calling A001", ("请A001号到会见室1", "A001: please go to"), "A004",
                   labels=("board.called", "board.waiting"))
        await pilot.press("n", "n")
        await pilot.pause()
        await look(pilot, "board calling A003", ("请A003号到会见室3", "A003: please go to"), "A004",
                   labels=("board.called",))
