"""S2: every change appends a hash-chained entry; edits and deletions are found."""

import sqlite3
from datetime import timedelta

import pytest

from booking import audit
from booking.storage import transaction


@pytest.fixture
def chain(db, clock):
    for n in range(5):
        with transaction(db):
            audit.record(db, clock, "1001", "test", f"thing:{n}", {"n": n, "名": "李四"})
        clock.advance(timedelta(minutes=1))
    return db


def test_s2_intact_chain_verifies(chain):
    report = audit.verify(chain)
    assert report.ok and report.entries == 5


@pytest.mark.parametrize("sql, broken", [
    ("UPDATE audit_log SET actor = 'x' WHERE id = 3", 3),
    ("UPDATE audit_log SET detail = '{}' WHERE id = 1", 1),
    ("DELETE FROM audit_log WHERE id = 2", 2),
    ("DELETE FROM audit_log WHERE id = 5", 5),
    ("DELETE FROM audit_log WHERE id >= 4", 4),
    ("DELETE FROM audit_log", 1),
])
def test_s2_edit_or_delete_names_first_broken_entry(chain, tmp_path, sql, broken):
    # Tamper from outside, as with the sqlite3 shell.
    outside = sqlite3.connect(tmp_path / "kiosk.db")
    outside.execute(sql)
    outside.commit()
    outside.close()
    report = audit.verify(chain)
    assert not report.ok and report.broken_at == broken


def test_s2_rehashing_one_entry_still_breaks_the_link(chain):
    chain.execute("UPDATE audit_log SET hash = ? WHERE id = 2", ("f" * 64,))
    assert audit.verify(chain).broken_at == 2


def test_s2_edit_with_a_recomputed_plain_hash_is_found_at_the_entry(chain):
    # A plain SHA-256 can be recomputed by whoever edits an entry; the keyed signature
    # cannot, so the edited entry itself is named.
    row = chain.execute("SELECT id, at, actor, action, subject, detail, prev_hash"
                        " FROM audit_log WHERE id = 2").fetchone()
    forged = audit._digest(row[6], row[0], row[1], "mallory", row[3], row[4], row[5])
    chain.execute("UPDATE audit_log SET actor = 'mallory', hash = ? WHERE id = 2", (forged,))
    report = audit.verify(chain)
    assert report.broken_at == 2 and "audit key" in report.reason


def test_s2_record_outside_a_transaction_is_refused(db, clock):
    with pytest.raises(RuntimeError):
        audit.record(db, clock, "1001", "test", "x")


def test_s2_entry_rolls_back_with_its_change(db, clock):
    with pytest.raises(ZeroDivisionError), transaction(db):
        audit.record(db, clock, "1001", "test", "x")
        raise ZeroDivisionError
    assert db.table("audit_log").count == 0
    with transaction(db):
        audit.record(db, clock, "1001", "test", "y")
    assert audit.verify(db).ok
