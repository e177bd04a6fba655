"""The kiosk's SQLite file: opening it, its schema (sqlite-utils Migrations), transactions."""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import audit
from .clock import SystemClock

BUSY_TIMEOUT_MS = 10_000

migrations = Migrations("kiosk")


def new_private_file(path: Path) -> None:
    """Create path as an empty owner-only (0600) file; refuse if it exists. A folder the
    kiosk has to make for it is owner-only (0700). The database, backups and exports hold
    names and ID numbers; SQLite gives a database's -wal and -shm its mode."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
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


def open_database(path: Path | str, *, handed_over: bool = False, key_folder: Path | None = None,
                  anchor_every: int = audit.DEFAULT_ANCHOR_EVERY) -> Database:
    """Open (and create or upgrade) the kiosk database at path.

    handed_over: the thread opening it is not the one that will use it (one thread at a
    time): the kiosk opens its file in a start-up thread, then uses it on the UI thread.
    key_folder, anchor_every: S2's audit key (qr.key_folder; None: `keys` beside the
    database) and how often the anchor file beside the database gets the head."""
    path = Path(path)
    if str(path) != ":memory:" and not path.exists():
        try:
            new_private_file(path)  # owner-only; an existing file's mode is left to doctor
        except FileExistsError:  # another kiosk made it just now
            pass
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see transaction()).
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=not handed_over)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")  # REPLACE's deletions are noted too (S2)
    db = Database(conn)
    audit.bind(db, path, key_folder, anchor_every)  # before the migrations: a baseline is signed
    applied = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    audit.watch(db)
    if applied:
        _after_migrations(db, applied)
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
    """First row of a query as a dict, or None."""
    return next(iter(db.query(sql, params)), None)


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
def m007_issue11_integrity(db: Database) -> None:
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
    is rebuilt inside the migration's transaction. The rows wait in a holding table while
    `bookings` is dropped and created again, so the foreign keys of tickets, assistants and
    the rest (deferred for this transaction) find their rows again when they are copied back;
    the table's indexes and triggers, whoever made them, are created again after the copy."""
    sql = scalar(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bookings'")
    if "AUTOINCREMENT" in sql.upper():
        return
    new_sql, found = re.subn(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", "id INTEGER PRIMARY KEY"
                             " AUTOINCREMENT", sql, count=1, flags=re.IGNORECASE)
    if not found:
        raise RuntimeError("bookings has no 'id INTEGER PRIMARY KEY' column to make AUTOINCREMENT")
    extras = [row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'bookings' AND type IN ('index',"
        " 'trigger') AND sql IS NOT NULL ORDER BY type = 'trigger', name")]
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute("CREATE TABLE bookings_holding AS SELECT * FROM bookings")
    db.execute("DROP TABLE bookings")
    db.execute(new_sql)
    db.execute("INSERT INTO bookings SELECT * FROM bookings_holding")
    db.execute("DROP TABLE bookings_holding")
    for statement in extras:
        db.execute(statement)
    # A row of another table left without its booking would fail the commit (deferred).
