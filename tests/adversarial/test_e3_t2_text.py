"""E3/T2 as an attacker tries them: control characters, NUL, zero-width and look-alike digits
in imported and typed fields; overlong fields; and a firm name carrying ESC/POS commands that
must never reach a printer as one (network printer: tests/fake_printer.py; file printer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_printer import STATUS
from support import LAWYER, OFFICER, at, presentation

from booking.errors import DomainError
from booking.fields import LIMITS, FieldError, clean
from booking.imports import import_file
from booking.meetings import book
from booking.staff import add_staff, sign_in
from booking.tickets import ticket_for
from booking.verification import verify_documents
from kiosk.cli import main
from printers import TicketPrinter, ticket_documents
from printers.documents import printable
from printers.esc_pos import ChineseWriter

HEADER = "roster_no,name,id_no,case_no,charge_category,stage,case_unit,status"
LI = "{roster},{name},310101198503121738,沪公黄刑立字〔2026〕0101号,fraud,prosecution,上海市黄浦区人民检察院,in_custody"
LAWYERS = "cert_no,name,firm_name,firm_code,status,assessed_year"
WANG = "13101200910123456,王建国,{firm},3131010142QXJNP17A,active,2025"

# ESC @ (reset), GS V (cut), DLE DC4 (drawer pulse), NUL: the commands of issue 11 point 4.
COMMANDS = "\x1b@\x1dV\x00\x10\x14\x01\x00\x05"
BAD_CHARACTERS = {
    "nul": "\x00", "esc": "\x1b", "gs": "\x1d", "dle": "\x10", "del": "\x7f", "c1_csi": "\x9b",
    "tab": "\t", "line_feed": "\n", "zero_width_space": "\u200b", "zero_width_joiner": "\u200d",
    "bom": "\ufeff", "rtl_override": "\u202e", "word_joiner": "\u2060", "soft_hyphen": "\u00ad",
    "variation_selector": "\ufe0f", "hangul_filler": "\u3164", "line_separator": "\u2028",
    "private_use": "\ue000", "lone_surrogate": "\ud800",
}
LOOK_ALIKE_DIGITS = {"arabic_indic": "٢٠٢٦٠٠١", "eastern_arabic": "۲۰۲۶۰۰۱",
                     "devanagari": "२०२६००१", "bengali": "২০২৬০০১"}


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return path


@pytest.mark.parametrize("name", sorted(BAD_CHARACTERS))
def test_e3_t2_every_refused_character_is_refused_in_every_field_kind(name):
    ch = BAD_CHARACTERS[name]
    for kind in ("key", "name", "text"):
        with pytest.raises(FieldError) as info:
            clean(f"20{ch}26", kind)
        assert f"U+{ord(ch):04X}" in str(info.value) and "character 3" in info.value.en


@pytest.mark.parametrize("name", ["nul", "esc", "zero_width_space", "rtl_override"])
def test_e3_roster_key_with_a_hidden_character_is_refused_not_a_second_detainee(
        registers, clock, tmp_path, name):
    """Issue 11 point 4: `2026001\\0` became a second detainee."""
    ch = BAD_CHARACTERS[name]
    path = write(tmp_path, "roster.csv", HEADER, LI.format(roster=f"2026001{ch}", name="李四"))
    before = registers.table("detainees").count
    report = import_file(registers, clock, "cli", "detainees", path)
    assert report.imported == 0
    [error] = report.errors
    assert (error.line, error.field) == (2, "roster_no")
    assert f"U+{ord(ch):04X}" in error.reason
    assert registers.table("detainees").count == before


def test_e3_full_width_digits_are_the_same_key_nfkc(registers, clock, tmp_path):
    """NFKC: ２０２６００１ is 2026001, so the row updates 李四 instead of adding a twin."""
    path = write(tmp_path, "roster.csv", HEADER, LI.format(roster="２０２６００１", name="李四"))
    before = registers.table("detainees").count
    report = import_file(registers, clock, "cli", "detainees", path)
    assert (report.errors, report.inserted, report.updated) == ([], 0, 1)
    assert registers.table("detainees").count == before


@pytest.mark.parametrize("script", sorted(LOOK_ALIKE_DIGITS))
def test_e3_look_alike_digits_are_refused_in_keys(registers, clock, tmp_path, script):
    path = write(tmp_path, "roster.csv", HEADER,
                 LI.format(roster=LOOK_ALIKE_DIGITS[script], name="李四"))
    report = import_file(registers, clock, "cli", "detainees", path)
    [error] = report.errors
    assert error.field == "roster_no" and "use the digits 0-9" in error.reason
    assert report.imported == 0


def test_e3_overlong_field_is_refused_with_the_limit_named(registers, clock, tmp_path):
    path = write(tmp_path, "roster.csv", HEADER,
                 LI.format(roster="2026099", name="李" * (LIMITS["name"] + 1)))
    [error] = import_file(registers, clock, "cli", "detainees", path).errors
    assert error.field == "name"
    assert f"at most {LIMITS['name']} characters" in error.reason
    assert f"最多{LIMITS['name']}个字符" in error.reason


def test_e3_t2_firm_name_with_printer_commands_is_refused_at_import(registers, clock,
                                                                   tmp_path):
    path = write(tmp_path, "lawyers.csv", LAWYERS,
                 WANG.format(firm=f"上海申正{COMMANDS}律师事务所"))
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "test.db"), "import", "lawyers",
                                       str(path)])
    assert result.exit_code == 1, result.output
    assert "line 2: firm_name" in result.output and "U+001B" in result.output
    assert registers.table("lawyers").get(LAWYER)["firm_name"] == "上海申正律师事务所"


def test_e3_lone_surrogate_in_json_is_a_row_error_not_a_traceback(tmp_path):
    """E4: a lone surrogate (\\ud800) in a JSON value and in a JSON key."""
    path = tmp_path / "roster.json"
    row = dict(zip(HEADER.split(","), LI.format(roster="2026009", name="李四").split(","),
                   strict=True))
    path.write_text(json.dumps([{**row, "name": "李\ud800四"}, {**row, "x\udfff": "1"}]),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "k.db"), "import", "detainees",
                                       str(path)])
    assert result.exit_code == 1 and result.exception is None or isinstance(
        result.exception, SystemExit), result.exception
    assert "line 1: name" in result.output and "U+D800" in result.output
    assert "line 2: x\\udfff" in result.output  # the key shown escaped


def test_e3_typed_fields_go_through_the_same_check(registers, clock):
    """The verify form: a NUL in the certificate number is refused naming the field; a
    full-width certificate number is the same number (NFKC)."""
    with pytest.raises(DomainError) as info:
        verify_documents(registers, clock, OFFICER, presentation(cert_no=LAWYER + "\x00"))
    assert info.value.rule == "E3" and "certificate number" in info.value.en
    assert registers.table("meeting_requests").count == 0
    wide = LAWYER.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    verification = verify_documents(registers, clock, OFFICER, presentation(cert_no=wide))
    assert verification.request is not None and verification.request.cert_no == LAWYER


def test_e3_s1_no_twin_staff_numbers_from_look_alike_digits(registers, clock):
    with pytest.raises(DomainError) as info:  # full-width 1001 is 1001, which exists
        add_staff(registers, clock, "test", "１００１", "别人", "warden", "246810")
    assert "exists already" in info.value.en
    with pytest.raises(DomainError) as info:
        add_staff(registers, clock, "test", "١٠٠١", "别人", "warden", "246810")
    assert "0-9" in info.value.en
    assert [r["staff_no"] for r in registers.query("SELECT staff_no FROM staff")] == [
        "1001", "9001"]
    assert sign_in(registers, clock, "１００１", "246810").staff_no == "1001"


# --- T2: the printer path drops whatever control byte data might still carry ---------------

def booking_at(db, clock, settings, start):
    request = verify_documents(db, clock, OFFICER, presentation()).request
    return book(db, clock, settings, OFFICER, request.id, "M1", start, delay_reason="rooms_busy")


def printer_config(settings, **changes):
    return settings.printer.model_copy(update=changes)


def _dirty_firm(db) -> None:
    """An old row (or a hand edit) that predates the import check."""
    db.execute("UPDATE lawyers SET firm_name = ? WHERE cert_no = ?",
               (f"上海申正{COMMANDS}律师\u200b事务所", LAWYER))


def test_t2_printable_drops_controls_and_keeps_the_text():
    assert printable(f"上海申正{COMMANDS}律师\u200b事务所\ud800") == "上海申正@V律师事务所"


def test_t2_the_byte_writer_drops_controls_too(settings):
    """The last step before bytes filters again: a Text block built by hand (not through the
    document layout) still cannot carry ESC @ to the printer."""
    from escpos.printer import Dummy

    from printers.documents import Document, Text
    from printers.esc_pos import profile_for

    dummy = Dummy(profile=profile_for(80))
    ChineseWriter(dummy, 80, "GB18030", "image").write(
        [Document("t", (Text(f"律所{COMMANDS}名"),))])
    assert dummy.output.count(b"\x1b@") == 1 and b"\x10\x14" not in dummy.output
    assert "律所@V名".encode("gb18030") in dummy.output


def test_t2_firm_name_with_commands_reaches_the_network_printer_as_text_only(
        centre, clock, settings, fake_printer):
    booking = booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0))
    config = printer_config(settings, kind="network", host="127.0.0.1",
                            port=fake_printer.port, timeout_seconds=2.0)
    printer = TicketPrinter(config, clock)
    clean_job = printer.render(ticket_documents(ticket_for(centre, clock, settings,
                                                           booking.id), 80))
    _dirty_firm(centre)
    printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    [received] = fake_printer.wait_for(1)
    # Byte for byte the job of the clean name apart from the dropped bytes: "@" and "V"
    # stay as letters, ESC, GS, DLE, DC4, SOH, NUL, ENQ and the zero-width space are gone.
    expected = clean_job.replace("上海申正律师事务所".encode("gb18030"),
                                 "上海申正@V律师事务所".encode("gb18030"))
    assert received == STATUS + expected + STATUS
    assert received.count(b"\x1b@") == clean_job.count(b"\x1b@") == 1  # our own INIT only
    assert received.count(b"\x1dV") == clean_job.count(b"\x1dV")        # our own cuts only
    assert b"\x10\x14" not in received


def test_t2_firm_name_with_commands_prints_through_the_file_printer(centre, clock, settings):
    booking = booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0))
    printer = TicketPrinter(settings.printer, clock)
    clean_job = printer.render(ticket_documents(ticket_for(centre, clock, settings,
                                                           booking.id), 80))
    _dirty_firm(centre)
    job = printer.print(ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    bin_path, png_path = job.files
    written = bin_path.read_bytes()
    assert written == clean_job.replace("上海申正律师事务所".encode("gb18030"),
                                        "上海申正@V律师事务所".encode("gb18030"))
    assert png_path.stat().st_size > 0
