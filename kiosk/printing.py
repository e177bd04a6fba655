"""T2/T4 at the desk: print a booking's ticket, or a consent form, without holding up the screens.

The database is read and written on the app's thread (its sqlite connection belongs to it);
only the printer job runs in a thread. A printer fault never touches the booking: the ticket
keeps the fault, the officer sees it in the screen's language (the paper stays bilingual), and
F9 prints the job again once the printer is fixed; then the fault's toast, and only it, goes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from weakref import WeakKeyDictionary

from textual.message import Message
from textual.notifications import Notification
from textual.worker import Worker

from booking.errors import DomainError
from booking.notices import permission_notice_for, refusal_slip_for
from booking.queue import Ticket, mark_print_failed, mark_printed, ticket_of
from booking.tickets import TicketData, consent_for, ticket_for
from kiosk.components.toast import Pair, say, split_pair, withdraw
from printers import (
    Document,
    PrintedJob,
    PrintFault,
    TicketPrinter,
    consent_form,
    permission_notice,
    queue_ticket,
    refusal_slip,
    ticket_documents,
)
from printers.faults import detail_of, sentence
from printers.faults import fault as printer_fault

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

FAULT_SECONDS = 60   # a fault stays on screen this long (or until clicked)
DONE_SECONDS = 4
REPRINT_KEY = "F9"

# One job at a time: a network printer takes one connection, and the file printer picks the
# next free file name.
_printer_busy = threading.Lock()
# Per app: how to print again what failed last (F9), and the toast that told the fault.
_last_failure: WeakKeyDictionary[KioskApp, _Job] = WeakKeyDictionary()
_fault_toast: WeakKeyDictionary[KioskApp, Notification] = WeakKeyDictionary()


class PrintFinished(Message):
    """Posted to the screen that asked for a print when the job is out or has failed."""

    def __init__(self, booking_id: int | None, ticket: Ticket | None, fault: PrintFault | None,
                 warning: str | None) -> None:
        super().__init__()
        self.booking_id = booking_id
        self.ticket = ticket
        self.fault = fault
        self.warning = warning


@dataclass(frozen=True)
class _Job:
    what: Pair                     # what is printed, for messages (zh, en)
    documents: Sequence[Document]
    officer: str
    again: Callable[[], object]    # print it again, from fresh data (F9)
    booking_id: int | None = None
    ticket_id: int | None = None   # T4: the print state is kept on the ticket


def print_booking(app: KioskApp, booking_id: int) -> Worker | None:
    """T2/C3: what the desk hands over for a booking: its queue ticket (or, for a later time,
    its booking slip with the QR code) and its 情况说明 when the meeting is not now."""
    return _print_ticket(app, booking_id, ticket_documents,
                         again=lambda: print_booking(app, booking_id))


def print_queue_ticket(app: KioskApp, booking_id: int) -> Worker | None:
    """T2 at check-in: the queue ticket alone (any 情况说明 was handed over at booking)."""
    return _print_ticket(app, booking_id, lambda data, paper_mm: [queue_ticket(data, paper_mm)],
                         again=lambda: print_queue_ticket(app, booking_id))


def reprint(app: KioskApp, booking_id: int) -> Worker | None:
    """T4: print a booking's documents again (after a fault, or lost). The queue number and
    the booking stay as they are."""
    return print_booking(app, booking_id)


def _print_document(app: KioskApp, what: tuple[str, str], read: Callable[[], object],
                    render: Callable[[object, int], Document],
                    again: Callable[[], object]) -> Worker | None:
    """One paper document of the desk: its data read now (a refusal is shown, nothing
    printed), rendered for the paper width, printed in a worker; F9 prints it again."""
    try:
        data = read()
    except DomainError as exc:
        _cannot_print(app, exc)
        return None
    return _start(app, _Job(what=what, documents=[render(data, app.settings.printer.paper_mm)],
                            officer=_officer(app), again=again))


def print_consent(app: KioskApp, request_id: int, room_id: str,
                  start: datetime) -> Worker | None:
    """B5: the interrogation-room consent form, for the lawyer to sign before booking."""
    return _print_document(
        app, ("同意书", "the consent form"),
        lambda: consent_for(app.db, app.clock, app.settings, request_id, room_id, start),
        consent_form, lambda: print_consent(app, request_id, room_id, start))


def print_refusal_slip(app: KioskApp, refusal_id: int) -> Worker | None:
    """V9/C6: the refusal's reasons and the complaint line, for the lawyer to take away."""
    return _print_document(
        app, ("不予会见告知书", "the refusal slip"),
        lambda: refusal_slip_for(app.db, app.clock, app.settings, refusal_id),
        refusal_slip, lambda: print_refusal_slip(app, refusal_id))


def print_permission_notice(app: KioskApp, request_id: int) -> Worker | None:
    """P2/C6: the authority's decision for the lawyer at the desk (with the complaint line
    when it is a refusal)."""
    return _print_document(
        app, ("许可决定通知书", "the permission notice"),
        lambda: permission_notice_for(app.db, app.clock, app.settings, request_id),
        permission_notice, lambda: print_permission_notice(app, request_id))


def reprint_last_failure(app: KioskApp) -> Worker | None:
    """F9: print again what failed last at this kiosk, from fresh data."""
    job = _last_failure.get(app)
    if job is None:
        say(app, ("没有需要重打的内容", "Nothing to reprint"), timeout=DONE_SECONDS)
        return None
    return job.again()


# --- the job --------------------------------------------------------------------------------


def _officer(app: KioskApp) -> str:
    return app.officer or "kiosk"


def _cannot_print(app: KioskApp, exc: DomainError) -> None:
    say(app, (exc.zh, exc.en), title=("不能打印", "Cannot print"), severity="error",
        timeout=FAULT_SECONDS)


def _print_ticket(app: KioskApp, booking_id: int,
                  render: Callable[[TicketData, int], Sequence[Document]],
                  again: Callable[[], object]) -> Worker | None:
    try:
        data = ticket_for(app.db, app.clock, app.settings, booking_id)
    except DomainError as exc:
        _cannot_print(app, exc)
        return None
    ticket = ticket_of(app.db, app.clock, booking_id)
    what = ((f"排队号{ticket.label}", f"ticket {ticket.label}") if ticket
            else (f"预约{booking_id}的预约单", f"the slip of booking {booking_id}"))
    return _start(app, _Job(what=what, documents=render(data, app.settings.printer.paper_mm),
                            officer=_officer(app), again=again, booking_id=booking_id,
                            ticket_id=ticket.id if ticket else None))


def _send(printer: TicketPrinter, documents: Sequence[Document]) -> PrintedJob:
    with _printer_busy:
        return printer.print(documents)


def _start(app: KioskApp, job: _Job) -> Worker:
    screen = app.screen
    printer = TicketPrinter(app.settings.printer, app.clock)

    async def run() -> None:
        try:
            printed = await asyncio.to_thread(_send, printer, job.documents)
        except PrintFault as fault:
            _failed(app, screen, job, fault)
        except Exception as exc:  # a fault of ours: still the officer must know
            log.exception("printing %s failed", job.what[1])
            _failed(app, screen, job, printer_fault("failed", detail_of(exc), where=printer.where))
        else:
            _printed(app, screen, job, printed)

    return app.run_worker(run, name=f"print {job.what[1]}", group="printing",
                          exit_on_error=False)


def _printed(app: KioskApp, screen, job: _Job, printed: PrintedJob) -> None:
    ticket = None
    if job.ticket_id is not None:
        try:
            ticket = mark_printed(app.db, app.clock, job.officer, job.ticket_id)
        except Exception:  # the paper is out; only its record is missing
            log.exception("could not record that ticket %s printed", job.ticket_id)
    failed = _last_failure.get(app)
    if failed is not None and failed.what == job.what:
        del _last_failure[app]
        toast = _fault_toast.pop(app, None)
        if toast is not None:  # issue 12: the fault's toast goes with the fault, only it
            withdraw(app, toast)
    zh, en = job.what
    done = (f"已打印{zh}", f"Printed {en}")
    if printed.warning:
        warn_zh, warn_en = split_pair(printed.warning)
        say(app, (f"{done[0]}\n{warn_zh}", f"{done[1]}\n{sentence(warn_en)}"),
            title=("打印纸", "Paper"), severity="warning", timeout=FAULT_SECONDS)
    else:
        say(app, done, timeout=DONE_SECONDS)
    screen.post_message(PrintFinished(job.booking_id, ticket, None, printed.warning))


KEPT = {"ticket": ("预约已保存，排队号不变。", "The booking is kept, so is the queue number."),
        "booking": ("预约已保存。", "The booking is kept."), None: ("", "")}


def fault_message(what: tuple[str, str], fault: PrintFault,
                  kept: Literal["ticket", "booking"] | None) -> tuple[str, str]:
    """T4/E1: (zh, en) for the officer: what did not print, what is wrong with the printer,
    what to do, and what is kept (the booking, and its queue number if it has one). The
    system's own words (fault.detail) are not the message: they are added below it, and go
    to the log and the audit entry."""
    zh, en = what
    fix_zh, fix_en = fault.with_reprint(REPRINT_KEY)
    kept_zh, kept_en = KEPT[kept]
    return (f"{zh}未打印。{fix_zh}。{kept_zh}".rstrip(),
            f"{sentence(en)} did not print. {sentence(fix_en)}. {kept_en}".rstrip())


def _failed(app: KioskApp, screen, job: _Job, fault: PrintFault) -> None:
    log.warning("printing %s failed: %s [%s]", job.what[1], fault.en, fault.detail)
    ticket = None
    if job.ticket_id is not None:
        try:
            ticket = mark_print_failed(app.db, app.clock, job.officer, job.ticket_id, str(fault),
                                       detail=fault.detail or None)
        except Exception:  # the fault must reach the officer even if it cannot be stored
            log.exception("could not record the print fault of ticket %s", job.ticket_id)
    _last_failure[app] = job
    kept = ("ticket" if job.ticket_id is not None
            else "booking" if job.booking_id is not None else None)
    zh, en = fault_message(job.what, fault, kept)
    if fault.detail:  # the system's own words, last (they are not translated)
        zh, en = f"{zh}\n技术信息：{fault.detail}", f"{en}\nDetail: {fault.detail}"
    previous = _fault_toast.pop(app, None)
    if previous is not None:  # one fault toast: the latest fault's
        withdraw(app, previous)
    _fault_toast[app] = say(app, (zh, en), title=("打印故障", "Printer fault"),
                            severity="error", timeout=FAULT_SECONDS)
    screen.post_message(PrintFinished(job.booking_id, ticket, fault, None))
