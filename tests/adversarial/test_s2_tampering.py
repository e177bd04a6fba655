"""S2 as an attacker with the sqlite3 shell would try it: every tampering is found by the
keyed chain, the anchors or the row digests, and named (one test per case)."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from click.testing import CliRunner
from support import LAWYER, OFFICER, ROOT, at, presentation

from booking import audit
from booking.meetings import book
from booking.storage import open_database, transaction
from booking.verification import verify_documents
from kiosk.cli import main

CONFIG = str(ROOT / "config" / "kiosk.toml")


def outside(db_path, *statements):
    """Tamper from another connection, as with the sqlite3 shell (no kiosk triggers)."""
    conn = sqlite3.connect(db_path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.fixture
def record(centre, clock, settings, tmp_path):
    """A small day's record: a booking, a refusal, a met request; anchored at a clean stop."""
    db = centre
    request = verify_documents(db, clock, OFFICER, presentation()).request
    book(db, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
         delay_reason="rooms_busy")
    verify_documents(db, clock, OFFICER, presentation(cert_no="13101201510234567"))  # suspended
    audit.anchor(db, "stop")
    return db


def check(db, tmp_path):
    return audit.check(db, audit.binding_of(db).key,
                       audit.read_anchor_lines(tmp_path / "kiosk.db.anchors"))


def kinds(result) -> dict[str, str]:
    return {p.kind: p.text for p in result.problems}


def test_s2_untouched_record_checks_clean(record, tmp_path):
    result = check(record, tmp_path)
    assert result.ok, result.problems
    assert result.entries >= 4 and result.head is not None


# --- the must-show cases, through `kiosk audit verify` -----------------------------------


@pytest.fixture
def kiosk(tmp_path):
    db_path = tmp_path / "cli.db"

    def run(*args, stdin=None):
        return CliRunner().invoke(main, ["--config", CONFIG, "--db", str(db_path), *args],
                                  input=stdin)

    run.db_path = db_path
    assert run("demo").exit_code == 0
    for n in range(12):
        assert run("staff", "add", f"20{n:02d}", "--name", "警官", "--role", "officer",
                   "--pin-stdin", stdin="246810\n").exit_code == 0
    assert run("audit", "verify").exit_code == 0
    return run


def test_s2_deleting_the_last_ten_entries_and_lowering_the_sequence(kiosk):
    top = sqlite3.connect(kiosk.db_path).execute("SELECT max(id) FROM audit_log").fetchone()[0]
    outside(kiosk.db_path, f"DELETE FROM audit_log WHERE id > {top - 10}",
            f"UPDATE sqlite_sequence SET seq = {top - 10} WHERE name = 'audit_log'")
    result = kiosk("audit", "verify")
    assert result.exit_code == 1
    # the anchor file remembers entries the chain no longer has
    assert f"the chain ends at entry {top - 10} but anchor file line" in result.output
    assert "staff row" in result.output  # rows those entries wrote no longer match


def test_s2_direct_update_of_a_lawyers_status(kiosk):
    outside(kiosk.db_path, "UPDATE lawyers SET status = 'active' WHERE status != 'active'")
    result = kiosk("audit", "verify")
    assert result.exit_code == 1
    assert "lawyers row" in result.output and "changed without an audit entry" in result.output
    assert "cert_no=" in result.output


# --- the other kinds ------------------------------------------------------------------------


def test_s2_deleting_every_entry(record, tmp_path):
    outside(tmp_path / "kiosk.db", "DELETE FROM audit_log", "DELETE FROM sqlite_sequence")
    found = kinds(check(record, tmp_path))
    assert "anchor" in found and "rows" in found


def test_s2_editing_an_entry_and_recomputing_the_later_plain_hashes(record, tmp_path):
    rows = record.execute("SELECT id, at, actor, action, subject, detail FROM audit_log"
                          " ORDER BY id").fetchall()
    prev = audit.GENESIS
    statements = []
    for entry_id, at_, actor, action, subject, detail in rows:
        if entry_id == 2:
            actor = "mallory"
        digest = audit._digest(prev, entry_id, at_, actor, action, subject, detail)
        statements.append(f"UPDATE audit_log SET actor = '{actor}', prev_hash = '{prev}',"
                          f" hash = '{digest}' WHERE id = {entry_id}")
        prev = digest
    outside(tmp_path / "kiosk.db", *statements)
    result = check(record, tmp_path)
    assert not result.ok
    assert result.first().entry == 1 and result.first().kind == "key"
    assert "anchor" in kinds(result)


def test_s2_appending_a_forged_entry(record, tmp_path):
    entry_id, prev, _ = audit.head(record)
    detail = json.dumps({"note": "forged"})
    forged = hashlib.sha256(f"{prev}{entry_id + 1}".encode()).hexdigest()
    outside(tmp_path / "kiosk.db",
            "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash)"
            f" VALUES ({entry_id + 1}, '2026-11-24T10:00:00+08:00', '1001', 'book',"
            f" 'booking:99', '{detail}', '{prev}', '{forged}')")
    result = check(record, tmp_path)
    assert kinds(result)["key"].startswith(f"entry {entry_id + 1} is not signed")


def test_s2_copying_one_pin_hash_onto_another_account(record, tmp_path):
    outside(tmp_path / "kiosk.db",
            "UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE staff_no = '9001')"
            f" WHERE staff_no = '{OFFICER}'")
    assert f"staff_no={OFFICER}" in kinds(check(record, tmp_path))["rows"]


def test_s2_moving_a_booking_to_another_room(record, tmp_path):
    outside(tmp_path / "kiosk.db", "UPDATE bookings SET room_id = 'M2'")
    assert "bookings row 1" in kinds(check(record, tmp_path))["rows"]


def test_s2_deleting_a_refusal(record, tmp_path):
    outside(tmp_path / "kiosk.db", "DELETE FROM refusals")
    assert "refusals row 1 was deleted" in kinds(check(record, tmp_path))["rows"]


def test_s2_marking_requests_met(record, tmp_path):
    outside(tmp_path / "kiosk.db", "UPDATE meeting_requests SET state = 'met'")
    assert "meeting_requests row" in kinds(check(record, tmp_path))["rows"]


def test_s2_a_row_written_outside_the_kiosk_has_no_digest(record, tmp_path):
    outside(tmp_path / "kiosk.db",
            "INSERT INTO lawyers (cert_no, name, firm_name, firm_code, status)"
            f" SELECT '{LAWYER[:-1]}9', name, firm_name, firm_code, status FROM lawyers"
            " LIMIT 1")
    assert "has no audit entry" in kinds(check(record, tmp_path))["rows"]


def test_s2_an_edited_anchor_line_is_refused(record, tmp_path):
    path = tmp_path / "kiosk.db.anchors"
    text = path.read_text()
    path.write_text(text.replace("\tstop\t", "\tevery\t", 1))
    assert "not a valid signed anchor" in kinds(check(record, tmp_path))["anchor"]


def test_s2_a_kiosk_change_without_its_audit_entry_is_not_committed(record, clock):
    with pytest.raises(RuntimeError, match="lawyers row"), transaction(record):
        record.execute("UPDATE lawyers SET status = 'active'")
    assert record.execute("SELECT count(*) FROM lawyers WHERE status != 'active'"
                          ).fetchone()[0] == 2


def test_s2_another_key_does_not_verify(record, tmp_path):
    assert kinds(audit.check(record, b"k" * 32))["key"].startswith("entry 1 ")


def test_s2_an_old_database_gets_a_baseline_and_keeps_its_plain_entries(tmp_path, clock):
    """An existing database (before the key): its plain entries are accepted, a baseline
    entry digests every row; editing a plain entry breaks the link into the keyed part."""
    from sqlite_utils import Database

    from booking.storage import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    old = Database(conn)
    migrations.apply(old, stop_before="m010_issue11_integrity")
    prev = audit.GENESIS
    for n in range(1, 4):
        detail = json.dumps({"n": n})
        digest = audit._digest(prev, n, "2026-11-01T09:00:00+08:00", "cli", "add_staff",
                               f"staff:{n}", detail)
        conn.execute("INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash,"
                     " hash) VALUES (?, '2026-11-01T09:00:00+08:00', 'cli', 'add_staff', ?, ?,"
                     " ?, ?)", (n, f"staff:{n}", detail, prev, digest))
        conn.execute("INSERT INTO staff (staff_no, name, role, pin_hash) VALUES (?, '警官',"
                     " 'officer', 'x')", (str(n),))
        prev = digest
    conn.close()
    db = open_database(path)
    last = db.execute("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert last[0] == "audit_baseline" and "m010_issue11_integrity" in last[1]
    assert audit.check(db, audit.binding_of(db).key).ok
    db.conn.close()
    outside(path, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    db = open_database(path)
    assert not audit.verify(db).ok
