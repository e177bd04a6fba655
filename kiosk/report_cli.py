"""`kiosk report`: the warden's 48-hour compliance report of a period (R1-R3) as a text
table, CSV, JSON or printable HTML, and its one-page summary on the ticket printer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from booking import audit
from booking.errors import DomainError
from booking.report import compliance_report
from booking.storage import open_database
from kiosk.calendar_cli import DAY
from kiosk.cli import EXIT_DATABASE, fail, refuse
from kiosk.report_export import DEFAULT_DAYS, FORMATS, render, write_report

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.command("report")
@click.option("--from", "first", type=DAY, default=None,
              help="起始日期 first day (default: 6 days before --to)")
@click.option("--to", "last", type=DAY, default=None, help="结束日期 last day (default: today)")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="输出格式 output format")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="写入文件 write to this file instead of the screen")
@click.option("--print", "to_printer", is_flag=True,
              help="在小票打印机上打印一页摘要 print the one-page summary on the ticket printer")
@click.option("--as-of", "as_of", default=None, metavar="TIME",
              help="数据截至时间 the moment the figures are taken at, e.g. '2026-03-31 18:00'"
                   " (default: now); the same database and --as-of give the same JSON")
@click.pass_obj
def report(c: Context, first: date | None, last: date | None, fmt: str, out: Path | None,
           to_printer: bool, as_of: str | None) -> None:
    """48小时合规报表 the compliance report of requests presented from --from to --to
    (both included), with each request's state as of --as-of (default now)."""
    moment = _moment(as_of, c.settings.zone) if as_of else None
    last = last or (moment or c.clock.now()).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if not Path(c.db_path).exists():  # a folder or a bad file: open_database says (E4)
        fail(f"数据库文件不存在：{c.db_path}（请用 --db 指定）\n"
              f"no database at {c.db_path} (give it with --db)")
    # Opened directly, not through c.db: a report reads and must not record the rooms of
    # this config into someone else's database.
    try:
        db = open_database(c.db_path, key_folder=c.settings.qr.key_folder,
                           anchor_every=c.settings.audit.anchor_every)
    except DomainError as exc:  # E4: not the kiosk's, read-only, damaged or newer
        refuse(exc, EXIT_DATABASE)
    try:
        result = compliance_report(db, c.clock, first, last, moment)
        top = audit.head(db)
        anchor_text = audit.short_head(top[0], top[1]) if top else ""
    except DomainError as exc:
        refuse(exc)
    finally:
        db.conn.close()
    centre, code = c.settings.centre.name, c.settings.centre.code
    if out is not None:
        try:
            write_report(result, fmt, centre, out, code)
        except OSError as exc:
            fail(f"无法写入 {out}：{exc.strerror}\ncannot write {out}: {exc.strerror}")
        click.echo(f"已写入 written: {out}", err=True)
    else:
        click.echo(render(result, fmt, centre, code), nl=False)
    if to_printer:
        _print_summary(c, result, anchor_text)


def _moment(text: str, zone) -> datetime:
    """--as-of: 'YYYY-MM-DD HH:MM' (or ISO 8601) in the centre's time zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--as-of 时间格式应为 YYYY-MM-DD HH:MM：{text}\n"
              f"--as-of must be a time as YYYY-MM-DD HH:MM, not {text!r}")
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _print_summary(c: Context, result, anchor_text: str = "") -> None:
    from printers import PrintFault, TicketPrinter
    from printers.report_summary import report_summary

    config = c.settings.printer
    document = report_summary(result, c.settings.centre.name, config.paper_mm, c.clock.now(),
                              anchor_text)
    try:
        job = TicketPrinter(config, c.clock).print([document])
    except PrintFault as exc:
        fail(f"打印失败：{exc.zh}\nnot printed: {exc.en}"
              + (f"\n技术信息 detail: {exc.detail}" if exc.detail else ""))
    where = ", ".join(str(f) for f in job.files) or TicketPrinter(config, c.clock).where
    click.echo(f"已打印摘要 summary printed: {where}"
               + (f"\n{job.warning}" if job.warning else ""), err=True)
