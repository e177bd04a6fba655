"""`kiosk calendar`: load the official holiday schedule, add duty sessions and closures,
and show the opening hours of a stretch of dates (B2)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from booking.calendar import (
    OpeningCalendar,
    add_closure,
    add_duty_session,
    describe,
    import_official_schedule,
    parse_day,
    remove_entry,
)
from booking.errors import DomainError
from booking.storage import one
from kiosk.cli import fail, refuse

if TYPE_CHECKING:
    from kiosk.cli import Context

MAX_SHOWN_DAYS = 366
YEARS = range(1970, 2200)  # E4: a date outside these is a typing error (9999-12-31)


class _Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            day = parse_day(value)
        except ValueError as exc:
            self.fail(f"{value!r}: {exc}", param, ctx)
        if day.year not in YEARS:
            self.fail(f"{value!r}: 年份应在{YEARS.start}至{YEARS.stop - 1}之间 / the year must be"
                      f" from {YEARS.start} to {YEARS.stop - 1}", param, ctx)
        return day


DAY = _Day()


# kiosk.cli imports this module to register the group, so what this module needs from
# kiosk.cli is imported when a command runs: either module may be imported first.
def _actor() -> str:
    from kiosk.cli import CLI_ACTOR

    return CLI_ACTOR


@click.group()
def calendar() -> None:
    """开放日历 opening calendar: holidays, duty sessions, closures (B2)."""


@calendar.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.pass_obj
def import_schedule(c: Context, file: Path) -> None:
    """导入官方节假日安排 import the official schedule: CSV date,kind,name (kind: holiday or
    workday) or a JSON list. The file replaces earlier imports of the years it names."""
    try:
        result = import_official_schedule(c.db, c.clock, _actor(), file)
    except DomainError as exc:
        refuse(exc)
    if result.errors:
        for error in result.errors:
            click.echo(f"line {error.line}: {error.field}: {error.reason}", err=True)
        fail(f"{len(result.errors)} 行有误，未导入任何数据 / {len(result.errors)} bad rows:"
             " nothing imported (fix them and import again)")
    years = ", ".join(str(y) for y in result.years)
    click.echo(f"已导入 imported {years}: {result.holidays} holidays, {result.workdays}"
               f" make-up working days" + (f" (replaced {result.replaced} earlier rows)"
                                           if result.replaced else ""))


@calendar.command("duty")
@click.argument("day", type=DAY)
@click.argument("sessions", nargs=-1, required=True)
@click.pass_obj
def duty(c: Context, day: date, sessions: tuple[str, ...]) -> None:
    """安排值班会见 open DAY with only these sessions: duty 2026-10-01 09:00-11:30"""
    try:
        add_duty_session(c.db, c.clock, _actor(), day, list(sessions))
    except DomainError as exc:
        refuse(exc)
    click.echo(describe(OpeningCalendar.from_settings(c.db, c.settings).day(day)))


@calendar.command("close")
@click.argument("day", type=DAY)
@click.option("--reason", required=True, help="原因 why the centre is closed that day")
@click.pass_obj
def close(c: Context, day: date, reason: str) -> None:
    """停止会见 close DAY (no meetings), with the reason. Refused, with the list, while DAY
    has live bookings: move them first (kiosk calendar move DAY)."""
    try:
        add_closure(c.db, c.clock, _actor(), day, reason)
    except DomainError as exc:
        refuse(exc)
    click.echo(describe(OpeningCalendar.from_settings(c.db, c.settings).day(day)))


@calendar.command("move")
@click.argument("day", type=DAY)
@click.option("--reason", required=True, help="原因 why the centre is closed that day")
@click.option("--officer", required=True, metavar="STAFF_NO",
              help="记录的民警警号 the officer who moves the bookings (recorded)")
@click.option("--no-print", is_flag=True, help="不打印情况说明 do not print the 情况说明")
@click.pass_obj
def move(c: Context, day: date, reason: str, officer: str, no_print: bool) -> None:
    """改期并停止会见 close DAY and book each of its meetings again by the same rules
    (the earliest time before its deadline); prints a 情况说明 with the new booking code
    for each lawyer. Nothing changes when one of them finds no time before its deadline."""
    from booking.closures import close_and_move

    if not one(c.db, "SELECT 1 FROM staff WHERE staff_no = ?", (officer,)):
        refuse(DomainError("B2", f"无此民警警号{officer}", f"no staff number {officer}"))
    try:
        moved = close_and_move(c.db, c.clock, c.settings, officer, day, reason)
    except DomainError as exc:
        refuse(exc)
    for m in moved:
        click.echo(f"#{m.before.booking_id} {m.before.lawyer_name} {m.before.start:%m-%d %H:%M}"
                   f" {m.before.room_id} -> #{m.new_booking_id} {m.start:%m-%d %H:%M}"
                   f" {m.room_id} (期限 deadline {m.before.deadline:%m-%d %H:%M})")
        if not no_print:
            _print_explanation(c, m.new_booking_id)
    click.echo(describe(OpeningCalendar.from_settings(c.db, c.settings).day(day)))


def _print_explanation(c: Context, booking_id: int) -> None:
    """The lawyer's slip (new booking code) and 情况说明, as for any later booking (C3)."""
    from booking.tickets import ticket_for
    from printers import PrintFault, TicketPrinter, ticket_documents

    config = c.settings.printer
    documents = ticket_documents(ticket_for(c.db, c.clock, c.settings, booking_id),
                                 config.paper_mm)
    try:
        job = TicketPrinter(config, c.clock).print(documents)
    except PrintFault as fault:  # the booking is safe: say so, reprint later (T4)
        click.echo(f"  未打印 not printed ({fault.kind}): {fault.zh} / {fault.en}", err=True)
        return
    where = ", ".join(str(p) for p in job.files) if job.files else "printer"
    click.echo(f"  情况说明已打印 explanation printed: {where}")


@calendar.command("remove")
@click.argument("day", type=DAY)
@click.pass_obj
def remove(c: Context, day: date) -> None:
    """撤销值班或停止会见 take back the duty session or closure of DAY."""
    try:
        remove_entry(c.db, c.clock, _actor(), day)
    except DomainError as exc:
        refuse(exc)
    click.echo(describe(OpeningCalendar.from_settings(c.db, c.settings).day(day)))


@calendar.command("show")
@click.option("--from", "first", type=DAY, default=None, help="起始日期 first date (today)")
@click.option("--to", "last", type=DAY, default=None, help="结束日期 last date (first + 13 days)")
@click.pass_obj
def show(c: Context, first: date | None, last: date | None) -> None:
    """显示开放时间 show each date's hours and why, and any warning."""
    first = first or c.clock.now().date()
    last = last or first + timedelta(days=13)
    if last < first:
        refuse(DomainError("B2", "结束日期早于起始日期", "--to is before --from"))
    if (last - first).days >= MAX_SHOWN_DAYS:
        refuse(DomainError("B2", f"一次最多显示{MAX_SHOWN_DAYS}天",
                            f"show at most {MAX_SHOWN_DAYS} days at a time"))
    opening = OpeningCalendar.from_settings(c.db, c.settings)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for day in days:
        click.echo(describe(opening.day(day)))
    for warning in opening.warnings(days):
        click.echo(f"注意 warning: {warning}")
