"""`kiosk defence`: a detainee's defence lawyers, and ending a defence (V6)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from booking.defences import END_REASONS, end_defence, live_defences
from booking.errors import DomainError
from kiosk.calendar_cli import DAY
from kiosk.cli import refuse

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.group()
def defence() -> None:
    """辩护人 a detainee's defence lawyers (V6: at most two at a time)."""


@defence.command("list")
@click.argument("roster_no")
@click.pass_obj
def list_command(c: Context, roster_no: str) -> None:
    """列出辩护人 the detainee's defence lawyers now."""
    for d in live_defences(c.db, c.clock, roster_no):
        click.echo(f"{d.cert_no}  {d.lawyer_name}  {d.basis} {d.document_no}  since"
                   f" {d.since:%Y-%m-%d}")


@defence.command("end")
@click.argument("roster_no")
@click.argument("cert_no")
@click.option("--reason", required=True, type=click.Choice(list(END_REASONS)),
              help="revoked 委托人解除委托 · withdrew 律师退出 · aid_ended 法律援助终止")
@click.option("--on", "on", type=DAY, required=True, help="文书日期 the document's date")
@click.option("--officer", required=True, metavar="STAFF_NO", help="记录的民警警号 who records it")
@click.pass_obj
def end_command(c: Context, roster_no: str, cert_no: str, reason: str, on: date,
                officer: str) -> None:
    """终止辩护 end CERT_NO's defence of ROSTER_NO (audited); the place is free again."""
    try:
        ended = end_defence(c.db, c.clock, officer, roster_no, cert_no, reason, on)
    except DomainError as exc:
        refuse(exc)
    zh, en = END_REASONS[reason]
    click.echo(f"已终止 ended: {ended.lawyer_name} ({ended.cert_no}) for {ended.roster_no},"
               f" {zh} {en}, {on}")
    others = live_defences(c.db, c.clock, roster_no)
    click.echo(f"现有辩护人 defence lawyers now: {len(others)}"
               + "".join(f"\n  {d.cert_no}  {d.lawyer_name}" for d in others))
