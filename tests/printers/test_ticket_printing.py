"""T2, C3, B5, S3, Q1: tickets as ESC/POS through python-escpos, read back byte by byte, and
their PNG previews read by a real QR decoder; the decoded code checks the lawyer in."""

from __future__ import annotations

import pytest
import zxingcpp
from escpos_reader import read
from PIL import Image
from printing_steps import at, booking_at, printer_config
from pydantic import ValidationError
from support import LAWYER, OFFICER

from booking.qr import check_in_by_code
from booking.settings import Printer
from booking.tickets import consent_for, mask_name, ticket_for
from printers import (
    TicketPrinter,
    consent_form,
    explanation,
    printer_test_page,
    queue_ticket,
    ticket_documents,
)
from printers.documents import COLUMNS, Document, Text, display_width
from printers.esc_pos import printer_can_show

ID_NUMBER = "310101198503120428"  # 李四's, never printed (S3)


@pytest.fixture
def later_today(centre, clock, settings):
    """A 13:00 booking made at 09:00 (rooms busy): a booking slip now, a ticket on arrival."""
    return booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0))


def decode_qr(picture: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(picture)]


@pytest.mark.parametrize("name, masked", [
    ("张三丰", "张*丰"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("买买提·艾力", "买****力"),
    ("王", "*"),
])
def test_s3_detainee_names_are_masked(name, masked):
    assert mask_name(name) == masked


def test_t2_ticket_bytes_carry_gb18030_text_and_the_native_qr(centre, clock, settings,
                                                            later_today):
    clock.set(at(2026, 11, 24, 12, 50))
    data = ticket_for(centre, clock, settings, later_today.id)
    assert data.queue_label is None  # not here yet: a booking slip with the code
    printer = TicketPrinter(printer_config(settings, qr="native"), clock)
    job = printer.render(ticket_documents(data, 80))
    printout = read(job)
    assert printout.chinese_mode and job.startswith(b"\x1b@\x1c&")  # ESC @, FS &
    text = "\n".join(printout.texts)
    assert "王建国" in text and "上海申正律师事务所" in text
    assert "在押人员：李*（编号2026001）" in printout.texts
    assert "48小时期限：2026年11月26日 09:00" in printout.texts
    assert "预约时间：2026年11月24日 13:00-14:00" in printout.texts
    assert "情况说明" in printout.texts and "会见室已满" in text  # C3: not immediate
    assert "李四" not in job.decode("gb18030", "replace")
    assert ID_NUMBER.encode() not in job
    assert "王建国".encode("gb18030") in job
    assert printout.cuts == 2  # the ticket and the 情况说明, cut apart
    assert printout.pictures == []  # every line fits the printer's own font

    # Q1-Q3: the code stored in the printer's GS ( k command checks the lawyer in.
    [code] = printout.qr_codes
    assert code == data.qr_code
    result = check_in_by_code(centre, clock, settings, OFFICER, code)
    assert result.ticket.label == "A001" and not result.repeat
    assert (result.lawyer_name, result.cert_no) == ("王建国", LAWYER)
    reprint = read(printer.render(ticket_documents(
        ticket_for(centre, clock, settings, later_today.id), 80)))
    assert "A001" in reprint.texts and "取号时间：2026年11月24日 12:50" in reprint.texts


def test_t2_qr_as_picture_decodes_from_the_raster(centre, clock, settings, later_today):
    clock.set(at(2026, 11, 24, 12, 50))
    data = ticket_for(centre, clock, settings, later_today.id)
    printout = read(TicketPrinter(printer_config(settings, qr="image"), clock)
                    .render([queue_ticket(data, 80)]))
    assert printout.qr_codes == []
    decoded = [text for picture in printout.pictures for text in decode_qr(picture)]
    assert decoded == [data.qr_code]
    assert check_in_by_code(centre, clock, settings, OFFICER, decoded[0]).ticket.label == "A001"


def test_t2_file_printer_writes_bytes_and_a_png_whose_qr_checks_in(centre, clock, settings,
                                                                  later_today):
    clock.set(at(2026, 11, 24, 12, 50))
    data = ticket_for(centre, clock, settings, later_today.id)
    printer = TicketPrinter(settings.printer, clock)
    documents = ticket_documents(data, settings.printer.paper_mm)
    job = printer.print(documents)
    bin_path, png_path = job.files
    assert bin_path.parent == settings.printer.folder
    assert bin_path.name == "20261124-125000-ticket+explanation.bin"
    assert bin_path.read_bytes() == printer.render(documents)  # the same bytes as python-escpos' Dummy
    preview = Image.open(png_path)
    assert preview.width == 576 + 32  # 80 mm: 576 dots, plus the preview's white edge
    assert decode_qr(preview) == [data.qr_code]
    result = check_in_by_code(centre, clock, settings, OFFICER, decode_qr(preview)[0])
    assert result.ticket.label == "A001"
    again = printer.print(documents)  # same second: a second pair of files, none overwritten
    assert again.files[0].name == "20261124-125000-ticket+explanation-2.bin"


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_t2_lines_fit_the_paper(centre, clock, settings, later_today, paper_mm):
    data = ticket_for(centre, clock, settings, later_today.id)
    consent = consent_for(centre, clock, settings, later_today.request_id, "I1",
                          at(2026, 11, 24, 13, 0))
    documents = [*ticket_documents(data, paper_mm), consent_form(consent, paper_mm),
                 printer_test_page(settings.centre.name, paper_mm, "GB18030", clock.now())]
    printout = read(TicketPrinter(printer_config(settings, paper_mm=paper_mm), clock)
                    .render(documents))
    for line in printout.lines:
        limit = COLUMNS[paper_mm] // 2 if line.large else COLUMNS[paper_mm]
        assert display_width(line.text) <= limit, line.text
    for picture in printout.pictures:
        assert picture.width <= {58: 384, 80: 576}[paper_mm]


def test_b5_consent_form_has_signature_line_and_devices_off_statement(centre, clock, settings,
                                                                       later_today):
    consent = consent_for(centre, clock, settings, later_today.request_id, "I1",
                          at(2026, 11, 24, 13, 0))
    assert consent.detainee_masked == "李*"
    text = "".join(read(TicketPrinter(settings.printer, clock)
                        .render([consent_form(consent, 80)])).texts)
    assert "使用讯问室会见同意书" in text
    assert "关闭该讯问室的录音、录像、监听设备" in text
    assert "律师签名" in text and "____" in text
    assert "王建国" in text and LAWYER in text and "讯问室1" in text
    with pytest.raises(Exception, match="B5"):
        consent_for(centre, clock, settings, later_today.request_id, "M1", clock.now())


def test_c3_explanation_only_when_not_immediate(centre, clock, settings):
    now = booking_at(centre, clock, settings, clock.now())
    data = ticket_for(centre, clock, settings, now.id)
    assert data.explanation is None and [d.kind for d in ticket_documents(data, 80)] == ["ticket"]
    with pytest.raises(ValueError):
        explanation(data, 80)


def test_t2_line_the_printer_font_lacks_is_sent_as_a_picture(clock, settings):
    # 𠮷 (extension B) is outside GBK and GB18030 printer fonts; 㐀 (extension A) is in
    # GB18030 printers' fonts but not GBK ones.
    assert not printer_can_show("𠮷", "GB18030") and not printer_can_show("😀", "GB18030")
    assert printer_can_show("㐀", "GB18030") and not printer_can_show("㐀", "GBK")
    document = Document("test", (Text("律师：王建国"), Text("在押人员：𠮷*明"), Text("㐀")))
    gb18030 = read(TicketPrinter(printer_config(settings, encoding="GB18030"), clock)
                   .render([document]))
    assert gb18030.texts == ["律师：王建国", "㐀"] and len(gb18030.pictures) == 1
    gbk = read(TicketPrinter(printer_config(settings, encoding="GBK"), clock)
               .render([document]), encoding="gbk")
    assert gbk.texts == ["律师：王建国"] and len(gbk.pictures) == 2
    picture = gb18030.pictures[0]
    assert picture.getextrema() == (0, 255)  # dark ink on white paper


def test_t2_test_page_prints(clock, settings):
    job = TicketPrinter(settings.printer, clock).print(
        [printer_test_page(settings.centre.name, 80, "GB18030", clock.now())])
    assert [p.suffix for p in job.files] == [".bin", ".png"]
    assert decode_qr(Image.open(job.files[1])) == ["TEST"]


def test_printer_and_qr_settings_from_the_repo_config(settings):
    assert (settings.printer.encoding, settings.printer.qr, settings.printer.font) == \
        ("GB18030", "native", "")
    assert (settings.qr.valid_hours_after_start, settings.qr.grace_days) == (12, 30)
    with pytest.raises(ValidationError, match="usb_vendor_id"):
        Printer(kind="usb")
    with pytest.raises(ValidationError, match="encoding"):
        Printer(encoding="UTF-8")
