"""T4 with a network printer: tests/fake_printer.py stands in for the printer on port 9100.
It records each connection's bytes and answers the status requests (DLE EOT) as told."""

from __future__ import annotations

import json
import time

import pytest
from escpos_reader import read
from fake_printer import COVER_OPEN, PAPER_END, PAPER_NEAR_END, STATUS, STATUS_OK
from printing_steps import at, booking_at, printer_config
from support import OFFICER

from booking.queue import admit, get_ticket, mark_print_failed, mark_printed
from booking.tickets import ticket_for
from printers import PrintFault, TicketPrinter, ticket_documents
from printers.connections import ASK_OFFLINE_CAUSE


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


def no_raw_error(fault: PrintFault) -> None:
    """E1: the message says what is wrong and what to do; the system's words stay in detail."""
    for text in (fault.zh, fault.en):
        assert "\n" not in text and "Errno" not in text and "Device not found" not in text


def test_t4_connection_closed_mid_job_is_a_fault_booking_intact_and_reprint_works(
        centre, clock, settings, queued, fake_printer):
    booking, ticket = queued
    before = centre.table("bookings").get(booking.id)
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    printer = TicketPrinter(network(settings, fake_printer.port), clock)

    fake_printer.mode, fake_printer.close_after = "close_after", 200
    with pytest.raises(PrintFault) as info:
        printer.print(documents)
    fault = info.value
    assert fault.kind == "closed"
    assert fault.zh == f"打印中打印机断开了连接（{fake_printer.address}）：请检查打印机电源和网线"
    assert fault.en == (f"printer dropped the connection while printing ({fake_printer.address}):"
                        " check its power and network cable")
    assert fault.detail and not fault.detail.startswith("打印")
    no_raw_error(fault)
    failed = mark_print_failed(centre, clock, OFFICER, ticket.id, str(fault), fault.detail)
    assert failed.print_error == str(fault) and failed.printed_at is None
    assert centre.table("bookings").get(booking.id) == before  # T4: the booking never moves
    assert get_ticket(centre, clock, ticket.id).label == "A001"
    [entry] = centre.query("SELECT detail FROM audit_log WHERE action = 'ticket_print_failed'")
    assert json.loads(entry["detail"]) == {"error": str(fault), "detail": fault.detail}

    fake_printer.mode = "ok"  # the printer is back: reprint
    printer.print(documents)
    received = fake_printer.wait_for(2)[1]
    assert received == STATUS + printer.render(documents) + STATUS
    printed = mark_printed(centre, clock, OFFICER, ticket.id)
    assert printed.print_error is None and printed.printed_at == clock.now()
    assert centre.table("bookings").get(booking.id) == before


def test_t4_printer_off_refuses_the_connection_and_prints_once_on_again(
        centre, clock, settings, queued, fake_printer):
    booking, _ = queued
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    printer = TicketPrinter(network(settings, fake_printer.port), clock)
    fake_printer.switch_off()
    with pytest.raises(PrintFault) as info:
        printer.print(documents)
    fault = info.value
    assert fault.kind == "offline"
    assert fault.zh == f"打印机未连接（{fake_printer.address}）：请检查打印机电源和网线"
    assert fault.en == (f"printer not reachable ({fake_printer.address}): check its power and"
                        " network cable")
    assert fault.detail == "ConnectionRefusedError: [Errno 111] Connection refused"
    no_raw_error(fault)

    fake_printer.switch_on()
    printer.print(documents)
    assert fake_printer.wait_for(1) == [STATUS + printer.render(documents) + STATUS]


def test_t4_a_printer_that_hangs_times_out_with_its_own_message(centre, clock, settings,
                                                               queued, fake_printer):
    booking, _ = queued
    fake_printer.hang()
    printer = TicketPrinter(network(settings, fake_printer.port, timeout_seconds=0.3), clock)
    started = time.monotonic()
    with pytest.raises(PrintFault) as info:
        printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert time.monotonic() - started < 2
    fault = info.value
    assert fault.kind == "timeout"
    assert fault.zh == f"打印机无响应（{fake_printer.address}）：请检查打印机电源和网线"
    assert fault.en == (f"printer not responding ({fake_printer.address}): check its power and"
                        " network cable")
    assert "timed out" in fault.detail
    no_raw_error(fault)


@pytest.mark.parametrize("offline, paper, kind, zh, en", [
    (STATUS_OK, PAPER_END, "paper_out",  # paper sensor: roll end
     "打印机缺纸：请装入新纸卷并合上打印机盖", "printer out of paper: load a new roll and close the cover"),
    (STATUS_OK | 0x20, STATUS_OK, "paper_out",  # stopped at paper end
     "打印机缺纸：请装入新纸卷并合上打印机盖", "printer out of paper: load a new roll and close the cover"),
    (COVER_OPEN, STATUS_OK, "cover_open", "打印机盖未关好：请合上打印机盖",
     "printer cover open: close the cover"),
])
def test_t4_paper_out_or_cover_open_is_reported_before_the_job(centre, clock, settings, queued,
                                                               fake_printer, offline, paper,
                                                               kind, zh, en):
    booking, _ = queued
    fake_printer.offline, fake_printer.paper = offline, paper
    printer = TicketPrinter(network(settings, fake_printer.port), clock)
    with pytest.raises(PrintFault) as info:
        printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert (info.value.kind, info.value.zh, info.value.en) == (kind, zh, en)
    assert info.value.detail == f"status offline-cause 0x{offline:02x}, paper-sensor 0x{paper:02x}"
    assert fake_printer.wait_for(1) == [STATUS]  # asked, and sent nothing of the job


def test_t4_paper_nearly_out_prints_with_a_warning(centre, clock, settings, queued,
                                                   fake_printer):
    booking, _ = queued
    fake_printer.paper = PAPER_NEAR_END
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
    fault = info.value
    assert fault.kind in ("setup", "no_device")
    assert "：请" in fault.zh and ": " in fault.en and fault.detail
    no_raw_error(fault)


def test_t4_file_printer_faults(centre, clock, settings, queued, tmp_path):
    booking, _ = queued
    documents = ticket_documents(ticket_for(centre, clock, settings, booking.id), 80)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    with pytest.raises(PrintFault) as info:
        TicketPrinter(printer_config(settings, folder=blocked), clock).print(documents)
    fault = info.value
    assert fault.kind == "folder"
    assert fault.zh == f"无法写入打印文件夹（{blocked}）：请检查该文件夹存在、可以写入且磁盘有空间"
    assert fault.en == (f"cannot write to the printer folder ({blocked}): check it exists, is"
                        " writable and the disk has space")
    assert "FileExistsError" in fault.detail or "NotADirectoryError" in fault.detail
    no_raw_error(fault)
    with pytest.raises(PrintFault) as info:
        TicketPrinter(printer_config(settings, font=str(tmp_path / "none.ttc")), clock) \
            .print(documents)
    assert info.value.kind == "font" and "printer.font" in info.value.en
    assert not settings.printer.folder.exists()  # a font fault leaves no half job behind
