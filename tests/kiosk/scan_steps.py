"""Steps of the printing, scan and board tests: bookings made through the use cases, and a
network printer on 127.0.0.1 that can be switched off."""

from __future__ import annotations

import io
import socket
import socketserver
import threading
from datetime import datetime

from kiosk_steps import sign_in
from rich.console import Console
from support import OFFICER, presentation
from textual.pilot import Pilot
from textual.widgets import Static

from booking.clock import SHANGHAI
from booking.meetings import Booking, book
from booking.settings import Settings
from booking.verification import verify_documents
from kiosk.screens.board import BoardScreen
from kiosk.screens.scan import ScanScreen
from printers.connections import ASK_OFFLINE_CAUSE, ASK_PAPER_SENSOR

STATUS_OK = 0x12       # a DLE EOT answer with nothing wrong
PAPER_NEAR_END = 0x1E  # the paper sensor's "nearly out" bits
# A second demo lawyer and detainee (the first is support.presentation(): 王建国 for 李四).
LIU_YANG = dict(cert_no="13101201210456781", letter_lawyer_name="刘洋",
                letter_detainee_name="杨帆", roster_no="2026005", poa_signed_by="杨帆")
ZHANG_WEI = dict(cert_no="13101200610567892", letter_lawyer_name="张伟",
                 letter_detainee_name="林涛", roster_no="2026014", poa_signed_by="林涛")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


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


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (until a FakePrinter takes it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def network_printer(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"printer": settings.printer.model_copy(update={
        "kind": "network", "host": "127.0.0.1", "port": port, "timeout_seconds": 2.0})})


class FakePrinter:
    """A network printer on 127.0.0.1:port: keeps each job's bytes and answers the status
    requests (DLE EOT) with `paper` for the paper sensor."""

    def __init__(self, port: int, paper: int = STATUS_OK) -> None:
        self.jobs: list[bytes] = []
        self.paper = paper
        self._done = threading.Condition()
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(5)
                got = bytearray()
                try:
                    while chunk := conn.recv(65536):
                        got += chunk
                        if got.endswith(ASK_OFFLINE_CAUSE):
                            conn.sendall(bytes([STATUS_OK]))
                        elif got.endswith(ASK_PAPER_SENSOR):
                            conn.sendall(bytes([fake.paper]))
                except OSError:
                    pass
                finally:
                    with fake._done:
                        fake.jobs.append(bytes(got))
                        fake._done.notify_all()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        with self._done:
            if not self._done.wait_for(lambda: len(self.jobs) >= count, timeout):
                raise AssertionError(f"printer got {len(self.jobs)} jobs, not {count}")
            return list(self.jobs)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
