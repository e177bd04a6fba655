"""Operations commands: `kiosk backup`, `kiosk restore`, `kiosk doctor`."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from pathlib import Path

import click

from booking import audit
from booking.backup import apply_restore, backup, discard, plan_restore
from booking.errors import DomainError
from booking.files import file_printer_folders, install_paths
from booking.health import (
    Finding,
    calendar_findings,
    database_findings,
    file_mode_findings,
    key_findings,
    migration_finding,
)
from booking.settings import Settings
from booking.storage import quick_check, schema_state

MARK = {"ok": "✔", "warning": "!", "fault": "✘"}


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_obj
def backup_command(c, dest: Path) -> None:
    """在线备份数据库 back up the database while kiosks run (SQLite online backup)."""
    try:
        result = backup(c.db_path, dest, audit.load_key(c.settings.qr.key_folder))
    except DomainError as exc:
        click.echo(f"{exc.zh}\n{exc.en}", err=True)
        sys.exit(1)
    except OSError as exc:  # E4: an unwritable or missing destination folder
        click.echo(f"无法写入备份{dest}（{exc.strerror}）：请选择可写的位置\n"
                   f"cannot write the backup {dest} ({exc.strerror}): choose a writable place",
                   err=True)
        sys.exit(1)
    from booking.files import LOG_NAME, note, tighten

    changes = tighten([Path(result.path).parent], [])  # S2 files: an older backup folder
    if changes:
        note(c.db_path.parent / LOG_NAME, changes, c.clock)
    click.echo(f"已备份 backed up to {result.path}: {result.pages} pages,"
               f" audit chain intact ({result.audit_entries} entries)")


@click.command("restore")
@click.argument("backup_file", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="不再确认 do not ask")
@click.option("--other-centre", is_flag=True,
              help="有意恢复另一数据库（迁移）的备份 deliberately restore another database's backup")
@click.pass_obj
def restore_command(c, backup_file: Path, yes: bool, other_centre: bool) -> None:
    """从备份恢复 restore a checked backup over the database (stop every kiosk first).

    S4: the backup is checked on a copy and only read: not empty, a kiosk database, this
    centre's, its audit keyed, anchored and matching every row. What the live database has
    after the backup is listed before anything is replaced; the restore is audited in the
    restored database; the replaced database is moved aside as it is (the newest
    audit.keep_before_restore copies are kept)."""
    try:
        plan = plan_restore(backup_file, c.db_path, c.settings.qr.key_folder,
                            other_centre=other_centre)
    except DomainError as exc:
        click.echo(f"{exc.zh}\n{exc.en}", err=True)
        sys.exit(1)
    zh, en = plan.loss.lines()
    click.echo(f"备份已检查 backup checked: {plan.backup_file}, audit head"
               f" {audit.short_head(*plan.head)}\n{zh}\n{en}")
    if not yes and not click.confirm(f"用 {backup_file} 替换 {c.db_path}？所有终端须先关闭。"
                                     f" Replace {c.db_path} with {backup_file}? Every kiosk"
                                     " must be stopped."):
        discard(plan)
        click.echo("未恢复 not restored", err=True)
        sys.exit(1)
    try:
        result = apply_restore(plan, c.clock, "cli", c.settings.audit.keep_before_restore)
    except DomainError as exc:
        click.echo(f"{exc.zh}\n{exc.en}", err=True)
        sys.exit(1)
    click.echo(f"已恢复 restored {c.db_path} from {backup_file}: audit chain intact"
               f" ({result.audit_entries} entries, the restore is the last)")
    if result.kept:
        kept = " ".join(str(p) for p in result.kept)
        click.echo(f"原数据库未经检查，原样保留以备调查 the previous database was moved aside"
                   f" as it was, unchecked, for investigation: {kept}")
    if result.removed:
        click.echo("已删除较早的恢复前副本 older copies removed: "
                   + " ".join(str(p) for p in result.removed))


def printer_findings(settings: Settings) -> list[Finding]:
    from printers.faults import PrintFault, fault_from_error
    from printers.pictures import find_font

    findings = []
    try:
        font = find_font(settings.printer.font)
        findings.append(Finding("font", "ok", f"中文字体：{font}", f"CJK font: {font}"))
    except PrintFault as exc:
        findings.append(Finding("font", "fault", exc.zh, exc.en))
    printer = settings.printer
    if printer.kind == "file":
        folder = printer.folder
        target = folder if folder.exists() else folder.parent
        writable = os.access(target if target.exists() else Path("."), os.W_OK)
        findings.append(Finding(
            "printer", "ok" if writable else "fault",
            f"文件打印机：{folder}" if writable else f"打印目录{folder}不可写：请检查权限",
            f"file printer: {folder}" if writable else f"printer folder {folder} is not writable"))
    elif printer.kind == "network":
        try:
            with socket.create_connection((printer.host, printer.port), printer.timeout_seconds):
                pass
            findings.append(Finding("printer", "ok", f"网络打印机{printer.host}:{printer.port}可连接",
                                    f"network printer {printer.host}:{printer.port} answers"))
        except OSError as exc:  # the kiosk's own words for it, and what the system said
            fault = fault_from_error(exc, "network", f"{printer.host}:{printer.port}")
            findings.append(Finding("printer", "fault", fault.zh,
                                    f"{fault.en} [{fault.detail}]"))
    else:
        findings.append(Finding("printer", "warning", f"{printer.kind}打印机请用 kiosk print-test 测试",
                                f"test the {printer.kind} printer with kiosk print-test"))
    return findings


def _unreadable(path: Path, exc: Exception) -> Finding:
    return Finding("database", "fault",
                   f"无法读取数据库{path}：{exc}；请从备份恢复（kiosk restore）",
                   f"cannot read the database {path}: {exc}; restore a backup (kiosk restore)")


@click.command("doctor")
@click.option("--backups", "backup_folder", type=click.Path(path_type=Path), default=None,
              help="备份文件夹，检查其文件权限 a backup folder whose files' modes to check")
@click.pass_obj
def doctor_command(c, backup_folder: Path | None) -> None:
    """健康检查 check config, database, audit chain, QR keys, calendar, printer and font."""
    findings = [Finding("config", "ok", "配置文件有效", "settings valid")]
    try:
        pending, unknown = schema_state(c.db_path)  # before c.db applies the pending ones
    except sqlite3.DatabaseError as exc:
        findings.append(_unreadable(c.db_path, exc))
        usable = False
    else:
        usable = not unknown  # a newer kiosk's file: not opened for writing here
        damage = quick_check(c.db_path) if c.db_path.is_file() else None
        if damage:  # E4: found before anything is written to the file
            usable = False
            findings.append(Finding(
                "database", "fault", f"数据库快速检查未通过（{damage}）：请从备份恢复（kiosk restore）",
                f"the database fails PRAGMA quick_check ({damage}): restore a backup"
                " (kiosk restore)"))
        try:
            if usable:
                findings += database_findings(c.open())
            findings.append(migration_finding(pending, unknown))
        except DomainError as exc:  # E4: not the kiosk's, read-only, folder ...
            usable = False
            findings.append(Finding("database", "fault", exc.zh, exc.en))
        except sqlite3.DatabaseError as exc:
            usable = False
            findings.append(Finding(
                "migrations", "fault",
                f"数据库升级失败（{', '.join(pending)}）：{exc}；请恢复升级前的备份（kiosk restore）",
                f"migrating the database failed ({', '.join(pending)}): {exc}; restore the"
                " backup taken before the upgrade (kiosk restore)")
                if pending else _unreadable(c.db_path, exc))
    extra = [backup_folder] if backup_folder is not None else []
    folders, files = install_paths(c.db_path, file_printer_folders(c.settings), extra)
    findings += file_mode_findings(sorted(files), folders)
    findings += key_findings(c.settings, c.clock)
    if usable:
        findings += calendar_findings(c.db, c.settings, c.clock)
    findings += printer_findings(c.settings)
    for f in findings:
        click.echo(f"{MARK[f.status]} {f.part:<11} {f.zh}\n  {'':<11} {f.en}")
    faults = sum(f.status == "fault" for f in findings)
    click.echo(f"{faults} 项故障 faults, {sum(f.status == 'warning' for f in findings)} 项提醒"
               " warnings")
    sys.exit(1 if faults else 0)
