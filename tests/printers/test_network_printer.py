"""T4 with a network printer: a TCP server on 127.0.0.1 stands in for the printer on port 9100.
It records each connection's bytes and answers the status requests (DLE EOT) as told."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time

import pytest
from escpos_reader import read
from printing_steps import at, booking_at, printer_config
from support import OFFICER

from booking.queue import admit, get_ticket, mark_print_failed, mark_printed
from booking.tickets import ticket_for
from printers import PrintFault, TicketPrinter, ticket_documents
from printers.connections import ASK_OFFLINE_CAUSE, ASK_PAPER_SENSOR

STATUS_OK = 0x12          # the fixed bits of a DLE EOT answer, nothing wrong
STATUS = ASK_OFFLINE_CAUSE + ASK_PAPER_SENSOR


class FakePrinter:
    """A network printer on 127.0.0.1. mode: ok, silent (never answers a status request),
    close_after (drops the connection, with a reset, once it has close_after bytes)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.close_after = 0
        self.offline = STATUS_OK
        self.paper = STATUS_OK
        self.jobs: list[bytes] = []
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
                        if fake.mode == "close_after" and len(got) >= fake.close_after:
                            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                            struct.pack("ii", 1, 0))
                            break
                        if fake.mode != "silent" and got.endswith(ASK_OFFLINE_CAUSE):
                            conn.sendall(bytes([fake.offline]))
                        elif fake.mode != "silent" and got.endswith(ASK_PAPER_SENSOR):
                            conn.sendall(bytes([fake.paper]))
                except OSError:
                    pass
                finally:
                    with fake._done:
                        fake.jobs.append(bytes(got))
                        fake._done.notify_all()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        with self._done:
            if not self._done.wait_for(lambda: len(self.jobs) >= count, timeout):
                raise AssertionError(f"printer got {len(self.jobs)} connections, not {count}")
            return self.jobs[:count]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_printer():
    printer = FakePrinter()
    yield printer
    printer.stop()


@pytest.fixture
def queued(centre, clock, settings):
    """A 13:00 booking, the lawyer checked in at 12:50 with ticket A001."""
    booking = booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0))
    clock.set(at(2026, 11, 24, 12, 50))
    admission = admit(centre, clock, settings, OFFICER, booking.id)
    return booking, admission.ticket


def network(settings, port, **changes):
    return printer_config(settings, **{"kind": "network", "host": "127.0.0.1", "port": port,
                                       "timeout_seconds": 2.0, **changes})


def test_t2_network_printer_receives_exactly_the_dummy_bytes(centre, clock, settings, queued,
                                                             fake_printer):
    booking, ticket = queued
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    printer = TicketPrinter(network(settings, fake_printer.port), clock)
    job = printer.print(documents)
    assert job.warning is None and job.files == ()
    [received] = fake_printer.wait_for(1)
    expected = printer.render(documents)  # python-escpos Dummy
    assert received == STATUS + expected + STATUS
    assert job.size == len(expected)
    assert "A001" in read(expected).texts


def test_t4_connection_closed_mid_job_is_a_fault_booking_intact_and_reprint_works(
        centre, clock, settings, queued, fake_printer):
    booking, ticket = queued
    before = centre.table("bookings").get(booking.id)
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    printer = TicketPrinter(network(settings, fake_printer.port), clock)

    fake_printer.mode, fake_printer.close_after = "close_after", 200
    with pytest.raises(PrintFault) as info:
        printer.print(documents)
    assert info.value.kind == "closed"
    assert "重打" in info.value.zh and "reprint" in info.value.en
    failed = mark_print_failed(centre, clock, OFFICER, ticket.id, str(info.value))
    assert failed.print_error == str(info.value) and failed.printed_at is None
    assert centre.table("bookings").get(booking.id) == before  # T4: the booking never moves
    assert get_ticket(centre, clock, ticket.id).label == "A001"

    fake_printer.mode = "ok"  # the printer is back: reprint
    printer.print(documents)
    received = fake_printer.wait_for(2)[1]
    assert received == STATUS + printer.render(documents) + STATUS
    printed = mark_printed(centre, clock, OFFICER, ticket.id)
    assert printed.print_error is None and printed.printed_at == clock.now()
    assert centre.table("bookings").get(booking.id) == before


def test_t4_printer_off_refuses_the_connection(centre, clock, settings, queued):
    booking, _ = queued
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = TicketPrinter(network(settings, port), clock)
    with pytest.raises(PrintFault) as info:
        printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert info.value.kind == "offline" and f"127.0.0.1:{port}" in info.value.zh


@pytest.mark.parametrize("offline, paper, kind", [
    (STATUS_OK, 0x72, "paper_out"),          # paper sensor: roll end
    (STATUS_OK | 0x20, STATUS_OK, "paper_out"),  # stopped at paper end
    (STATUS_OK | 0x04, STATUS_OK, "cover_open"),
])
def test_t4_paper_out_or_cover_open_is_reported_before_the_job(centre, clock, settings, queued,
                                                               fake_printer, offline, paper,
                                                               kind):
    booking, _ = queued
    fake_printer.offline, fake_printer.paper = offline, paper
    printer = TicketPrinter(network(settings, fake_printer.port), clock)
    with pytest.raises(PrintFault) as info:
        printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert info.value.kind == kind
    assert fake_printer.wait_for(1) == [STATUS]  # asked, and sent nothing of the job


def test_t4_paper_nearly_out_prints_with_a_warning(centre, clock, settings, queued,
                                                   fake_printer):
    booking, _ = queued
    fake_printer.paper = 0x1E
    job = TicketPrinter(network(settings, fake_printer.port), clock).print(
        ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert job.warning and "paper is nearly out" in job.warning


def test_t4_a_printer_that_never_answers_status_still_prints(centre, clock, settings, queued,
                                                             fake_printer):
    booking, _ = queued
    fake_printer.mode = "silent"
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    printer = TicketPrinter(network(settings, fake_printer.port, timeout_seconds=0.3), clock)
    started = time.monotonic()
    printer.print(documents)
    assert time.monotonic() - started < 2  # one unanswered request, not one per step
    [received] = fake_printer.wait_for(1)
    assert received == ASK_OFFLINE_CAUSE + printer.render(documents)


def test_t4_status_check_can_be_switched_off(centre, clock, settings, queued, fake_printer):
    booking, _ = queued
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    printer = TicketPrinter(network(settings, fake_printer.port, status_check=False), clock)
    printer.print(documents)
    assert fake_printer.wait_for(1) == [printer.render(documents)]


@pytest.mark.parametrize("changes", [
    {"kind": "usb", "usb_vendor_id": 0x0416, "usb_product_id": 0x5011},
    {"kind": "serial", "serial_device": "/dev/no-such-printer"},
])
def test_t4_usb_and_serial_faults_say_what_to_do(centre, clock, settings, queued, changes):
    booking, _ = queued
    printer = TicketPrinter(printer_config(settings, **changes), clock)
    with pytest.raises(PrintFault) as info:  # no such device here (or no pyusb/pyserial)
        printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert info.value.kind in ("setup", "offline")
    assert info.value.zh and info.value.en


def test_t4_file_printer_faults(centre, clock, settings, queued, tmp_path):
    booking, _ = queued
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    with pytest.raises(PrintFault) as info:
        TicketPrinter(printer_config(settings, folder=blocked), clock).print(documents)
    assert info.value.kind == "printer_error" and str(blocked) in info.value.zh
    with pytest.raises(PrintFault) as info:
        TicketPrinter(printer_config(settings, font=str(tmp_path / "none.ttc")), clock) \
            .print(documents)
    assert info.value.kind == "font" and "printer.font" in info.value.en
    assert not settings.printer.folder.exists()  # a font fault leaves no half job behind
