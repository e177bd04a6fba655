"""C6 complaint line on the refusal slip, the 情况说明 and the permission-refusal notice; P2
permission notices. Each is printed to the file printer, and the ESC/POS bytes are read back."""

from __future__ import annotations

from escpos_reader import read
from printing_steps import at, booking_at
from support import OFFICER, presentation

from booking.complaints import complaint_line
from booking.notices import permission_notice_for, refusal_slip_for
from booking.permission import record_permission
from booking.tickets import ticket_for
from booking.verification import verify_documents
from printers import TicketPrinter, explanation, permission_notice, refusal_slip

NATIONAL_SECURITY = dict(roster_no="2026030", letter_detainee_name="郑毅", poa_signed_by="郑毅")


def printed(settings, clock, document):
    """Print to the file printer; return the text read back from its bytes, and the files."""
    job = TicketPrinter(settings.printer, clock).print([document])
    bin_file, png_file = job.files
    return "".join(read(bin_file.read_bytes()).texts), png_file


def assert_complaint(text: str, settings) -> None:
    assert "同级或者上一级人民检察院" in text and "10日内书面答复" in text
    assert settings.centre.procuratorate_name in text
    assert "answer in" in text and "10 days" in text


def test_c6_complaint_line_names_the_configured_procuratorate(settings):
    line = complaint_line(settings)
    assert settings.centre.procuratorate_name in line.zh
    assert settings.centre.procuratorate_address in line.zh
    assert "10日内书面答复" in line.zh and "within 10 days" in line.en
    unnamed = settings.model_copy(update={"centre": settings.centre.model_copy(
        update={"procuratorate_name": "", "procuratorate_address": ""})})
    assert "同级或者上一级人民检察院提出申诉" in complaint_line(unnamed).zh


def test_c6_v9_refusal_slip_prints_reasons_and_the_complaint_line(centre, clock, settings):
    result = verify_documents(centre, clock, OFFICER, presentation(
        cert_no="13101201510234567", letter_lawyer_name="赵敏"))
    slip = refusal_slip_for(centre, clock, settings, result.refusal_id)
    assert slip.rules == ["V4"] and slip.detainee_masked == "李*"
    text, png = printed(settings, clock, refusal_slip(slip, settings.printer.paper_mm))
    assert "不予安排会见告知书" in text and "V4" in text and "停止执业" in text
    assert_complaint(text, settings)
    assert "李四" not in text  # S3
    assert png.stat().st_size > 0


def test_c6_explanation_prints_the_complaint_line(centre, clock, settings):
    booking = booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0))
    data = ticket_for(centre, clock, settings, booking.id)
    text, png = printed(settings, clock, explanation(data, settings.printer.paper_mm))
    assert "情况说明" in text
    assert_complaint(text, settings)
    assert png.exists()


def test_p2_c6_permission_refusal_notice_says_decision_reference_and_complaint(
        centre, clock, settings):
    request = verify_documents(centre, clock, OFFICER, presentation(
        **NATIONAL_SECURITY, lawyer_phone="13800138000")).request
    record_permission(centre, clock, OFFICER, request.id, False, "沪国安不许〔2026〕1号",
                      lawyer_present=True)
    notice = permission_notice_for(centre, clock, settings, request.id)
    text, _ = printed(settings, clock, permission_notice(notice, settings.printer.paper_mm))
    assert "不许可会见通知" in text and "沪国安不许〔2026〕1号" in text
    assert_complaint(text, settings)
    assert "13800138000" not in text  # P2: the phone is never printed
    assert "郑毅" not in text  # S3


def test_p2_permission_grant_notice_says_the_clock_started_and_its_deadline(
        centre, clock, settings):
    clock.set(at(2026, 11, 24, 10, 0))
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    record_permission(centre, clock, OFFICER, request.id, True, "沪国安许〔2026〕7号",
                      lawyer_present=True)
    notice = permission_notice_for(centre, clock, settings, request.id)
    text, _ = printed(settings, clock, permission_notice(notice, settings.printer.paper_mm))
    assert "许可会见通知" in text and "沪国安许〔2026〕7号" in text
    assert "48小时会见期限自2026年11月24日 10:00起算" in text
    assert "2026年11月26日 10:00" in text
    assert "申诉" not in text  # a grant carries no complaint line
