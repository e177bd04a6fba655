"""The `kiosk` command: global options, then a subcommand; with none, the screens open."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from booking.clock import SystemClock
from booking.errors import DomainError
from booking.preflight import DEFAULT_CONFIG, ConfigError, exposed_key, read_config

if TYPE_CHECKING:  # the screens start without them (kiosk/startup.py)
    from sqlite_utils import Database

    from booking.clock import Clock
    from booking.settings import Settings

CLI_ACTOR = "cli"
EXIT_DATABASE = 3     # E4: the database file cannot be used (see booking.storage)
EXIT_UNFORESEEN = 70  # EX_SOFTWARE: a fault no message was written for (see _KioskGroup)


@dataclass
class Context:
    settings: Settings
    db_path: Path
    clock: Clock
    config_path: Path = DEFAULT_CONFIG
    db_option: Path | None = None
    """--db as given (None: the config's), for the processes `kiosk serve` starts."""
    desk: str | None = None
    _db: Database | None = None

    @property
    def db(self) -> Database:
        try:
            return self.open()
        except DomainError as exc:  # E4: not the kiosk's, read-only, damaged or newer
            fail(f"{exc.zh}\n{exc.en}", EXIT_DATABASE)
            raise  # not reached: fail() exits

    def open(self) -> Database:
        """The database, opened once (DomainError when it cannot be used, see db)."""
        if self._db is None:
            from booking.files import file_printer_folders, tighten_install
            from booking.rooms import sync_rooms
            from booking.storage import open_database

            tighten_install(self.db_path, file_printer_folders(self.settings), self.clock)
            db = open_database(self.db_path, key_folder=self.settings.qr.key_folder,
                               anchor_every=self.settings.audit.anchor_every)
            try:
                sync_rooms(db, self.clock, CLI_ACTOR, self.settings.rooms)
            except BaseException:
                db.conn.close()
                raise
            self._db = db
        return self._db

    def close(self) -> None:
        """Close the database when the command ends (a restore right after, in the same
        process, would otherwise see it still open)."""
        if self._db is not None:
            from booking import audit

            try:
                audit.anchor(self._db, "stop")  # S2: the head, outside the database
            finally:
                self._db.conn.close()
                self._db = None


class _LazyGroup(click.Group):
    """A group whose subcommands' modules are imported when a command is looked up (run, or
    listed by --help), not when the kiosk starts: the screens need none of them."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(import_module(module), attribute), name)
        return super().get_command(ctx, name)


class _KioskGroup(_LazyGroup):
    """The `kiosk` group with E4's last line: anything unforeseen becomes a bilingual
    message, a log entry with the traceback, and exit 70. Every known fault has its own
    message and code before this (tests/adversarial/ checks that none of them lands here)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except Exception as exc:
            where = _log_unforeseen(ctx, exc)
            fail(f"意外错误（{type(exc).__name__}），已记入{where}：请把该文件交给管理员\n"
                 f"unexpected error ({type(exc).__name__}), logged with its details in {where}:"
                 " give that file to the administrator", EXIT_UNFORESEEN)


def _log_unforeseen(ctx: click.Context, exc: Exception) -> str:
    """Append the traceback to kiosk-errors.log beside the database (owner-only: it may
    hold personal data); standard error when that cannot be written."""
    import logging
    import traceback

    folder = ctx.obj.db_path.parent if isinstance(ctx.obj, Context) else Path("var")
    path = folder / "kiosk-errors.log"
    text = "".join(traceback.format_exception(exc))
    logging.getLogger("kiosk").error("unforeseen error in kiosk %s\n%s",
                                     " ".join(sys.argv[1:]), text)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"--- kiosk {' '.join(sys.argv[1:])}\n{text}")
    except OSError:
        click.echo(text, err=True)
        return "standard error"
    return str(path)


def fail(message: str, code: int = 1) -> NoReturn:
    """The command ends: the message on stderr, the exit code (1 unless said)."""
    click.echo(message, err=True)
    sys.exit(code)


def refuse(exc: DomainError, code: int = 1) -> NoReturn:
    """The command ends on a rule's refusal: its Chinese and English words, exit 1."""
    fail(f"{exc.zh}\n{exc.en}", code)


@click.group(invoke_without_command=True, cls=_KioskGroup, lazy={
    "calendar": "kiosk.calendar_cli:calendar",
    "backup": "kiosk.ops_cli:backup_command",
    "restore": "kiosk.ops_cli:restore_command",
    "doctor": "kiosk.ops_cli:doctor_command",
    "report": "kiosk.report_cli:report",
    "print-test": "kiosk.tickets_cli:print_test",
    "qr": "kiosk.tickets_cli:qr",
    "simulate": "kiosk.simulate_cli:simulate_command",
    "whatif": "kiosk.whatif_cli:whatif_command",
    "defence": "kiosk.defence_cli:defence",
    "serve": "kiosk.serve:serve_command",
    "board": "kiosk.lobby:board_command",
    "city-report": "kiosk.city_cli:city_report",
})
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
              show_default=True, help="配置文件 settings file (TOML)")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
              help="数据库文件 SQLite file (default: database.path in the config)")
@click.option("--desk", default=None,
              help="窗口 the desk profile in the config ([desks.NAME]): its printer")
@click.pass_context
def main(ctx: click.Context, config_path: Path, db_path: Path | None, desk: str | None) -> None:
    """看守所律师会见自助终端 lawyer-meeting kiosk."""
    if ctx.invoked_subcommand is None:
        open_screens(config_path, db_path, desk)
        return
    from booking.settings import load_settings

    try:
        settings = load_settings(config_path).for_desk(desk)
    except ConfigError as exc:
        fail(str(exc), 2)
    ctx.obj = Context(settings, db_path or settings.database.path, SystemClock(settings.zone),
                      config_path=config_path, db_option=db_path, desk=desk)
    ctx.call_on_close(ctx.obj.close)


def open_screens(config_path: Path, db_path: Path | None, desk: str | None = None) -> None:
    """The kiosk's screens: the sign-in screen first, the settings (validated), the database
    and the rest loaded behind it (kiosk/startup.py). Exit code 2 with the message when the
    config file cannot be read or is invalid, or a QR key cannot be trusted; 1 when the start
    fails otherwise."""
    try:
        config = read_config(config_path)
    except ConfigError as exc:
        fail(str(exc), 2)
    from kiosk.startup import Preview, Startup

    preview = Preview.of(config)
    refusal = exposed_key(preview.key_folder) if preview.key_folder else None
    if refusal:  # S3/Q1: the screens never open with a key others can read
        fail("\n".join(refusal), 2)
    from kiosk.app import KioskApp

    app = KioskApp.starting(Startup(config_path, db_path, preview, desk))
    app.run()
    if app.ready:  # S2: a clean stop anchors the audit head outside the database
        import sqlite3

        from booking import audit

        try:
            audit.anchor(app.db, "stop")
        except (OSError, sqlite3.Error) as exc:
            click.echo(f"审计锚点未写入 audit anchor not written: {exc}", err=True)
    if app.startup_failure is not None:
        fail(app.startup_failure.text, app.startup_failure.code)
    if app.return_code:
        sys.exit(app.return_code)


pass_context = click.make_pass_decorator(Context)


@main.command()
@pass_context
def demo(c: Context) -> None:
    """创建演示数据 create the demo data (does nothing if it is there already)."""
    from booking.demo import load_demo

    try:
        created = load_demo(c.db, c.clock, c.settings)
    except DomainError as exc:
        fail(f"{exc.zh}\n{exc.en}")
    click.echo(f"演示数据已创建 demo data created in {c.db_path}" if created
               else f"演示数据已存在 demo data already in {c.db_path}")


@main.group(name="import", cls=_LazyGroup,
            lazy={"bookings": "kiosk.tickets_cli:bookings_import"})
def import_group() -> None:
    """导入名册 import a register (CSV with a header row, or JSON list)."""


def _import_command(kind: str, help_text: str):
    @click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
    @click.option("--skip-bad", is_flag=True, help="导入正确的行，跳过错误行 import the good rows")
    @pass_context
    def command(c: Context, file: Path, skip_bad: bool) -> None:
        from booking.imports import import_file

        try:
            report = import_file(c.db, c.clock, CLI_ACTOR, kind, file, skip_bad=skip_bad)
        except DomainError as exc:
            fail(f"{exc.zh}\n{exc.en}")
        for error in report.errors:
            click.echo(f"line {error.line}: {error.field}: {error.reason}", err=True)
        bad_rows = len({error.line for error in report.errors})
        if report.errors and (not skip_bad or not report.imported):
            fail(f"{bad_rows} 行有误，未导入任何数据 / {bad_rows} bad rows:"
                 " nothing imported" + ("" if skip_bad else " (fix them, or use --skip-bad)"))
        # E3: --skip-bad asked for the good rows; they are in, so it succeeded (exit 0)
        click.echo(f"已导入 imported {report.imported} rows"
                   f" ({report.inserted} new, {report.updated} updated)"
                   + (f"；跳过错误行 {bad_rows} 行, skipped {bad_rows} bad rows"
                      if report.errors else ""))

    command.__doc__ = help_text
    return import_group.command(name=kind)(command)


_import_command("lawyers", "律师名册 lawyer registry: cert_no,name,firm_name,firm_code,status,"
                "assessed_year")
_import_command("detainees", "在押人员 detainee roster: roster_no,name,id_no,case_no,"
                "charge_category,stage,case_unit,status[,case_deadline]")
_import_command("aid-letters", "法律援助公函 aid letters: letter_no,centre,cert_no,roster_no,stage,"
                "issued_on,status")
_import_command("duty-notices", "法律帮助通知书 legal-help notices (V10): notice_no,issuer,cert_no,"
                "roster_no,issued_on,status (active|withdrawn)")
_import_command("duty-roster", "值班律师名册 the centre's duty roster (V10): cert_no,date")


@main.group()
def staff() -> None:
    """民警账户 staff accounts."""


def os_user() -> str:
    """S1: the operating-system user running a CLI staff command, for its audit entry."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry
        return f"uid:{os.getuid()}"


def _read_pin(pin_stdin: bool, prompt: str) -> str:
    if pin_stdin:
        return sys.stdin.readline().strip()
    return click.prompt(prompt, hide_input=True, confirmation_prompt=False)


@staff.command("add")
@click.argument("staff_no")
@click.option("--name", required=True, help="姓名 name")
@click.option("--role", type=click.Choice(["officer", "warden"]), required=True)
@click.option("--pin-stdin", is_flag=True, help="从标准输入读PIN read the PIN from stdin")
@pass_context
def staff_add(c: Context, staff_no: str, name: str, role: str, pin_stdin: bool) -> None:
    """添加民警账户 add an officer or warden."""
    from booking.staff import add_staff

    pin = _read_pin(pin_stdin, "PIN")
    if not pin_stdin:
        again = click.prompt("PIN (again)", hide_input=True)
        if again != pin:
            fail("两次输入的PIN不一致 / the PINs differ")
    try:
        add_staff(c.db, c.clock, f"{CLI_ACTOR}:{os_user()}", staff_no, name, role, pin,
                  c.settings.security.min_pin_length)
    except DomainError as exc:
        fail(f"{exc.zh}\n{exc.en}")
    click.echo(f"已添加 added {role} {staff_no} {name}")


@staff.command("unlock")
@click.argument("staff_no")
@click.option("--warden", "warden_no", required=True, help="解锁的所领导警号 the warden's number")
@click.option("--pin-stdin", is_flag=True, help="从标准输入读所领导PIN the warden's PIN from stdin")
@pass_context
def staff_unlock(c: Context, staff_no: str, warden_no: str, pin_stdin: bool) -> None:
    """所领导解锁账户 a warden unlocks a locked account."""
    from booking.staff import sign_in, unlock

    pin = _read_pin(pin_stdin, f"PIN of {warden_no}")
    try:
        sign_in(c.db, c.clock, warden_no, pin, c.settings.security.max_pin_attempts)
        unlock(c.db, c.clock, warden_no, staff_no, os_user=os_user())
    except DomainError as exc:
        fail(f"{exc.zh}\n{exc.en}")
    click.echo(f"已解锁 unlocked {staff_no}")


@staff.command("list")
@pass_context
def staff_list(c: Context) -> None:
    """列出账户 list accounts."""
    from booking.staff import list_staff

    for member in list_staff(c.db):
        click.echo(f"{member.staff_no}\t{member.role}\t{member.name}"
                   + ("\t已锁定 locked" if member.locked else ""))


@main.group(name="audit")
def audit_group() -> None:
    """审计日志 the audit log (S2)."""


@audit_group.command("verify")
@pass_context
def audit_verify(c: Context) -> None:
    """校验哈希链 check the hash chain; exit 1 naming the first broken entry."""
    from booking import audit

    result = audit.check(c.db, audit.binding_of(c.db).key,
                         audit.read_anchor_lines(audit.anchor_file(c.db_path)))
    top = audit.short_head(*result.head) if result.head else "-"
    if result.ok:
        click.echo(f"审计链完整 audit chain intact: {result.entries} entries, head {top};"
                   " anchors and every row match")
        return
    for problem in result.problems:
        more = result.counts[problem.kind] - 1
        click.echo(f"✘ {KIND_ZH[problem.kind]} {problem.kind}: {problem.text}"
                   + (f" (+{more} more)" if more else ""), err=True)
    fail(f"审计检查未通过 audit check failed: {len(result.problems)} kinds of problem"
         f" ({result.entries} entries, head {top})")


KIND_ZH = {"key": "签名不符", "sequence": "序号缺失", "anchor": "锚点不符", "rows": "数据未经审计",
           "identity": "数据库身份不符"}
