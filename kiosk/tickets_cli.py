"""`kiosk print-test`, `kiosk qr rotate` and `kiosk import bookings`: the ticket printer, the
QR signing key (Q1) and bookings from the online booking platform (B7, E3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from booking.errors import DomainError
from kiosk.cli import fail, refuse

if TYPE_CHECKING:
    from kiosk.cli import Context


# kiosk.cli imports this module to register the commands, so what this module needs from
# kiosk.cli is imported when a command runs: either module may be imported first.
def _actor() -> str:
    from kiosk.cli import CLI_ACTOR

    return CLI_ACTOR


@click.command("print-test")
@click.pass_obj
def print_test(c: Context) -> None:
    """打印测试页 print the test page on the configured printer (Chinese text, a rare character
    as a picture, a QR code); exit 1 with the fault when it does not print."""
    from printers import PrintFault, TicketPrinter, printer_test_page

    config = c.settings.printer
    printer = TicketPrinter(config, c.clock)
    page = printer_test_page(c.settings.centre.name, config.paper_mm, config.encoding,
                             c.clock.now())
    try:
        job = printer.print([page])
    except PrintFault as fault:
        fail(f"打印失败 not printed ({fault.kind}):\n{fault.zh}\n{fault.en}"
              + (f"\n技术信息 detail: {fault.detail}" if fault.detail else ""))
    if job.files:
        for path in job.files:
            click.echo(str(path))
        click.echo(f"已写入打印文件夹 written to the printer folder ({job.size} bytes of ESC/POS)")
    else:
        click.echo(f"已发送至 sent to {printer.where} ({job.size} bytes)")
    if job.warning:
        click.echo(f"注意 warning: {job.warning}")


@click.group()
def qr() -> None:
    """预约二维码签名密钥 the QR codes' signing key (Q1)."""


@qr.command("rotate")
@click.pass_obj
def qr_rotate(c: Context) -> None:
    """更换签名密钥 sign new codes with a new key; codes already printed stay valid for
    qr.grace_days."""
    from booking.qr import rotate_key

    try:
        key_id = rotate_key(c.db, c.clock, c.settings, _actor())
    except DomainError as exc:
        refuse(exc)
    click.echo(f"新密钥 new key {key_id} in {c.settings.qr.key_folder}; codes signed with the old"
               f" key are accepted for {c.settings.qr.grace_days} more days")


@click.command("bookings")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--officer", required=True, metavar="STAFF_NO",
              help="接收网上预约的民警警号 the officer who takes the online bookings (recorded)")
@click.option("--skip-bad", is_flag=True, help="导入正确的行，跳过错误行 import the good rows")
@click.option("--qr-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="为每个预约写一张二维码PNG（以external_ref命名） one QR PNG per booking")
@click.pass_obj
def bookings_import(c: Context, file: Path, officer: str, skip_bad: bool,
                    qr_dir: Path | None) -> None:
    """网上预约 bookings from the online platform: external_ref,cert_no,roster_no,start,
    room_kind (start: 2026-11-25 09:00, centre time; room_kind: meeting or video). Importing
    the same external_ref again books nothing twice."""
    from booking.booking_import import import_bookings
    from booking.preflight import exposed_key

    refusal = exposed_key(c.settings.qr.key_folder) if qr_dir is not None else None
    if refusal:  # Q1/E4: checked before anything is booked, not after the commit
        click.echo("\n".join(refusal), err=True)
        sys.exit(2)
    try:
        result = import_bookings(c.db, c.clock, c.settings, officer, file, skip_bad=skip_bad)
    except DomainError as exc:
        refuse(exc)
    for error in result.errors:
        click.echo(f"line {error.line}: {error.field}: {error.reason}", err=True)
    bad_rows = len({error.line for error in result.errors})
    if result.errors and not result.bookings:
        fail(f"{bad_rows} 行有误，未导入任何数据 / {bad_rows} bad rows: nothing imported"
              + ("" if skip_bad else " (fix them, or use --skip-bad)"))
    zone = c.settings.zone
    for item in result.bookings:
        b = item.booking
        start = b.start.astimezone(zone)
        click.echo(f"{item.external_ref}\t预约 booking {b.id}\t{start:%Y-%m-%d %H:%M}"
                   f"\t{b.room_id}\t" + ("新 new" if item.new else "已导入过 imported before"))
    if qr_dir is not None:
        _write_codes(c, result.bookings, qr_dir)
    click.echo(f"已导入 imported {len(result.bookings)} bookings ({result.booked} new,"
               f" {len(result.bookings) - result.booked} imported before)"
               + (f"；跳过错误行 {bad_rows} 行, skipped {bad_rows} bad rows"
                  if result.errors else ""))


def _write_codes(c: Context, imported: list, folder: Path) -> None:
    """Q1: one PNG per live booking, named by the platform's reference, to send to the lawyer."""
    import qrcode

    from booking.files import LOG_NAME, note, private_folder, tighten
    from booking.qr import code_for
    from booking.states import LIVE_STATES
    from booking.storage import new_private_file

    written = 0
    try:
        private_folder(folder)  # bearer codes: a 0700 folder, an older one tightened
        changes = tighten([folder], [])
        if changes:
            note(c.db_path.parent / LOG_NAME, changes, c.clock)
        for item in imported:
            if item.booking.state not in LIVE_STATES:
                continue
            picture = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
            picture.add_data(code_for(c.settings, c.clock, item.booking))
            picture.make(fit=True)
            path = folder / f"{item.external_ref}.png"
            if not path.exists():  # a bearer code: owner-only (0600) in a 0700 folder
                new_private_file(path)
            path.chmod(0o600)
            picture.make_image().save(path)
            written += 1
    except DomainError as exc:  # the bookings are in; the codes can be written again
        fail(f"{exc.zh}\n{exc.en}\n(预约已导入 the bookings are imported: run the import"
              " again with --qr-dir to write the codes)")
    except OSError as exc:
        fail(f"无法写入二维码文件夹{folder}（{exc.strerror}）\ncannot write the QR folder"
              f" {folder} ({exc.strerror}); the bookings are imported: run the import again"
              " with --qr-dir")
    click.echo(f"二维码 QR codes: {written} PNG files in {folder}")
