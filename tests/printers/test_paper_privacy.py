"""S3 (with T2, C3, B5, Q1): nothing printed for the lawyer shows an ID number or a detainee's
unmasked name: the booking slip, the queue ticket, the 情况说明 (even when the officer typed
the name and ID number into the reason), the consent form and the printer test page. Each is
read three ways: the documents' lines, the ESC/POS bytes as the printer reads them (GB18030
with the printer's QR, GBK with the QR as a picture), and the file printer's bytes and PNG
preview; every QR code on the paper is decoded, and every line sent as a picture must be the
drawing of a line already checked.
"""

from __future__ import annotations

import pytest
import zxingcpp
from escpos_reader import read
from PIL import Image, ImageChops
from printing_steps import at, booking_at, printer_config
from support import (
    BOOKING_CODE_SHAPE,
    LONG_NAMED,
    OFFICER,
    add_long_named_detainees,
    assert_nothing_private,
    private_data,
)

from booking.queue import admit
from booking.tickets import consent_for, ticket_for
from printers import TicketPrinter, consent_form, printer_test_page, ticket_documents
from printers.documents import Document, Qr, Text
from printers.pictures import find_font, line_picture

DETAINEES = [("2026001", "李四", "李*", "310101198503120428"),
             *((roster_no, name, masked, id_no) for (roster_no, name, id_no), masked
               in zip(LONG_NAMED, ("张*丰", "欧**娜", "𠮷*远"), strict=True))]


def lines(documents: list[Document]) -> list[Text]:
    return [block for document in documents for block in document.blocks
            if isinstance(block, Text)]


def payloads(documents: list[Document]) -> list[str]:
    return [block.payload for document in documents for block in document.blocks
            if isinstance(block, Qr)]


def decoded(picture: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(picture)]


def check_payload(payload: str, db, where: str) -> None:
    assert payload == "TEST" or BOOKING_CODE_SHAPE.match(payload), \
        f"{where}: the QR code holds {payload!r}"
    assert_nothing_private(payload, db, where)


@pytest.fixture
def papers(centre, clock, settings, request) -> tuple[list[Document], str, str]:
    """Everything printed for one detainee's lawyer: at 09:00 the booking slip for 13:00 with
    its 情况说明, whose reason the officer typed with the detainee's name and ID number, and
    the consent form for an interrogation room; at 12:50 the queue ticket; the test page.
    Returns the documents, the masked name with the roster number as printed, and the name."""
    roster_no, name, masked, id_no = request.param
    add_long_named_detainees(centre)
    booking = booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0), reason="other",
                         reason_text=f"{name}（身份证号{id_no}）正在提审",
                         roster_no=roster_no, letter_detainee_name=name, poa_signed_by=name)
    paper_mm = settings.printer.paper_mm
    documents = [*ticket_documents(ticket_for(centre, clock, settings, booking.id), paper_mm),
                 consent_form(consent_for(centre, clock, settings, booking.request_id, "I1",
                                          booking.start), paper_mm)]
    clock.set(at(2026, 11, 24, 12, 50))
    admit(centre, clock, settings, OFFICER, booking.id)
    documents += [*ticket_documents(ticket_for(centre, clock, settings, booking.id), paper_mm),
                  printer_test_page(settings.centre.name, paper_mm, "GB18030", clock.now())]
    assert [d.kind for d in documents] == ["ticket", "explanation", "consent", "ticket",
                                           "explanation", "test_page"]
    return documents, f"{masked}（编号{roster_no}）", name


@pytest.mark.parametrize("papers", DETAINEES, indirect=True, ids=[d[1] for d in DETAINEES])
def test_s3_printed_papers_show_no_id_number_and_no_full_name(centre, clock, settings, papers):
    documents, masked, name = papers
    paper_mm = settings.printer.paper_mm
    assert {name, *(id_no for *_, id_no in DETAINEES)} <= private_data(centre).keys()

    # The documents as laid out: each line, and read on across the line breaks (a name may be
    # wrapped); the QR codes' payloads.
    for document in documents:
        text = "\n".join(line.text for line in lines([document]))
        assert_nothing_private(text, centre, f"the printed {document.kind}")
        assert_nothing_private(text.replace("\n", ""), centre,
                               f"the printed {document.kind}, read across line breaks")
        if document.kind != "test_page":
            assert masked in text.replace("\n", ""), \
                f"the {document.kind} should show {masked}:\n{text}"
    for payload in payloads(documents):
        check_payload(payload, centre, "a QR code's payload")

    # The ESC/POS bytes, read back as the printer reads them.
    font = find_font(settings.printer.font)
    drawn = [line_picture(line, font, paper_mm).convert("L") for line in lines(documents)]
    for encoding, qr in (("GB18030", "native"), ("GBK", "image")):
        where = f"the ESC/POS bytes ({encoding}, QR {qr})"
        job = TicketPrinter(printer_config(settings, encoding=encoding, qr=qr), clock) \
            .render(documents)
        printout = read(job, encoding.lower())
        assert_nothing_private("\n".join(printout.texts), centre, f"{where}, text lines")
        assert_nothing_private(job.decode(encoding.lower(), "replace"), centre,
                               f"{where}, decoded whole")
        for secret in (name, name[1:]) if len(name) > 2 else (name,):
            for codec in ("gb18030", "utf-8"):
                assert secret.encode(codec) not in job, f"{where} holds {secret} in {codec}"
        codes = list(printout.qr_codes)
        for picture in printout.pictures:  # a QR code, or a line the font lacks
            found = decoded(picture)
            if found:
                codes += found
                continue
            assert any(picture.size == line.size and
                       ImageChops.difference(picture, line).getbbox() is None
                       for line in drawn), f"{where}: a picture that is none of the lines"
        assert len(codes) == len(payloads(documents)), f"{where}: QR codes {codes}"
        for payload in codes:
            check_payload(payload, centre, f"the QR code in {where}")
        if name.startswith("𠮷"):  # the masked name went as a picture: it was checked above
            assert not any("*远" in text for text in printout.texts)
            assert len(printout.pictures) > len(codes)

    # The file printer: its bytes and the PNG preview, whose QR codes are read back.
    printed = TicketPrinter(settings.printer, clock).print(documents)
    bin_path, png_path = printed.files
    assert bin_path.read_bytes() == TicketPrinter(settings.printer, clock).render(documents)
    preview = Image.open(png_path)
    expected = TicketPrinter(settings.printer, clock).preview(documents)
    assert ImageChops.difference(preview.convert("L"), expected).getbbox() is None
    codes = decoded(preview)
    assert sorted(codes) == sorted(payloads(documents))
    for payload in codes:
        check_payload(payload, centre, f"the QR code in {png_path.name}")
