"""Steps of the printing, scan and board tests: bookings made through the use cases. The
network printer they print to is tests/fake_printer.py."""

from __future__ import annotations

import importlib.util
import io
import sys
from datetime import datetime
from pathlib import Path

from kiosk_steps import sign_in
from rich.console import Console
from support import OFFICER, ROOT, presentation
from textual.pilot import Pilot
from textual.widgets import Static

from booking.clock import SHANGHAI
from booking.meetings import Booking, book
from booking.settings import Settings
from booking.verification import verify_documents
from kiosk.screens.board import BoardScreen
from kiosk.screens.scan import ScanScreen

# A second demo lawyer and detainee (the first is support.presentation(): 王建国 for 李四).
LIU_YANG = dict(cert_no="13101201210456781", letter_lawyer_name="刘洋",
                letter_detainee_name="杨帆", roster_no="2026005", poa_signed_by="杨帆")
ZHANG_WEI = dict(cert_no="13101200610567892", letter_lawyer_name="张伟",
                 letter_detainee_name="林涛", roster_no="2026014", poa_signed_by="林涛")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def printout(job: Path | bytes):
    """What a printer would make of a job (the file printer's file, or the bytes a network
    printer got): tests/printers/escpos_reader.py, loaded here when only kiosk tests run."""
    reader = sys.modules.get("escpos_reader")
    if reader is None:
        spec = importlib.util.spec_from_file_location(
            "escpos_reader", ROOT / "tests" / "printers" / "escpos_reader.py")
        reader = importlib.util.module_from_spec(spec)
        sys.modules["escpos_reader"] = reader
        spec.loader.exec_module(reader)
    return reader.read(job.read_bytes() if isinstance(job, Path) else job)


def booked(db, clock, settings: Settings, start: datetime, room: str = "M1",
           **changes) -> Booking:
    """Verified now and booked at start (a reason given when start is not now)."""
    request = verify_documents(db, clock, OFFICER, presentation(**changes)).request
    reason = None if start == clock.now() else "rooms_busy"
    return book(db, clock, settings, OFFICER, request.id, room, start, delay_reason=reason)


def state(db) -> dict:
    """Everything a scan could change, row by row."""
    return {table: list(db.query(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in ("bookings", "tickets", "meeting_requests", "audit_log")}


def shown_text(widget: Static, width: int = 110) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


async def scan(pilot: Pilot, code: str, typed: bool = True) -> ScanScreen:
    """The scanner types the code and Enter into the scan screen (F7 opens it). typed=False
    puts the code into the field at once (many scans in one test) and presses Enter."""
    if not isinstance(pilot.app.screen, ScanScreen):
        await pilot.press("f7")
        await pilot.pause()
    if typed:
        await pilot.press(*code, "enter")
    else:
        pilot.app.screen.code_input.value = code
        await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.screen


async def open_board(pilot: Pilot) -> BoardScreen:
    """Sign in and open the now-serving board (F6)."""
    await sign_in(pilot)
    await pilot.press("f6")
    await pilot.pause()
    return pilot.app.screen
