"""Backup while kiosks write, restore, and the health check (E2, S2, Q1, B2)."""

import multiprocessing
import sqlite3
import time
from datetime import datetime

from click.testing import CliRunner
from support import ROOT

from booking import audit
from booking.clock import SHANGHAI, FixedClock
from booking.storage import open_database, transaction
from kiosk.cli import main

CONFIG = str(ROOT / "config" / "kiosk.toml")


def run(db_path, *args, stdin=None):
    return CliRunner().invoke(main, ["--config", CONFIG, "--db", str(db_path), *args],
                              input=stdin)


def write_audit_entries(path, seconds):
    """A kiosk that keeps writing: audited changes as fast as it can."""
    db = open_database(path)
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
    time.sleep(1.0)
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
    keys.mkdir(parents=True)
    key = keys / "ABCD.key"
    key.write_text("{}")
    key.chmod(0o644)
    sick = run(live, "doctor")
    assert sick.exit_code == 1 and "chmod 600" in sick.output
    refused = run(live)  # the screens never open with such a key
    assert refused.exit_code == 2 and "chmod 600" in refused.output
