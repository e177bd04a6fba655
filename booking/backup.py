"""Backup and restore of the kiosk database through SQLite's online backup API.

A backup may run while kiosks are writing: the API copies a consistent snapshot into a new
owner-only file, which is then checked read-only (integrity and audit chain).

A restore first copies the backup to a scratch file beside the database and checks that
copy (integrity, migrations known to this version and applied to the copy, audit chain):
the backup file itself is only read. The database being replaced is not checked (it may be
the damaged file the restore is for): it is moved aside as it is, with its -wal, and kept
for investigation. A restore refuses while another process has the database open.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from . import audit
from .errors import DomainError
from .storage import BUSY_TIMEOUT_MS, new_private_file, open_database, schema_state


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    audit_entries: int


@dataclass(frozen=True)
class RestoreResult:
    audit_entries: int
    kept: tuple[Path, ...]  # the replaced database (and its -wal), moved aside unchecked


def _integrity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DomainError("E2", f"{path}不是有效的数据库文件",
                          f"{path} is not a database: {exc}") from None
    if result != "ok":
        raise DomainError("E2", f"{path}完整性检查未通过：{result}",
                          f"{path} fails the integrity check: {result}")


def _chain(db: Database, path: Path) -> int:
    try:
        chain = audit.verify(db)
    except sqlite3.DatabaseError as exc:  # no audit_log: not a kiosk database
        raise DomainError("E2", f"{path}不是终端数据库", f"{path} is not a kiosk database: {exc}"
                          ) from None
    if not chain.ok:
        raise DomainError("S2", f"{path}的审计链在第{chain.broken_at}条断裂",
                          f"{path}: audit chain broken at entry {chain.broken_at}")
    return chain.entries


def check_readonly(path: Path) -> int:
    """Integrity and audit chain of a database file, opened read-only (the file is not
    changed); returns the number of audit entries."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _integrity(conn, path)
        return _chain(Database(conn), path)
    finally:
        conn.close()


def _snapshot(source: Path, dest: Path, *, readonly: bool) -> int:
    """Copy source into dest (made by the caller, owner-only) as one file (rollback
    journal, no -wal); returns its pages. readonly: open source read-only (a backup being
    restored)."""
    uri = f"file:{source}?mode=ro" if readonly else f"file:{source}"
    src = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    out = sqlite3.connect(str(dest))
    try:
        try:
            src.backup(out, pages=256)
        except sqlite3.DatabaseError as exc:
            raise DomainError("E2", f"{source}不是有效的数据库文件",
                              f"{source} is not a database: {exc}") from None
        out.execute("PRAGMA journal_mode = DELETE")
        return out.execute("PRAGMA page_count").fetchone()[0]
    finally:
        out.close()
        src.close()


def backup(source: Path, dest: Path) -> BackupResult:
    """Copy the live database at source to dest (a file that must not exist yet)."""
    source, dest = Path(source), Path(dest)
    if not source.is_file():
        raise DomainError("E1", f"数据库{source}不存在", f"database {source} does not exist")
    try:
        new_private_file(dest)
    except FileExistsError:
        raise DomainError("E1", f"{dest}已存在，请换一个文件名",
                          f"{dest} exists: choose a new name") from None
    try:
        pages = _snapshot(source, dest, readonly=False)
        entries = check_readonly(dest)
    except BaseException:
        dest.unlink(missing_ok=True)  # no half-made or failing file under the backup's name
        raise
    return BackupResult(dest, pages, entries)


def in_use(path: Path) -> bool:
    """Whether another connection has the database open. In WAL mode every open connection
    holds a shared lock, so an exclusive lock is refused while a kiosk runs, even an idle
    one. A file SQLite cannot read at all is not "in use" (it is what a restore replaces)."""
    if not path.exists():
        return False
    conn = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def _aside(target: Path) -> Path:
    n = 0
    while True:
        kept = target.with_name(target.name + ".before-restore" + (f".{n}" if n else ""))
        if not any(Path(str(kept) + s).exists() for s in ("", "-wal", "-shm")):
            return kept
        n += 1


def restore(backup_file: Path, target: Path) -> RestoreResult:
    """Put a checked copy of backup_file in place of target; the old target is moved aside
    unchecked. Stop every kiosk first: a restore refuses while the database is open."""
    backup_file, target = Path(backup_file), Path(target)
    if not backup_file.is_file():
        raise DomainError("E1", f"备份文件{backup_file}不存在", f"backup {backup_file} does not exist")
    if in_use(target):
        raise DomainError("E1", f"数据库{target}正在使用：请先关闭所有终端，再恢复",
                          f"database {target} is in use: stop every kiosk, then restore")
    scratch = target.with_name(target.name + ".restoring")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(scratch) + suffix).unlink(missing_ok=True)
    new_private_file(scratch)
    try:
        _snapshot(backup_file, scratch, readonly=True)
        conn = sqlite3.connect(str(scratch))
        try:
            _integrity(conn, backup_file)
        finally:
            conn.close()
        newer = schema_state(scratch)[1]  # a newer kiosk's file: this one must not write it
        if newer:
            raise DomainError("E1", f"备份{backup_file}来自更新版本的终端（{', '.join(newer)}），"
                              "请先升级本终端",
                              f"backup {backup_file} is from a newer kiosk version"
                              f" ({', '.join(newer)}): upgrade this kiosk first")
        try:  # the copy, not the backup, gets the pending migrations
            db = open_database(scratch)
        except sqlite3.DatabaseError as exc:
            raise DomainError("E2", f"备份{backup_file}无法升级到本版本：{exc}",
                              f"backup {backup_file} cannot be migrated to this version: {exc}"
                              ) from None
        try:
            entries = _chain(db, backup_file)
            db.execute("PRAGMA journal_mode = DELETE")  # one file to move into place
        finally:
            db.conn.close()
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    kept: list[Path] = []
    if target.exists():
        aside = _aside(target)
        try:
            os.link(target, aside)  # target keeps its name until the new file replaces it
        except OSError:
            os.replace(target, aside)
        kept.append(aside)
        wal = Path(str(target) + "-wal")
        if wal.exists():  # committed changes not yet in the main file belong with it
            os.replace(wal, str(aside) + "-wal")
            kept.append(Path(str(aside) + "-wal"))
        Path(str(target) + "-shm").unlink(missing_ok=True)  # an index, rebuilt on open
    os.replace(scratch, target)
    return RestoreResult(entries, tuple(kept))
