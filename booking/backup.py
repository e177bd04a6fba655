"""Backup and restore of the kiosk database through SQLite's online backup API.

A backup may run while kiosks are writing: the API copies a consistent snapshot.
A restore copies a backup into place only after it passes the integrity check and the
audit chain; the database being replaced is kept beside it.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import audit
from .errors import DomainError
from .storage import BUSY_TIMEOUT_MS, open_database


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    audit_entries: int


def _check(path: Path) -> int:
    """Integrity and audit chain of a database file; returns the number of audit entries."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DomainError("E2", f"{path}不是有效的数据库文件",
                          f"{path} is not a database: {exc}") from None
    finally:
        conn.close()
    if result != "ok":
        raise DomainError("E2", f"{path}完整性检查未通过：{result}",
                          f"{path} fails the integrity check: {result}")
    db = open_database(path)
    try:
        chain = audit.verify(db)
    finally:
        db.conn.close()
    if not chain.ok:
        raise DomainError("S2", f"{path}的审计链在第{chain.broken_at}条断裂",
                          f"{path}: audit chain broken at entry {chain.broken_at}")
    return chain.entries


def backup(source: Path, dest: Path) -> BackupResult:
    """Copy the live database at source to dest (a file that must not exist yet)."""
    source, dest = Path(source), Path(dest)
    if not source.is_file():
        raise DomainError("E1", f"数据库{source}不存在", f"database {source} does not exist")
    if dest.exists():
        raise DomainError("E1", f"{dest}已存在，请换一个文件名", f"{dest} exists: choose a new name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_MS / 1000)
    out = sqlite3.connect(str(dest))
    try:
        src.backup(out, pages=256)
        pages = out.execute("PRAGMA page_count").fetchone()[0]
    finally:
        out.close()
        src.close()
    return BackupResult(dest, pages, _check(dest))


def restore(backup_file: Path, target: Path) -> Path | None:
    """Put a checked backup in place of target. Returns where the old database was kept.

    Stop every kiosk before a restore: they hold the file open."""
    backup_file, target = Path(backup_file), Path(target)
    if not backup_file.is_file():
        raise DomainError("E1", f"备份文件{backup_file}不存在", f"backup {backup_file} does not exist")
    _check(backup_file)
    kept = None
    if target.exists():
        kept = target.with_name(target.name + ".before-restore")
        n = 1
        while kept.exists():
            kept = target.with_name(f"{target.name}.before-restore.{n}")
            n += 1
        backup(target, kept)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    tmp = target.with_name(target.name + ".restoring")
    tmp.unlink(missing_ok=True)
    shutil.copyfile(backup_file, tmp)
    tmp.replace(target)
    return kept
