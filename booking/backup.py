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
from .clock import Clock
from .errors import DomainError
from .storage import BUSY_TIMEOUT_MS, new_private_file, open_database, schema_state, transaction


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    audit_entries: int


@dataclass(frozen=True)
class RestoreResult:
    audit_entries: int
    kept: tuple[Path, ...]  # the replaced database (and its -wal), moved aside unchecked
    removed: tuple[Path, ...] = ()  # older copies beyond audit.keep_before_restore


@dataclass(frozen=True)
class Loss:
    """S4: what the live database has that the backup has not (None: cannot be read)."""

    entries: int | None
    requests: int | None
    bookings: int | None
    live_head: str = ""

    def lines(self) -> tuple[str, str]:
        if self.entries is None:
            return ("现数据库无法读取，无法列出将丢失的记录",
                    "the live database cannot be read: what will be lost cannot be listed")
        return (f"将丢失：审计记录{self.entries}条、会见申请{self.requests}件、预约{self.bookings}件"
                f"（现数据库审计头 {self.live_head}）",
                f"will be lost: {self.entries} audit entries, {self.requests} requests and"
                f" {self.bookings} bookings made after the backup (live head {self.live_head})")


@dataclass
class RestorePlan:
    """A checked copy of a backup, ready to replace the live database."""

    backup_file: Path
    target: Path
    scratch: Path
    key_folder: Path | None
    identity: str
    head: tuple[int, str]
    other_centre: bool
    loss: Loss


def _integrity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DomainError("E2", f"{path}不是有效的数据库文件",
                          f"{path} is not a database: {exc}") from None
    if result != "ok":
        raise DomainError("E2", f"{path}完整性检查未通过：{result}",
                          f"{path} fails the integrity check: {result}")


def _chain(db: Database, path: Path, key: bytes | None = None) -> int:
    try:
        chain = audit.verify(db, key)
    except sqlite3.DatabaseError as exc:  # no audit_log: not a kiosk database
        raise DomainError("E2", f"{path}不是终端数据库", f"{path} is not a kiosk database: {exc}"
                          ) from None
    if not chain.ok:
        raise DomainError("S2", f"{path}的审计链在第{chain.broken_at}条断裂",
                          f"{path}: audit chain broken at entry {chain.broken_at}")
    return chain.entries


def check_readonly(path: Path, key: bytes | None = None) -> int:
    """Integrity and audit chain of a database file, opened read-only (the file is not
    changed); returns the number of audit entries. key: the audit key (S2); without it only
    the sequence and links are checked."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _integrity(conn, path)
        db = Database(conn)
        if key is None:
            return _chain_unkeyed(db, path)
        return _chain(db, path, key)
    finally:
        conn.close()


def _chain_unkeyed(db: Database, path: Path) -> int:
    try:
        return db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DomainError("E2", f"{path}不是终端数据库", f"{path} is not a kiosk database: {exc}"
                          ) from None


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


def backup(source: Path, dest: Path, key: bytes | None = None) -> BackupResult:
    """Copy the live database at source to dest (a file that must not exist yet). With the
    audit key (S2), the backup's chain is checked keyed, and the backup gets its anchors:
    the live anchor file's lines for this database since its last restore, and a line for
    the backup's own head, which is appended to the live anchor file too."""
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
        entries = check_readonly(dest, key)
        if key is not None:
            _anchor_backup(source, dest, key)
    except BaseException:
        dest.unlink(missing_ok=True)  # no half-made or failing file under the backup's name
        raise
    return BackupResult(dest, pages, entries)


def _anchor_backup(source: Path, dest: Path, key: bytes) -> None:
    conn = sqlite3.connect(str(dest), isolation_level=None)
    try:
        db = Database(conn)
        line = audit.make_anchor(db, key, "backup")
        if line is None:
            return
        lines = [text for text in audit.read_anchor_lines(audit.anchor_file(source))
                 if (a := audit.parse_anchor(text)) and a.identity == line.identity]
        lines = lines[max((i for i, t in enumerate(lines) if "\trestore\t" in t), default=0):]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO audit_anchors (line) VALUES (?)",
                         [(text,) for text in [*lines, line.line()]])
        conn.execute("COMMIT")
    finally:
        conn.close()
    audit.append_anchor_line(audit.anchor_file(source), line.line())


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


def _refuse_non_kiosk(path: Path, backup_file: Path) -> None:
    """S4/E4: only a kiosk database is restored (and nothing else is ever migrated)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise DomainError("S4", f"{backup_file}不是有效的数据库文件", f"{backup_file} is not a"
                          f" database: {exc}") from None
    finally:
        conn.close()
    if not {"_sqlite_migrations", "audit_log", "bookings"} <= names:
        raise DomainError("S4", f"{backup_file}不是本终端的数据库（缺少终端的数据表），已拒绝恢复",
                          f"{backup_file} is not a kiosk database (the kiosk's tables are"
                          " missing): refused")


def _live_identity(target: Path) -> tuple[str, Database | None]:
    """The live database's identity, or the anchor file's when the file cannot be read."""
    if target.is_file():
        try:
            conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
            db = Database(conn)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return audit.identity(db), db
        except sqlite3.DatabaseError:
            pass
    lines = [a for t in audit.read_anchor_lines(audit.anchor_file(target))
             if (a := audit.parse_anchor(t))]
    return (lines[-1].identity if lines else ""), None


def _loss(live: Database | None, backup: Database) -> Loss:
    if live is None:
        return Loss(None, None, None)
    try:
        top = audit.head(live)
        mine = audit.head(backup)
        entries = (top[0] if top else 0) - (mine[0] if mine else 0)
        after = {}
        for table in ("meeting_requests", "bookings"):
            last = backup.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            after[table] = live.execute(f"SELECT count(*) FROM {table} WHERE id > ?",
                                        (last,)).fetchone()[0]
        return Loss(max(entries, 0), after["meeting_requests"], after["bookings"],
                    audit.short_head(top[0], top[1]) if top else "-")
    except sqlite3.DatabaseError:
        return Loss(None, None, None)


def plan_restore(backup_file: Path, target: Path, key_folder: Path | None = None, *,
                 other_centre: bool = False) -> RestorePlan:
    """S4: check a backup on a copy beside target before anything is replaced: not empty, a
    kiosk database, this centre's (unless other_centre), its audit chain keyed and intact,
    not shorter than its own anchors nor than the live anchor file's record, every row
    matching its audit digest. Returns the plan with what would be lost."""
    backup_file, target = Path(backup_file), Path(target)
    if not backup_file.is_file():
        raise DomainError("E1", f"备份文件{backup_file}不存在", f"backup {backup_file} does not exist")
    if backup_file.stat().st_size == 0:
        raise DomainError("S4", f"备份文件{backup_file}是空文件，已拒绝恢复",
                          f"backup {backup_file} is an empty file: refused")
    if in_use(target):
        raise DomainError("E1", f"数据库{target}正在使用：请先关闭所有终端，再恢复",
                          f"database {target} is in use: stop every kiosk, then restore")
    scratch = target.with_name(target.name + ".restoring")
    for suffix in ("", "-wal", "-shm", "-journal", audit.ANCHOR_SUFFIX):
        Path(str(scratch) + suffix).unlink(missing_ok=True)
    new_private_file(scratch)
    live = None
    try:
        _snapshot(backup_file, scratch, readonly=True)
        conn = sqlite3.connect(str(scratch))
        try:
            _integrity(conn, backup_file)
        finally:
            conn.close()
        _refuse_non_kiosk(scratch, backup_file)
        newer = schema_state(scratch)[1]  # a newer kiosk's file: this one must not write it
        if newer:
            raise DomainError("E1", f"备份{backup_file}来自更新版本的终端（{', '.join(newer)}），"
                              "请先升级本终端",
                              f"backup {backup_file} is from a newer kiosk version"
                              f" ({', '.join(newer)}): upgrade this kiosk first")
        try:  # the copy, not the backup, gets the pending migrations
            db = open_database(scratch, key_folder=key_folder, anchor_every=0)
        except sqlite3.DatabaseError as exc:
            raise DomainError("E2", f"备份{backup_file}无法升级到本版本：{exc}",
                              f"backup {backup_file} cannot be migrated to this version: {exc}"
                              ) from None
        try:
            ident = audit.identity(db)
            live_ident, live = _live_identity(target)
            if live_ident and ident != live_ident and not other_centre:
                raise DomainError("S4", f"{backup_file}是另一个数据库（另一看守所）的备份，已拒绝；"
                                  "确需迁移时加 --other-centre",
                                  f"{backup_file} is a backup of another database (another"
                                  " centre): refused; for a deliberate move add --other-centre")
            key = audit.binding_of(db).key
            lines = audit.read_anchor_lines(audit.anchor_file(target))
            result = audit.check(db, key)
            top = result.head[0] if result.head else 0
            mine = [t for t in lines if (a := audit.parse_anchor(t)) and a.entry_id <= top]
            if ident == live_ident:  # the live anchor file's record of this database
                audit.check_anchors(db, key, mine, "the live anchor file", result)
            if result.entries == 0:
                result.add("sequence", None, "the backup has no audit entries")
            if not result.ok:
                first = result.problems[0]
                raise DomainError("S4", f"备份{backup_file}的审计检查未通过，已拒绝恢复：{first.text}",
                                  f"backup {backup_file} fails the audit check and is refused:"
                                  f" {first.kind}: {first.text}")
            loss = _loss(live, db)
            db.execute("PRAGMA journal_mode = DELETE")  # one file to move into place
        finally:
            db.conn.close()
            if live is not None:
                live.conn.close()
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    return RestorePlan(backup_file, target, scratch, key_folder, ident,
                       result.head, other_centre, loss)


def discard(plan: RestorePlan) -> None:
    plan.scratch.unlink(missing_ok=True)


def _before_restore_copies(target: Path) -> list[Path]:
    copies = [p for p in target.parent.glob(target.name + ".before-restore*")
              if not p.name.endswith(("-wal", "-shm"))]
    return sorted(copies, key=lambda p: p.stat().st_mtime)


def apply_restore(plan: RestorePlan, clock: Clock, actor: str, keep: int = 5) -> RestoreResult:
    """Put the checked copy in place: the restore is audited in the restored database (with
    what was lost, and a new code stamp so codes issued after the backup are refused), the
    old database is moved aside as it is, copies beyond `keep` are removed, and the anchor
    file gets a restore line."""
    target = plan.target
    try:
        db = open_database(plan.scratch, key_folder=plan.key_folder, anchor_every=0)
        try:
            with transaction(db):
                last_booking = db.execute("SELECT coalesce(max(id), 0) FROM bookings"
                                          ).fetchone()[0]
                old = db.execute("SELECT stamp FROM code_stamps WHERE valid_up_to IS NULL"
                                 ).fetchone()
                db.execute("UPDATE code_stamps SET valid_up_to = ? WHERE valid_up_to IS NULL",
                           (last_booking,))
                stamp = audit.new_code_stamp(plan.identity)
                db.execute("INSERT INTO code_stamps (stamp, valid_up_to) VALUES (?, NULL)",
                           (stamp,))
                audit.record(db, clock, actor, "restore", f"file:{plan.backup_file.name}", {
                    "backup_head": audit.short_head(*plan.head), "lost_entries":
                    plan.loss.entries, "lost_requests": plan.loss.requests, "lost_bookings":
                    plan.loss.bookings, "other_centre": plan.other_centre,
                    "code_stamp": {"old": old[0] if old else None, "new": stamp}})
            line = audit.make_anchor(db, audit.binding_of(db).key, "restore")
            entries = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            db.execute("PRAGMA journal_mode = DELETE")
        finally:
            db.conn.close()
    except BaseException:
        discard(plan)
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
    os.replace(plan.scratch, target)
    if line is not None:
        audit.append_anchor_line(audit.anchor_file(target), line.line())
    removed: list[Path] = []
    for old_copy in _before_restore_copies(target)[:-keep]:
        for path in (old_copy, Path(str(old_copy) + "-wal")):
            if path.exists():
                path.unlink()
                removed.append(path)
    return RestoreResult(entries, tuple(kept), tuple(removed))


def restore(backup_file: Path, target: Path, key_folder: Path | None = None, *,
            clock: Clock, actor: str = "cli", other_centre: bool = False,
            keep: int = 5) -> RestoreResult:
    """plan_restore, then apply_restore (no question asked)."""
    plan = plan_restore(backup_file, target, key_folder, other_centre=other_centre)
    return apply_restore(plan, clock, actor, keep)
