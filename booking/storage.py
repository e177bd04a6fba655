"""The kiosk's SQLite file: opening it, its schema (sqlite-utils Migrations), transactions."""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations
from sqlite_utils.utils import dedupe_keys

from . import audit
from .clock import SystemClock
from .errors import DomainError
from .files import private_folder

BUSY_TIMEOUT_MS = 10_000
SQLITE_HEADER = b"SQLite format 3\x00"

migrations = Migrations("kiosk")


def new_private_file(path: Path) -> None:
    """Create path as an empty owner-only (0600) file; refuse if it exists. A folder the
    kiosk has to make for it is owner-only (0700). The database, backups and exports hold
    names and ID numbers; SQLite gives a database's -wal and -shm its mode."""
    path = Path(path)
    private_folder(path.parent)  # each folder it makes is 0700
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def migration_names() -> list[str]:
    """Every migration of this version, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def schema_state(path: Path | str) -> tuple[list[str], list[str]]:
    """(pending, unknown) migrations of the file at path, read without opening it for
    writing (open_database would apply the pending ones): unknown are those a newer kiosk
    applied. A missing file has every migration pending."""
    path = Path(path)
    names = migration_names()
    if not path.is_file():
        return names, []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        applied = [m.name for m in migrations.applied(Database(conn))]
    finally:
        conn.close()
    return [n for n in names if n not in applied], [n for n in applied if n not in names]


class DatabaseRefused(DomainError):
    """E4: the file cannot be used as the kiosk's database; nothing was written to it."""

    def __init__(self, path: Path, zh: str, en: str):
        super().__init__("E4", f"数据库{path}：{zh}", f"database {path}: {en}")


def check_database_file(path: Path) -> None:
    """E4, before SQLite touches the file: a folder, a file that is not SQLite (text, a
    truncated or header-damaged file), or a file or folder the kiosk's user cannot write
    (SQLite writes its -wal and -shm beside the file) is refused with what to do."""
    if path.is_dir():
        raise DatabaseRefused(path, "这是文件夹，不是数据库文件：请用 --db 指定数据库文件",
                              "this is a folder, not a database file: give the file with --db")
    if path.exists():
        try:
            with path.open("rb") as source:
                head = source.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise DatabaseRefused(path, f"无法读取（{exc.strerror}）", f"cannot be read"
                                  f" ({exc.strerror})") from None
        if head and head != SQLITE_HEADER:
            raise DatabaseRefused(
                path, "不是SQLite数据库文件（文件头不符，可能已损坏或选错了文件）：请用 --db 指定正确的"
                "文件，或从备份恢复（kiosk restore）",
                "not an SQLite database (its header is wrong: damaged, or the wrong file):"
                " give the right file with --db, or restore a backup (kiosk restore)")
        if not os.access(path, os.W_OK):
            raise DatabaseRefused(
                path, f"文件只读，终端无法写入：请以终端用户执行 chmod 600 {path}（必要时 chown）",
                f"the file is read-only for the kiosk: run chmod 600 {path} as the kiosk's"
                " user (chown it to that user if needed)")
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseRefused(
            path, f"所在文件夹{folder}只读（SQLite须在其中写日志文件）：请执行 chmod 700 {folder}",
            f"its folder {folder} is read-only (SQLite writes its journal there):"
            f" run chmod 700 {folder}")


@contextmanager
def _migration_lock(path: Path) -> Iterator[None]:
    """E4: one process at a time opens and upgrades a database in this folder, so kiosks
    started together on a new file do not race on its migrations. An exclusive flock on
    the folder (not the file: closing another descriptor of the database file would drop
    SQLite's own POSIX locks)."""
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)  # releases the lock


def _check_kiosk_schema(db: Database, path: Path) -> None:
    """E4: a database with tables but none of the kiosk's migrations belongs to another
    application and is never migrated; one with migrations this version does not know was
    upgraded by a newer kiosk and is not written by this one."""
    applied = [m.name for m in migrations.applied(db)] if db["_sqlite_migrations"].exists() \
        else []
    tables = [t for t in db.table_names() if not t.startswith("sqlite_")]
    if tables and not applied:
        raise DatabaseRefused(
            path, "不是本终端的数据库（是其他程序的SQLite文件），未作任何修改：请用 --db 指定终端数据库",
            "not a kiosk database (another application's SQLite file); nothing was changed:"
            " give the kiosk's database with --db")
    unknown = [n for n in applied if n not in migration_names()]
    if unknown:
        raise DatabaseRefused(
            path, f"由较新版本的终端升级过（{', '.join(unknown)}），本版本不写入：请使用新版本",
            f"upgraded by a newer kiosk ({', '.join(unknown)}); this version does not write"
            " to it: use the newer version")


@cache
def kiosk_tables() -> frozenset[str]:
    """The tables every kiosk database of this version has (all migrations applied)."""
    db = Database(memory=True)
    migrations.apply(db)
    return frozenset(t for t in db.table_names() if t != "_sqlite_migrations")


def _check_tables(db: Database, path: Path) -> None:
    """E4: a kiosk database missing one of its tables (audit_log dropped) is damaged or
    tampered with; every command refuses it rather than fail halfway."""
    missing = sorted(kiosk_tables() - set(db.table_names()))
    if missing:
        raise DatabaseRefused(
            path, f"缺少数据表{', '.join(missing)}（已损坏或被篡改）：请从备份恢复（kiosk restore）",
            f"the table(s) {', '.join(missing)} are missing (damaged or tampered with):"
            " restore a backup (kiosk restore)")


def open_database(path: Path | str, *, handed_over: bool = False, key_folder: Path | None = None,
                  anchor_every: int = audit.DEFAULT_ANCHOR_EVERY) -> Database:
    """Open (and create or upgrade) the kiosk database at path. DatabaseRefused (E4) when
    the file is not usable as the kiosk's database (see check_database_file and
    _check_kiosk_schema); nothing is written to it then.

    handed_over: the thread opening it is not the one that will use it (one thread at a
    time): the kiosk opens its file in a start-up thread, then uses it on the UI thread.
    key_folder, anchor_every: S2's audit key (qr.key_folder; None: `keys` beside the
    database) and how often the anchor file beside the database gets the head."""
    path = Path(path)
    if str(path) == ":memory:":
        return _connect(path, handed_over, key_folder, anchor_every)
    check_database_file(path)
    try:
        private_folder(path.parent)
    except OSError as exc:
        raise DatabaseRefused(path, f"无法创建所在文件夹（{exc.strerror}）",
                              f"its folder cannot be made ({exc.strerror})") from None
    with _migration_lock(path):
        if not path.exists():
            try:
                new_private_file(path)  # owner-only; an existing file's mode is left to doctor
            except FileExistsError:  # another kiosk made it just now
                pass
        return _connect(path, handed_over, key_folder, anchor_every)


def _connect(path: Path, handed_over: bool, key_folder: Path | None = None,
             anchor_every: int = audit.DEFAULT_ANCHOR_EVERY) -> Database:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see transaction()).
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=not handed_over)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = Database(conn)
        _check_kiosk_schema(db, path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = ON")  # REPLACE's deletions are noted too (S2)
        audit.bind(db, path, key_folder, anchor_every)  # before the migrations: a baseline is signed
        applied = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        _check_tables(db, path)
        audit.watch(db)
        if applied:
            _after_migrations(db, applied)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseRefused(
            path, f"无法打开或已损坏（{exc}）：请运行 kiosk doctor；如已损坏，请从备份恢复（kiosk restore）",
            f"cannot be opened, or is damaged ({exc}): run kiosk doctor; if it is damaged,"
            " restore a backup (kiosk restore)") from None
    except BaseException:
        conn.close()
        raise
    return db


def _after_migrations(db: Database, applied: list[str]) -> None:
    """S2: a new database's rows (written by its migrations) go into its first entry; an
    existing one gets a baseline entry with the digest of every row, as migrations may
    have rewritten rows (and the first keyed entry of a database from before the key)."""
    existing = scalar(db, "SELECT count(*) FROM audit_log") or any(
        scalar(db, f'SELECT 1 FROM "{t}" LIMIT 1') for t in audit.audited_tables(db)
        if t != "code_stamps")
    if not existing:
        audit.queue_all_rows(db)
        return
    with transaction(db):
        audit.baseline(db, SystemClock(), "kiosk", "migrations: " + ", ".join(applied))


def quick_check(path: Path | str) -> str | None:
    """E4: PRAGMA quick_check of the file, read-only: None when it is sound, else what
    SQLite found (the first problems) or why the file cannot be read."""
    try:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows)


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One write transaction taken with BEGIN IMMEDIATE, so check-then-write is safe
    across processes: a second kiosk waits (busy timeout) instead of racing."""
    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("transaction() does not nest")
    conn.execute("BEGIN IMMEDIATE")
    try:
        mark = audit.pending_mark(db)
        yield db
        audit.refuse_unaudited(db, mark)  # S2: every change has its entry
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        binding = getattr(db, "_kiosk_audit", None)
        if binding is not None:
            binding.anchor_due = False
        raise
    else:
        conn.execute("COMMIT")
        audit.after_commit(db)


def one(db: Database, sql: str, params: tuple | dict = ()) -> dict | None:
    """First row of a query as a dict, or None. A SELECT goes straight to the connection
    (sqlite-utils' query() wraps every statement in a savepoint, in case it writes: two
    more statements per read, and the hottest reads of a booking are these)."""
    if not sql.lstrip()[:6].upper() == "SELECT":
        return next(iter(db.query(sql, params)), None)
    cursor = db.conn.execute(sql, params)
    try:
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip(dedupe_keys(d[0] for d in cursor.description), row, strict=True))
    finally:
        cursor.close()


def insert_row(db: Database, table: str, row: dict) -> int:
    """INSERT one row (values as they are: text, numbers, None) into a table with an INTEGER
    PRIMARY KEY; its id. One statement, where sqlite-utils' insert() also reads the schema
    for views and builds its statement on every call (the use cases' hottest writes)."""
    if not re.fullmatch(r"[a-z_]+", table) or not all(re.fullmatch(r"[a-z_]+", c) for c in row):
        raise ValueError(f"not a table or column name: {table} {list(row)}")
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    return db.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                           tuple(row.values())).lastrowid


def scalar(db: Database, sql: str, params: tuple | dict = ()):
    row = db.execute(sql, params).fetchone()
    return row[0] if row else None


@migrations()
def m001_registers(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE lawyers (
            cert_no TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            firm_name TEXT NOT NULL,
            firm_code TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
            assessed_year INTEGER,
            -- registry: imported from the justice bureau; in_person: not in the registry,
            -- accepted once by an officer who inspected the certificate (V4).
            source TEXT NOT NULL DEFAULT 'registry' CHECK (source IN ('registry', 'in_person'))
        );
        CREATE TABLE detainees (
            roster_no TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            id_no TEXT NOT NULL,
            case_no TEXT NOT NULL,
            charge_category TEXT NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('investigation', 'prosecution', 'trial')),
            case_unit TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('in_custody', 'released', 'transferred'))
        );
        CREATE TABLE aid_letters (
            letter_no TEXT PRIMARY KEY,
            centre TEXT NOT NULL,
            cert_no TEXT NOT NULL,
            roster_no TEXT NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('investigation', 'prosecution', 'trial')),
            issued_on TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'terminated', 'reassigned'))
        );
        CREATE TABLE rooms (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('meeting', 'video', 'interrogation')),
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE staff (
            staff_no TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('officer', 'warden')),
            pin_hash TEXT NOT NULL,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_at TEXT
        );
        -- S2: append-only, hash-chained. AUTOINCREMENT keeps ids from being reused,
        -- so deleting the newest entries still leaves a gap that verify() finds.
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
        );
        -- V6: the defence lawyers of a detainee, from powers of attorney and aid letters.
        CREATE TABLE defenders (
            id INTEGER PRIMARY KEY,
            roster_no TEXT NOT NULL REFERENCES detainees(roster_no),
            cert_no TEXT NOT NULL REFERENCES lawyers(cert_no),
            basis TEXT NOT NULL CHECK (basis IN ('power_of_attorney', 'aid_letter')),
            document_no TEXT NOT NULL,
            signed_by TEXT,
            relation TEXT,
            since TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE UNIQUE INDEX defenders_current
            ON defenders(roster_no, cert_no) WHERE ended_at IS NULL;
        -- V9: every refusal, with who, when, which document and why.
        CREATE TABLE refusals (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            officer TEXT NOT NULL REFERENCES staff(staff_no),
            cert_no TEXT NOT NULL,
            roster_no TEXT NOT NULL,
            rule TEXT NOT NULL,
            document TEXT NOT NULL,
            reason_zh TEXT NOT NULL,
            reason_en TEXT NOT NULL
        );
        CREATE INDEX refusals_at ON refusals(at);
        -- A verified request for a meeting (C1): the 48-hour clock lives here.
        CREATE TABLE meeting_requests (
            id INTEGER PRIMARY KEY,
            presented_at TEXT NOT NULL,
            officer TEXT NOT NULL REFERENCES staff(staff_no),
            cert_no TEXT NOT NULL REFERENCES lawyers(cert_no),
            roster_no TEXT NOT NULL REFERENCES detainees(roster_no),
            firm_code TEXT NOT NULL,
            basis TEXT NOT NULL CHECK (basis IN ('power_of_attorney', 'aid_letter')),
            document_no TEXT NOT NULL,
            inspected_in_person INTEGER NOT NULL DEFAULT 0,
            needs_permission INTEGER NOT NULL DEFAULT 0,
            clock_start TEXT,
            deadline TEXT,
            state TEXT NOT NULL,
            CHECK ((clock_start IS NULL) = (deadline IS NULL))
        );
        CREATE INDEX meeting_requests_presented ON meeting_requests(presented_at);
        CREATE INDEX meeting_requests_state ON meeting_requests(state);
        """
    )


@migrations()
def m002_calendar(db: Database) -> None:
    # B2: dates that differ from the weekly hours. One official row (imported holiday or
    # make-up working day) and one officer row (duty session or closure) may exist for the
    # same date, so taking back an officer's entry leaves the official day as it was.
    db.executescript(
        """
        CREATE TABLE calendar_days (
            day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday', 'duty', 'closed')),
            sessions TEXT,  -- JSON list of "HH:MM-HH:MM", duty sessions only
            name TEXT,      -- the holiday (国庆节), or the officer's reason for a closure
            source TEXT NOT NULL CHECK (source IN ('official_import', 'officer')),
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (day, source),
            CHECK ((source = 'officer') = (kind IN ('duty', 'closed'))),
            CHECK ((kind = 'duty') = (sessions IS NOT NULL))
        );
        """
    )


@migrations()
def m003_bookings(db: Database) -> None:
    # B4-B8, B10, C3-C5, P2, A1-A3: bookings with their overlap guards, permission, assistants.
    db.executescript((Path(__file__).parent / "schema_bookings.sql").read_text(encoding="utf-8"))


@migrations()
def m004_tickets(db: Database) -> None:
    # T1, T3, T4, B8, Q4: one queue ticket per booking; numbers restart each day. The
    # number is allocated as MAX+1 under BEGIN IMMEDIATE, and UNIQUE(day, number) makes a
    # second writer that got it wrong fail instead of handing out the same number twice.
    db.executescript(
        """
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            booking_id INTEGER NOT NULL UNIQUE REFERENCES bookings(id),
            day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            number INTEGER NOT NULL CHECK (number > 0),
            label TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            issued_at TEXT NOT NULL,
            issued_by TEXT NOT NULL,
            called_at TEXT,
            called_by TEXT,
            printed_at TEXT,
            print_error TEXT,
            UNIQUE (day, number)
        );
        CREATE INDEX tickets_waiting ON tickets(day, called_at);
        """
    )


@migrations()
def m005_platform_bookings(db: Database) -> None:
    # B7/E3: bookings imported from the online booking platform, by the platform's own
    # reference, so importing the same file again books nothing twice. The request row is
    # written first and the booking linked after it, so an import cut short is completed by
    # the next one.
    db.executescript(
        """
        CREATE TABLE platform_bookings (
            external_ref TEXT PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES meeting_requests(id),
            booking_id INTEGER UNIQUE REFERENCES bookings(id),
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            file TEXT NOT NULL
        );
        """
    )


@migrations()
def m006_booking_end_indexes(db: Database) -> None:
    # Offers, the interrogation-room check and the B4 triggers look for bookings that end
    # after a time; indexed by start only, they read a room's (a person's) whole history.
    db.executescript(
        """
        CREATE INDEX bookings_end ON bookings(end_ts);
        CREATE INDEX bookings_room_end ON bookings(room_id, end_ts);
        CREATE INDEX bookings_detainee_end ON bookings(roster_no, end_ts);
        CREATE INDEX bookings_lawyer_end ON bookings(cert_no, end_ts);
        """
    )


@migrations()
def m007_issue10_attribution_and_closing(db: Database) -> None:
    # C4: the offers the lawyer declined when a later time was booked, as JSON
    # [{"kind", "room", "start"}], so "deferred by lawyer" can be shown to rest on a real
    # offer. C7: a request closed because the detainee left (or the lawyer lapsed) puts the
    # lawyer on the watch list "to notify" until the officer records the call.
    db.executescript(
        """
        ALTER TABLE bookings ADD COLUMN declined_offers TEXT;
        ALTER TABLE meeting_requests ADD COLUMN notify_since TEXT;
        ALTER TABLE meeting_requests ADD COLUMN notified_at TEXT;
        ALTER TABLE meeting_requests ADD COLUMN notified_by TEXT;
        """
    )


@migrations()
def m008_issue10b_defence_end(db: Database) -> None:
    # V6: why and when a defence ended (the document's date), and who recorded it; the
    # two-lawyer limit counts only defences with ended_at NULL.
    db.executescript(
        """
        ALTER TABLE defenders ADD COLUMN end_reason TEXT
            CHECK (end_reason IN ('revoked', 'withdrew', 'aid_ended'));
        ALTER TABLE defenders ADD COLUMN ended_on TEXT;
        ALTER TABLE defenders ADD COLUMN ended_by TEXT;
        """
    )


def _widen_basis_check(db: Database) -> None:
    """V10: meeting_requests.basis also takes 'duty_notice'. SQLite cannot alter a CHECK, and a
    rebuilt table would have to name every column other migrations add; widening an IN list
    only loosens the constraint, which SQLite's ALTER TABLE documentation allows through
    writable_schema (same file format, schema version bumped, integrity checked)."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table'"
                     " AND name = 'meeting_requests'").fetchone()[0]
    old = "CHECK (basis IN ('power_of_attorney', 'aid_letter'))"
    if old not in sql:
        raise RuntimeError("meeting_requests.basis CHECK not as created by m001")
    new = sql.replace(old, "CHECK (basis IN ('power_of_attorney', 'aid_letter', 'duty_notice'))")
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table'"
                   " AND name = 'meeting_requests'", (new,))
        db.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")
    problems = db.execute("PRAGMA integrity_check").fetchall()
    if problems != [("ok",)]:
        raise RuntimeError(f"integrity check after widening basis: {problems}")


@migrations()
def m009_issue14_duty_lawyers_hand_entry_notify(db: Database) -> None:
    # V10: legal-help notices (法律帮助通知书) and the centre's duty roster.
    # V7/V10: a letter or notice the officer entered by hand (entered_by/at) is "to confirm"
    # until an import contains it (confirmed_at) or contradicts it (contradicted_at).
    # B12: the case deadline of a fast-track case. P2: the lawyer's phone, and when and how
    # the lawyer was told of the authority's decision.
    db.executescript(
        """
        CREATE TABLE duty_notices (
            notice_no TEXT PRIMARY KEY,
            issuer TEXT NOT NULL,
            cert_no TEXT NOT NULL,
            roster_no TEXT NOT NULL,
            issued_on TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
            entered_by TEXT,
            entered_at TEXT,
            confirmed_at TEXT,
            contradicted_at TEXT
        );
        CREATE TABLE duty_roster (
            cert_no TEXT NOT NULL,
            date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            PRIMARY KEY (cert_no, date)
        );
        ALTER TABLE aid_letters ADD COLUMN entered_by TEXT;
        ALTER TABLE aid_letters ADD COLUMN entered_at TEXT;
        ALTER TABLE aid_letters ADD COLUMN confirmed_at TEXT;
        ALTER TABLE aid_letters ADD COLUMN contradicted_at TEXT;
        ALTER TABLE detainees ADD COLUMN case_deadline TEXT;
        ALTER TABLE meeting_requests ADD COLUMN lawyer_phone TEXT;
        ALTER TABLE meeting_requests ADD COLUMN lawyer_told_at TEXT;
        ALTER TABLE meeting_requests ADD COLUMN lawyer_told_by TEXT;
        ALTER TABLE meeting_requests ADD COLUMN lawyer_told_how TEXT
            CHECK (lawyer_told_how IN ('printed', 'phone'));
        """
    )
    _widen_basis_check(db)


@migrations()
def m010_issue11_integrity(db: Database) -> None:
    # S2/S4/Q1 (issue 11): entries carry the digests of the rows they wrote; every database
    # has a random identity, and codes carry a stamp derived from it that a restore renews;
    # anchors copied into a backup live in it; codes of an earlier version or epoch are
    # accepted only for bookings that existed then (code_stamps).
    db.executescript(
        """
        ALTER TABLE audit_log ADD COLUMN row_digests TEXT;
        CREATE TABLE kiosk_identity (
            id TEXT NOT NULL CHECK (length(id) = 32),
            created_at TEXT NOT NULL
        );
        CREATE TABLE audit_anchors (
            id INTEGER PRIMARY KEY,
            line TEXT NOT NULL
        );
        -- Q1/S4: the stamp codes carry; NULL valid_up_to: the current one. An earlier stamp
        -- (before a restore, or 'K1' for codes of the version before stamps) is accepted
        -- only for bookings up to valid_up_to, the last one that existed then.
        CREATE TABLE code_stamps (
            stamp TEXT PRIMARY KEY,
            valid_up_to INTEGER
        );
        """
    )
    identity = secrets.token_hex(16)
    db.execute("INSERT INTO kiosk_identity (id, created_at) VALUES"
               " (?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))", (identity,))
    db.execute("INSERT INTO code_stamps (stamp, valid_up_to) VALUES (?, NULL)",
               (audit.new_code_stamp(identity),))
    last_booking = scalar(db, "SELECT max(id) FROM bookings")
    if last_booking:  # K1 codes (no stamp) were printed for these bookings
        db.execute("INSERT INTO code_stamps (stamp, valid_up_to) VALUES ('K1', ?)",
                   (last_booking,))
    _bookings_autoincrement(db)


def _bookings_autoincrement(db: Database) -> None:
    """Q1/S4: booking ids are never reused (a deleted last booking's id would otherwise come
    back, and its printed code with it). SQLite cannot add AUTOINCREMENT in place: the table
    is rebuilt (see _rebuild_table)."""
    sql = scalar(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bookings'")
    if "AUTOINCREMENT" in sql.upper():
        return
    new_sql, found = re.subn(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", "id INTEGER PRIMARY KEY"
                             " AUTOINCREMENT", sql, count=1, flags=re.IGNORECASE)
    if not found:
        raise RuntimeError("bookings has no 'id INTEGER PRIMARY KEY' column to make AUTOINCREMENT")
    _rebuild_table(db, "bookings", new_sql)


def _rebuild_table(db: Database, table: str, new_sql: str) -> None:
    """Make `table` again from new_sql (its CREATE TABLE, changed), inside the migration's
    transaction, keeping every row with its rowid (S2's row digests are keyed by it) and
    every value as it was. The rows wait in a holding table while `table` is dropped and
    created again, so the foreign keys of other tables (deferred for this transaction) find
    their rows again when they are copied back; the table's indexes and triggers, whoever
    made them, are created again after the copy. A row the new table refuses (a CHECK)
    fails the migration, which then changes nothing."""
    columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
    keys = [row for row in db.execute(f'PRAGMA table_info("{table}")') if row[5]]
    # An INTEGER PRIMARY KEY column is the rowid; any other table keeps its rowid apart.
    rowid_alias = len(keys) == 1 and keys[0][2].upper() == "INTEGER"
    names = ", ".join(f'"{c}"' for c in columns)
    extras = [row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY type = 'trigger', name", (table,))]
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute(f'CREATE TABLE "{table}_holding" AS SELECT rowid AS "_rowid_", * FROM "{table}"')
    db.execute(f'DROP TABLE "{table}"')
    db.execute(new_sql)
    if rowid_alias:
        db.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{table}_holding"')
    else:
        db.execute(f'INSERT INTO "{table}" (rowid, {names}) SELECT "_rowid_", {names}'
                   f' FROM "{table}_holding"')
    db.execute(f'DROP TABLE "{table}_holding"')
    for statement in extras:
        db.execute(statement)
    # A row of another table left without its parent would fail the commit (deferred).


def _with_check(sql: str, column_definition: str, check: str) -> str:
    """The CREATE TABLE sql with `CHECK (...)` added to one column's definition."""
    pattern = r"\b" + r"\s+".join(map(re.escape, column_definition.split())) + r"\b"
    new_sql, found = re.subn(pattern, f"{column_definition} {check}", sql, count=1)
    if not found:
        raise RuntimeError(f"no column '{column_definition}' to add {check} to")
    return new_sql


# Issue 13: the state columns that had no CHECK, with the values they may hold, written out
# here as m011 wrote them (a later migration widens them; a test holds them to RequestState).
STATE_CHECKS: dict[str, tuple[str, str, tuple[str | int, ...]]] = {
    "meeting_requests": ("state TEXT NOT NULL", "state", (
        "open", "awaiting_permission", "booked", "met", "breached", "deferred_by_lawyer",
        "no_show", "cancelled", "permission_denied", "detainee_released",
        "detainee_transferred", "lapsed_by_lawyer")),
    "rooms": ("active INTEGER NOT NULL DEFAULT 1", "active", (0, 1)),
}


def _sql_value(value: str | int) -> str:
    """A constant of a CHECK (DDL takes no parameters): a lower-case code or an integer."""
    if isinstance(value, int):
        return str(value)
    if not re.fullmatch(r"[a-z_]+", value):
        raise ValueError(f"not a state code: {value}")
    return f"'{value}'"


@migrations()
def m011_issue13_state_checks(db: Database) -> None:
    # Issue 13: every state column has a CHECK, as bookings.state had from m003: a request
    # state the code does not name cannot be written, nor a room that is neither active (1)
    # nor retired (0). SQLite adds a CHECK only by rebuilding the table.
    for table, (definition, column, values) in STATE_CHECKS.items():
        sql = scalar(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                     (table,))
        allowed = ", ".join(map(_sql_value, values))
        _rebuild_table(db, table, _with_check(sql, definition, f"CHECK ({column} IN ({allowed}))"))


@migrations()
def m012_issue16_hot_lookups(db: Database) -> None:
    # Issue 16: the look-ups every booking makes read a whole year's history without these.
    # - B4's meetings in progress (real_occupancy, start_refusal, every offer and booking):
    #   indexed only where state = 'in_progress', in rowid order as a scan reads them, so the
    #   queries return the same rows in the same order.
    # - B4's overlap triggers, on every booking written: (room_id, start_ts) reads every
    #   earlier booking of the room, (cert_no, start_ts) every earlier meeting of the lawyer
    #   and (roster_no, start_ts) of the detainee; (…, end_ts) under the triggers' own state
    #   list (word for word, as a partial index needs) only those that end after the new one
    #   starts. Booking's queries over OCCUPYING_STATES read them as sets or ORDER BY.
    # - C1's "this lawyer's request for this detainee that still awaits its meeting"
    #   (verification.current_request, at every presentation): by the pair, not by state.
    db.executescript(
        """
        CREATE INDEX bookings_in_progress ON bookings(state) WHERE state = 'in_progress';
        CREATE INDEX bookings_room_end_occupying ON bookings(room_id, end_ts)
            WHERE state IN ('booked', 'arrived', 'in_progress', 'done');
        CREATE INDEX bookings_lawyer_end_occupying ON bookings(cert_no, end_ts)
            WHERE state IN ('booked', 'arrived', 'in_progress', 'done');
        CREATE INDEX bookings_detainee_end_occupying ON bookings(roster_no, end_ts)
            WHERE state IN ('booked', 'arrived', 'in_progress', 'done');
        CREATE INDEX meeting_requests_pair ON meeting_requests(cert_no, roster_no);
        """
    )
