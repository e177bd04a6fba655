"""Backup while kiosks write, restore, and the health check (E2, S2, Q1, B2)."""

import hashlib
import multiprocessing
import os
import pathlib
import sqlite3
import stat
import time
from datetime import datetime

import pytest
from click.testing import CliRunner
from support import ROOT

from booking import audit
from booking.clock import SHANGHAI, FixedClock
from booking.storage import open_database, schema_state, transaction
from kiosk.cli import main

CONFIG = str(ROOT / "config" / "kiosk.toml")


def run(db_path, *args, stdin=None):
    return CliRunner().invoke(main, ["--config", CONFIG, "--db", str(db_path), *args],
                              input=stdin)


def write_audit_entries(path, seconds):
    """A kiosk that keeps writing: audited changes as fast as it can (with the CLI's audit
    key, as a kiosk of the same centre would)."""
    from booking.settings import load_settings

    db = open_database(path, key_folder=load_settings(CONFIG).qr.key_folder)
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        with transaction(db):
            audit.record(db, clock, "writer", "test", f"n:{n}", {"n": n})
        n += 1


def test_e2_backup_while_a_kiosk_writes_is_consistent(tmp_path):
    source = tmp_path / "live.db"
    open_database(source).conn.close()
    writer = multiprocessing.get_context("spawn").Process(
        target=write_audit_entries, args=(source, 3.0))
    writer.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not sqlite3.connect(source).execute(
            "SELECT count(*) FROM audit_log").fetchone()[0]:
        time.sleep(0.1)  # the writer has started writing
    try:
        result = run(source, "backup", str(tmp_path / "copy.db"))
    finally:
        writer.join(10)
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] > 0
    # The backup is a snapshot: the live database went on growing.
    live = sqlite3.connect(source).execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    assert live >= copy.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]


def test_e1_backup_refuses_to_overwrite(tmp_path):
    source = tmp_path / "live.db"
    open_database(source).conn.close()
    (tmp_path / "there.db").write_text("x")
    result = run(source, "backup", str(tmp_path / "there.db"))
    assert result.exit_code == 1 and "exists" in result.output


def test_restore_puts_a_checked_backup_in_place(tmp_path):
    live = tmp_path / "live.db"
    assert run(live, "demo").exit_code == 0
    assert run(live, "backup", str(tmp_path / "b.db")).exit_code == 0
    db = sqlite3.connect(live)
    db.execute("DELETE FROM lawyers WHERE cert_no = '13101200910123456'")
    db.commit()
    db.close()
    result = run(live, "restore", str(tmp_path / "b.db"), "--yes")
    assert result.exit_code == 0, result.output
    assert "before-restore" in result.output
    assert run(live, "audit", "verify").exit_code == 0
    restored = sqlite3.connect(live)
    assert restored.execute("SELECT name FROM lawyers WHERE cert_no = '13101200910123456'"
                            ).fetchone() == ("王建国",)


def test_s2_restore_refuses_a_tampered_backup(tmp_path):
    live = tmp_path / "live.db"
    run(live, "demo")
    run(live, "backup", str(tmp_path / "b.db"))
    bad = sqlite3.connect(tmp_path / "b.db")
    bad.execute("UPDATE audit_log SET actor = 'x' WHERE id = 2")
    bad.commit()
    bad.close()
    result = run(live, "restore", str(tmp_path / "b.db"), "--yes")
    assert result.exit_code == 1 and "entry 2" in result.output


def test_doctor_reports_each_part_and_fails_on_a_readable_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths of the config (keys, printer) go here
    live = tmp_path / "live.db"
    run(live, "demo")
    healthy = run(live, "doctor")
    assert healthy.exit_code == 0, healthy.output
    for part in ("database", "audit", "qr_key", "calendar", "printer", "font"):
        assert part in healthy.output
    keys = tmp_path / "var" / "keys"
    keys.mkdir(parents=True, mode=0o700, exist_ok=True)  # owner-only (the S2 key may be there): the key is the fault
    key = keys / "ABCD.key"
    key.write_text("{}")
    key.chmod(0o644)
    sick = run(live, "doctor")
    assert sick.exit_code == 1 and "chmod 600" in sick.output
    refused = run(live)  # the screens never open with such a key
    assert refused.exit_code == 2 and "chmod 600" in refused.output


# --- restore over a damaged database; backups are only read (E2, S2, E1) ---

def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def demo_with_backup(tmp_path):
    live = tmp_path / "live.db"
    assert run(live, "demo").exit_code == 0
    assert run(live, "backup", str(tmp_path / "b.db")).exit_code == 0
    return live, tmp_path / "b.db"


def test_s2_restore_over_a_database_whose_audit_chain_is_broken(tmp_path):
    live, good = demo_with_backup(tmp_path)
    bad = sqlite3.connect(live)
    bad.execute("UPDATE audit_log SET actor = 'x' WHERE id = 2")
    bad.commit()
    bad.close()
    assert run(live, "audit", "verify").exit_code != 0
    before = digest(live)
    result = run(live, "restore", str(good), "--yes")
    assert result.exit_code == 0, result.output
    kept = tmp_path / "live.db.before-restore"
    assert str(kept) in result.output and "unchecked" in result.output
    assert digest(kept) == before  # moved aside as it was, for investigation
    assert run(live, "audit", "verify").exit_code == 0
    assert not list(tmp_path.glob("*.restoring*"))


def test_e2_restore_over_a_file_that_is_not_a_database(tmp_path):
    live, good = demo_with_backup(tmp_path)
    for suffix in ("-wal", "-shm"):
        pathlib.Path(f"{live}{suffix}").unlink(missing_ok=True)
    live.write_bytes(b"\x00garbage" * 1000)
    doctor = run(live, "doctor")
    assert doctor.exit_code == 1 and "restore a backup" in doctor.output
    result = run(live, "restore", str(good), "--yes")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "live.db.before-restore").read_bytes() == b"\x00garbage" * 1000
    assert run(live, "audit", "verify").exit_code == 0
    again = run(live, "restore", str(good), "--yes")  # the first kept file is not overwritten
    assert again.exit_code == 0 and "live.db.before-restore.1" in again.output


def test_e2_checking_a_backup_does_not_change_it(tmp_path):
    live, good = demo_with_backup(tmp_path)
    assert not pathlib.Path(f"{good}-wal").exists()  # one file, rollback journal
    before = digest(good)
    assert run(live, "restore", str(good), "--yes").exit_code == 0
    assert digest(good) == before
    assert {p.name for p in tmp_path.glob("b.db*")} == {"b.db"}


def test_e2_restore_migrates_the_copy_not_the_backup(tmp_path):
    live, old = demo_with_backup(tmp_path)
    conn = sqlite3.connect(old)  # as a backup taken before m006
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_booking_end_indexes'")
    for index in ("bookings_end", "bookings_room_end", "bookings_detainee_end",
                  "bookings_lawyer_end"):
        conn.execute(f"DROP INDEX {index}")
    conn.commit()
    conn.close()
    before = digest(old)
    assert run(live, "restore", str(old), "--yes").exit_code == 0
    assert digest(old) == before
    assert schema_state(live) == ([], [])


def test_e1_restore_refuses_a_backup_from_a_newer_kiosk(tmp_path):
    live, good = demo_with_backup(tmp_path)
    conn = sqlite3.connect(good)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('kiosk', 'm999_future', '2027-01-01')")
    conn.commit()
    conn.close()
    before = digest(live)
    result = run(live, "restore", str(good), "--yes")
    assert result.exit_code == 1 and "newer kiosk version" in result.output
    assert digest(live) == before and not list(tmp_path.glob("*.before-restore*"))


def test_e1_restore_refuses_while_a_kiosk_has_the_database_open(tmp_path):
    live, good = demo_with_backup(tmp_path)
    kiosk = open_database(live)  # an idle kiosk: open, not writing
    try:
        kiosk.execute("SELECT COUNT(*) FROM audit_log").fetchone()
        result = run(live, "restore", str(good), "--yes")
        assert result.exit_code == 1 and "stop every kiosk" in result.output
        assert not list(tmp_path.glob("*.before-restore*"))
    finally:
        kiosk.conn.close()
    assert run(live, "restore", str(good), "--yes").exit_code == 0


# --- owner-only files (S3: names and ID numbers stay with the officers) ---

@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_s3_database_backups_and_restores_are_owner_only(tmp_path, loose_umask):
    from booking.settings import load_settings

    live = tmp_path / "data" / "live.db"
    db = open_database(live, key_folder=load_settings(CONFIG).qr.key_folder)  # the CLI's key
    with transaction(db):
        audit.record(db, FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)),
                     "t", "test", "x", {})
    assert mode(live.parent) == 0o700 and mode(live) == 0o600
    assert mode(pathlib.Path(f"{live}-wal")) == 0o600
    assert mode(pathlib.Path(f"{live}-shm")) == 0o600
    db.conn.close()
    copy = tmp_path / "backups" / "b.db"
    assert run(live, "backup", str(copy)).exit_code == 0
    assert mode(copy.parent) == 0o700 and mode(copy) == 0o600
    assert run(live, "restore", str(copy), "--yes").exit_code == 0
    assert mode(live) == 0o600


def test_s2_s3_an_older_installs_loose_database_is_tightened_at_start_and_said_in_the_log(
        tmp_path, monkeypatch):
    """S2 files: the kiosk's own files an older install left 0644 are made 0600 when a
    command starts (a line in kiosk.log says so); a backup folder the kiosk does not know
    at start is named by doctor with the chmod that fixes it."""
    monkeypatch.chdir(tmp_path)
    live = tmp_path / "live.db"
    assert run(live, "demo").exit_code == 0
    assert run(live, "doctor").exit_code == 0
    live.chmod(0o644)
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o755)
    backups.chmod(0o755)
    (backups / "old.db").write_bytes(live.read_bytes())
    (backups / "old.db").chmod(0o640)
    open_database(live).conn.close()
    assert mode(live) == 0o644  # opening the file alone (the domain) changes no mode
    result = run(live, "doctor", "--backups", str(backups))
    assert result.exit_code == 0, result.output  # a warning, not a fault
    assert mode(live) == 0o600
    logged = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    assert f"{live} was 644, now 600" in logged
    assert mode(tmp_path / "kiosk.log") == 0o600
    assert f"chmod 600 {backups / 'old.db'}" in result.output
    assert f"chmod 700 {backups}" in result.output
    assert f"chmod 600 {live}" not in result.output


# --- doctor sees the schema before opening the file applies migrations ---

def test_e2_doctor_reports_pending_migrations_and_a_newer_kiosks_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    live = tmp_path / "live.db"
    assert run(live, "demo").exit_code == 0
    conn = sqlite3.connect(live)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_booking_end_indexes'")
    for index in ("bookings_end", "bookings_room_end", "bookings_detainee_end",
                  "bookings_lawyer_end"):
        conn.execute(f"DROP INDEX {index}")
    conn.commit()
    conn.close()
    assert schema_state(live) == (["m006_booking_end_indexes"], [])
    result = run(live, "doctor")
    assert result.exit_code == 0, result.output
    assert "migrations were pending" in result.output and "m006_booking_end_indexes" in result.output
    again = run(live, "doctor")
    assert "schema up to date" in again.output
    conn = sqlite3.connect(live)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('kiosk', 'm999_future', '2027-01-01')")
    conn.commit()
    conn.close()
    newer = run(live, "doctor")
    assert newer.exit_code == 1 and "newer kiosk version (m999_future)" in newer.output
