"""E4 as a careless installer (or an attacker) tries it: every case of issue 11 points 5-7
gets its own message and exit status, the file is unchanged, and none of them reaches the
top-level handler (exit 70)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import ROOT

from booking.storage import open_database
from kiosk.cli import EXIT_DATABASE, EXIT_UNFORESEEN, main

CONFIG = ROOT / "config" / "kiosk.toml"
LAWYERS = ("cert_no,name,firm_name,firm_code,status,assessed_year\n"
           "13101200910123456,王建国,上海申正律师事务所,3131010142QXJNP17A,active,2025\n")


def run(db: Path, *args: str, config: Path = CONFIG):
    return CliRunner().invoke(main, ["--config", str(config), "--db", str(db), *args])


def no_traceback(result) -> None:
    """The command ended by its own sys.exit with a message, not by an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code != EXIT_UNFORESEEN, result.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def read_only(path: Path):
    """Really read-only for this process: chmod for a normal user; root ignores modes, so
    as root the file or folder is made immutable (chattr +i) for the test."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


@pytest.fixture
def kiosk_db(tmp_path, monkeypatch):
    """A demo database in tmp_path (keys and printer output there too)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "kiosk.db"
    assert run(path, "demo").exit_code == 0
    return path


def bad_file(kind: str, good: Path, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.db"
    if kind == "text":
        path.write_text("这不是数据库 not a database\n" * 200, encoding="utf-8")
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:3000])
    elif kind == "header":
        data = bytearray(good.read_bytes())
        data[:16] = b"garbage garbage!"
        path.write_bytes(bytes(data))
    elif kind == "folder":
        path.mkdir()
    return path


COMMANDS = [("staff", "list"), ("audit", "verify"), ("import", "lawyers", "lawyers.csv"),
            ("report",), ("qr", "rotate")]
EXPECTED = {"text": "not an SQLite database", "header": "not an SQLite database",
            "truncated": "damaged", "folder": "this is a folder"}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_e4_a_file_that_is_not_a_usable_database(kiosk_db, tmp_path, kind, command):
    (tmp_path / "lawyers.csv").write_text(LAWYERS, encoding="utf-8")
    path = bad_file(kind, kiosk_db, tmp_path)
    before = digest(path) if path.is_file() else None
    result = run(path, *command)
    no_traceback(result)
    assert result.exit_code == EXIT_DATABASE, result.output
    assert EXPECTED[kind] in result.output
    assert (digest(path) if path.is_file() else None) == before
    assert not Path(f"{path}-wal").exists()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_e4_a_read_only_database_file(kiosk_db, tmp_path, command):
    (tmp_path / "lawyers.csv").write_text(LAWYERS, encoding="utf-8")
    keys = sorted((tmp_path / "var" / "keys").glob("*.key"))
    before = digest(kiosk_db)
    with read_only(kiosk_db):
        result = run(kiosk_db, *command)
    no_traceback(result)
    assert result.exit_code == EXIT_DATABASE
    assert "read-only" in result.output and f"chmod 600 {kiosk_db}" in result.output
    assert digest(kiosk_db) == before
    # qr rotate: no key rotated without its audit entry
    assert sorted((tmp_path / "var" / "keys").glob("*.key")) == keys


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_e4_a_database_in_a_read_only_folder(kiosk_db, tmp_path, command):
    (tmp_path / "lawyers.csv").write_text(LAWYERS, encoding="utf-8")
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "kiosk.db"
    with sqlite3.connect(kiosk_db) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    with read_only(folder):
        result = run(path, *command)
    no_traceback(result)
    assert result.exit_code == EXIT_DATABASE and f"chmod 700 {folder}" in result.output


def test_e4_another_applications_sqlite_file_is_refused_never_migrated(tmp_path):
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    before = digest(path)
    for command in COMMANDS[:2]:
        result = run(path, *command)
        no_traceback(result)
        assert result.exit_code == EXIT_DATABASE and "not a kiosk database" in result.output
    assert digest(path) == before
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_e4_a_newer_schema_is_refused_for_writes(kiosk_db, tmp_path):
    with sqlite3.connect(kiosk_db) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                     " VALUES ('kiosk', 'm999_from_the_future', '2027-01-01')")
    (tmp_path / "lawyers.csv").write_text(LAWYERS, encoding="utf-8")
    before = digest(kiosk_db)
    result = run(kiosk_db, "import", "lawyers", "lawyers.csv")
    no_traceback(result)
    assert result.exit_code == EXIT_DATABASE
    assert "newer kiosk (m999_from_the_future)" in result.output
    assert digest(kiosk_db) == before


def test_e4_audit_verify_with_the_audit_table_dropped(kiosk_db):
    with sqlite3.connect(kiosk_db) as conn:
        conn.execute("DROP TABLE audit_log")
    result = run(kiosk_db, "audit", "verify")
    no_traceback(result)
    assert result.exit_code == EXIT_DATABASE and "audit_log are missing" in result.output


def test_e4_json_nested_100000_deep(kiosk_db, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run(kiosk_db, "import", "lawyers", str(path))
    no_traceback(result)
    assert result.exit_code == 1 and "nested too deep" in result.output


def test_e4_toml_nested_2000_deep(tmp_path):
    config = tmp_path / "deep.toml"
    config.write_text("x = " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8")
    for args in (["staff", "list"], []):  # a command, and the screens
        result = run(tmp_path / "k.db", *args, config=config)
        no_traceback(result)
        assert result.exit_code == 2 and "nested too deep" in result.output


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_e4_report_with_an_impossible_year(kiosk_db, day):
    result = run(kiosk_db, "report", "--to", day)
    no_traceback(result)
    assert result.exit_code == 2 and "the year must be from 1970 to 2199" in result.output


def test_e4_backup_into_an_unwritable_place(kiosk_db, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        result = run(kiosk_db, "backup", str(folder / "b.db"))
    no_traceback(result)
    assert result.exit_code == 1 and "cannot write the backup" in result.output
    (tmp_path / "file.txt").write_text("x")
    under_a_file = run(kiosk_db, "backup", str(tmp_path / "file.txt" / "b.db"))
    no_traceback(under_a_file)
    assert under_a_file.exit_code == 1 and "cannot write the backup" in under_a_file.output


def test_e4_import_bookings_qr_dir_with_an_exposed_key_books_nothing(kiosk_db, tmp_path):
    key = next((tmp_path / "var" / "keys").glob("*.key"), None)
    if key is None:  # no booking signed yet: make the key
        assert run(kiosk_db, "qr", "rotate").exit_code == 0
        key = next((tmp_path / "var" / "keys").glob("*.key"))
    key.chmod(0o644)
    csv = tmp_path / "platform.csv"
    csv.write_text("external_ref,cert_no,roster_no,start,room_kind\n"
                   "WEB-1,13101200910123456,2026001,2026-12-04 09:00,meeting\n",
                   encoding="utf-8")
    with sqlite3.connect(kiosk_db) as conn:
        before = conn.execute("SELECT COUNT(*) FROM bookings").fetchone()[0]
    result = run(kiosk_db, "import", "bookings", str(csv), "--officer", "1001",
                 "--qr-dir", str(tmp_path / "codes"))
    no_traceback(result)
    assert result.exit_code == 2 and f"chmod 600 var/keys/{key.name}" in result.output
    with sqlite3.connect(kiosk_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM bookings").fetchone()[0] == before
        assert conn.execute("SELECT COUNT(*) FROM platform_bookings").fetchone()[0] == 0


def _open_and_count(path: str, start, queue) -> None:
    start.wait()
    try:
        db = open_database(path)
        queue.put(("ok", db.table("audit_log").count))
        db.conn.close()
    except Exception as exc:  # reported to the test, which fails on it
        queue.put(("error", repr(exc)))


def test_e4_four_kiosks_starting_together_on_a_new_database(tmp_path):
    """Migrations serialised: 4 processes open (create, migrate) one new file at once."""
    context = multiprocessing.get_context("spawn")
    start, queue = context.Event(), context.Queue()
    path = str(tmp_path / "new.db")
    workers = [context.Process(target=_open_and_count, args=(path, start, queue))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(10)
    assert outcomes == [("ok", 0)] * 4, outcomes
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert len(names) == len(set(names))


def _damage_middle_pages(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 6
    data = bytearray(path.read_bytes())
    for page in range(pages // 2 - 1, pages // 2 + 2):
        data[page * page_size:(page + 1) * page_size] = os.urandom(page_size)
    path.write_bytes(bytes(data))


def test_e4_damaged_middle_pages_are_found_by_doctor_and_stop_the_screens(kiosk_db):
    from kiosk.startup import Preview, Startup, StartupFailure

    _damage_middle_pages(kiosk_db)
    before = digest(kiosk_db)
    doctor = run(kiosk_db, "doctor")
    no_traceback(doctor)
    # The random pages may hold table data (quick_check names them) or the schema's own
    # overflow pages (the file cannot be read at all): either way a fault, nothing written.
    assert doctor.exit_code == 1 and ("fails PRAGMA quick_check" in doctor.output
                                      or "cannot read the database" in doctor.output)
    with pytest.raises(StartupFailure) as info:
        Startup(CONFIG, kiosk_db, Preview("", None, None)).load()
    assert info.value.code == EXIT_DATABASE and "is damaged" in info.value.text
    assert digest(kiosk_db) == before  # nothing written before the report


def test_e4_anything_unforeseen_is_a_message_a_log_entry_and_exit_70(kiosk_db, tmp_path,
                                                                     monkeypatch):
    import booking.staff

    def broken(db):
        raise ZeroDivisionError("a fault nobody wrote a message for")

    monkeypatch.setattr(booking.staff, "list_staff", broken)
    result = run(kiosk_db, "staff", "list")
    assert result.exit_code == EXIT_UNFORESEEN
    assert "unexpected error (ZeroDivisionError)" in result.output
    log = tmp_path / "kiosk-errors.log"
    assert "Traceback" in log.read_text() and "a fault nobody wrote" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600
