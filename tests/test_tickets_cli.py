"""`kiosk print-test` (T2/T4), `kiosk qr rotate` (Q1), `kiosk import bookings` (B7, E3)."""

from __future__ import annotations

from datetime import datetime

import pytest
import zxingcpp
from click.testing import CliRunner
from fake_printer import free_port, network_printer
from PIL import Image
from support import LAWYER, OFFICER, ROOT

from booking.clock import SHANGHAI, FixedClock
from booking.demo import load_demo
from booking.qr import Keyring, check_in_by_code
from kiosk.cli import Context, import_group, main
from kiosk.tickets_cli import print_test, qr

HEADER = "external_ref,cert_no,roster_no,start,room_kind\n"


@pytest.fixture
def context(settings, tmp_path):
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    c = Context(settings, tmp_path / "cli.db", clock)
    load_demo(c.db, clock, settings)
    yield c
    c.db.conn.close()


def run(command, context, *args):
    return CliRunner().invoke(command, [str(a) for a in args], obj=context)


def test_t2_print_test_writes_the_bytes_and_the_preview(context, settings):
    result = run(print_test, context)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [str(settings.printer.folder / "20261124-090000-test_page.bin"),
                         str(settings.printer.folder / "20261124-090000-test_page.png")]
    assert "written to the printer folder" in lines[2]
    [code] = zxingcpp.read_barcodes(Image.open(lines[1]))
    assert code.text == "TEST"


def test_t4_print_test_names_the_fault_and_exits_1(context, settings):
    port = free_port()  # nothing listens there: the printer is off
    offline = Context(network_printer(settings, port), context.db_path, context.clock)
    result = run(print_test, offline)
    assert result.exit_code == 1
    assert f"打印机未连接（127.0.0.1:{port}）：请检查打印机电源和网线" in result.output
    assert f"printer not reachable (127.0.0.1:{port}): check its power" in result.output
    assert "技术信息 detail: " in result.output and "Connection refused" in result.output


def test_q1_qr_rotate_makes_a_new_key_and_keeps_the_old_for_the_grace_period(context,
                                                                            settings):
    first = Keyring.from_settings(settings).current(context.clock.now())
    result = run(qr, context, "rotate")
    assert result.exit_code == 0, result.output
    keys = {k.id: k for k in Keyring.from_settings(settings).keys()}
    [new] = [k for k in keys.values() if k.retired is None]
    assert f"new key {new.id}" in result.output and "30 more days" in result.output
    assert keys[first.id].retired == context.clock.now()
    assert context.db.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1"
                              ).fetchone() == ("rotate_qr_key",)


def platform_file(tmp_path, *rows: str):
    path = tmp_path / "platform.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = (f"WSYY-0001,{LAWYER},2026001,2026-11-25 09:00,meeting",
        "WSYY-0002,13101201210456781,2026005,2026-11-25 09:00,video")


def test_b7_import_bookings_books_and_writes_qr_codes_that_check_in(context, settings,
                                                                    tmp_path):
    codes = tmp_path / "codes"
    result = run(import_group, context, "bookings", platform_file(tmp_path, *GOOD),
                 "--officer", OFFICER, "--qr-dir", codes)
    assert result.exit_code == 0, result.output
    assert "WSYY-0001\t预约 booking 1\t2026-11-25 09:00\tM1\t新 new" in result.output
    assert "imported 2 bookings (2 new, 0 imported before)" in result.output
    assert "2 PNG files" in result.output
    assert sorted(p.name for p in codes.iterdir()) == ["WSYY-0001.png", "WSYY-0002.png"]
    [code] = zxingcpp.read_barcodes(Image.open(codes / "WSYY-0001.png"))
    context.clock.set(datetime(2026, 11, 25, 8, 50, tzinfo=SHANGHAI))  # the lawyer comes
    checked_in = check_in_by_code(context.db, context.clock, settings, OFFICER, code.text)
    assert checked_in.ticket.label == "A001" and checked_in.lawyer_name == "王建国"

    again = run(import_group, context, "bookings", platform_file(tmp_path, *GOOD),
                "--officer", OFFICER)
    assert again.exit_code == 0, again.output
    assert "imported 2 bookings (0 new, 2 imported before)" in again.output
    assert context.db.table("bookings").count == 2


def test_e3_import_bookings_with_a_bad_row_imports_nothing(context, tmp_path):
    path = platform_file(tmp_path, GOOD[0],
                         "WSYY-0003,13101201510234567,2026002,2026-11-25 10:00,meeting",
                         f"WSYY-0004,{LAWYER},2026002,2026-11-25 10:00,boardroom")
    codes = tmp_path / "codes"
    result = run(import_group, context, "bookings", path, "--officer", OFFICER,
                 "--qr-dir", codes)
    assert result.exit_code == 1
    assert "line 3: cert_no: V4 律师赵敏已被停止执业" in result.output
    assert "line 4: room_kind: 应为 meeting（会见室）或 video" in result.output
    assert "2 bad rows: nothing imported (fix them, or use --skip-bad)" in result.output
    assert context.db.table("bookings").count == 0 and not codes.exists()

    skipped = run(import_group, context, "bookings", path, "--officer", OFFICER, "--skip-bad")
    assert skipped.exit_code == 0  # E3: the good rows were asked for and are in
    assert "imported 1 bookings (1 new, 0 imported before)；跳过错误行 2 行, skipped 2 bad rows" \
        in skipped.output
    assert context.db.table("bookings").count == 1


def test_e1_import_bookings_needs_a_known_officer(context, tmp_path):
    result = run(import_group, context, "bookings", platform_file(tmp_path, GOOD[0]),
                 "--officer", "4242")
    assert result.exit_code == 1 and "no staff number 4242" in result.output


def test_the_commands_are_registered_on_kiosk(tmp_path):
    config = str(ROOT / "config" / "kiosk.toml")
    for args in (["print-test", "--help"], ["qr", "rotate", "--help"],
                 ["import", "bookings", "--help"]):
        result = CliRunner().invoke(main, ["--config", config, "--db", str(tmp_path / "k.db"),
                                           *args])
        assert result.exit_code == 0, result.output
