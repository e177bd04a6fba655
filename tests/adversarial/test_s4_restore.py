"""S4: a restore never replaces the database with an empty, foreign, gutted or other
centre's file, says what will be lost, is audited, and keeps a bounded number of copies."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from click.testing import CliRunner
from support import ROOT

from kiosk.cli import main

CONFIG = str(ROOT / "config" / "kiosk.toml")


def run(db_path, *args, stdin=None):
    return CliRunner().invoke(main, ["--config", CONFIG, "--db", str(db_path), *args],
                              input=stdin)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the config's key folder (var/keys) goes here
    path = tmp_path / "live.db"
    assert run(path, "demo").exit_code == 0
    assert run(path, "backup", str(tmp_path / "good.bak")).exit_code == 0
    assert run(path, "staff", "add", "3001", "--name", "新警官", "--role", "officer",
               "--pin-stdin", stdin="246810\n").exit_code == 0
    return path


def refused_unchanged(live, backup, *more):
    before = digest(live)
    result = run(live, "restore", "--yes", str(backup), *more)
    assert result.exit_code != 0, result.output
    assert digest(live) == before  # byte for byte
    assert not list(live.parent.glob("*.before-restore*"))
    return result.output


def test_s4_an_empty_file_is_refused(live, tmp_path):
    (tmp_path / "empty.bak").write_bytes(b"")
    assert "empty file" in refused_unchanged(live, tmp_path / "empty.bak")


def test_s4_a_foreign_sqlite_file_is_refused_and_not_migrated(live, tmp_path):
    foreign = tmp_path / "other-app.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('hello')")
    conn.commit()
    conn.close()
    before = digest(foreign)
    assert "not a kiosk database" in refused_unchanged(live, foreign)
    assert digest(foreign) == before


def test_s4_a_gutted_backup_is_refused(live, tmp_path):
    gutted = tmp_path / "gutted.bak"
    gutted.write_bytes((tmp_path / "good.bak").read_bytes())
    conn = sqlite3.connect(gutted)
    conn.execute("DELETE FROM audit_log")
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'audit_log'")
    conn.commit()
    conn.close()
    assert "fails the audit check" in refused_unchanged(live, gutted)


def test_s4_a_backup_shortened_below_its_own_anchor_is_refused(live, tmp_path):
    short = tmp_path / "short.bak"
    short.write_bytes((tmp_path / "good.bak").read_bytes())
    conn = sqlite3.connect(short)
    top = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.execute("DELETE FROM audit_log WHERE id > ?", (top - 2,))
    conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'", (top - 2,))
    conn.commit()
    conn.close()
    output = refused_unchanged(live, short)
    assert f"anchored entry {top}" in output or "anchored entry" in output


def test_s4_another_centres_database_is_refused_unless_asked(live, tmp_path):
    other = tmp_path / "other" / "centre.db"
    other.parent.mkdir()
    assert run(other, "demo").exit_code == 0
    assert run(other, "backup", str(tmp_path / "other.bak")).exit_code == 0
    assert "another centre" in refused_unchanged(live, tmp_path / "other.bak")
    moved = run(live, "restore", "--yes", "--other-centre", str(tmp_path / "other.bak"))
    assert moved.exit_code == 0, moved.output


def test_s4_what_will_be_lost_is_said_and_asked_again(live, tmp_path):
    before = digest(live)
    answer_no = run(live, "restore", str(tmp_path / "good.bak"), stdin="n\n")
    assert answer_no.exit_code == 1
    assert "1 audit entries" in answer_no.output or "audit entries" in answer_no.output
    assert "will be lost" in answer_no.output
    assert digest(live) == before


def test_s4_the_restore_is_audited_in_the_restored_database(live, tmp_path):
    result = run(live, "restore", "--yes", str(tmp_path / "good.bak"))
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(live)
    action, detail = conn.execute("SELECT action, detail FROM audit_log ORDER BY id DESC"
                                  " LIMIT 1").fetchone()
    assert action == "restore"
    assert json.loads(detail)["lost_entries"] >= 1
    conn.close()
    assert run(live, "audit", "verify").exit_code == 0


def test_s4_old_copies_are_kept_up_to_the_configured_number(live, tmp_path):
    for _ in range(7):
        assert run(live, "restore", "--yes", str(tmp_path / "good.bak")).exit_code == 0
    copies = [p for p in tmp_path.glob("live.db.before-restore*")
              if not p.name.endswith(("-wal", "-shm"))]
    assert len(copies) == 5  # audit.keep_before_restore
