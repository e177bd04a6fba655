"""S1: salted slow PIN hashes, the lock after five wrong PINs, unlock by a warden."""

import pytest

from booking import audit
from booking.errors import DomainError, SignInError
from booking.staff import add_staff, list_staff, sign_in, unlock
from booking.storage import open_database


def test_s1_pin_is_stored_as_salted_argon2_hash(db, clock):
    add_staff(db, clock, "test", "1001", "陈警官", "officer", "246810")
    add_staff(db, clock, "test", "1002", "林警官", "officer", "246810")
    hashes = [r["pin_hash"] for r in db.query("SELECT pin_hash FROM staff")]
    assert all(h.startswith("$argon2") and "246810" not in h for h in hashes)
    assert hashes[0] != hashes[1]  # salted
    assert "246810" not in str(list(db.query("SELECT * FROM audit_log")))


def test_s1_the_kiosk_hashes_pins_with_argon2_at_its_production_cost():
    """The tests' own process hashes with the lightest argon2 (tests/conftest.py); the
    kiosk's parameters are checked here, in an interpreter the tests did not touch."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import booking.staff as s, argon2.low_level as low;"
         " h = s._hasher; d = s._DUMMY_HASH;"
         " print(h.time_cost, h.memory_cost, h.parallelism, d.split('$')[3])"],
        capture_output=True, text=True, check=True).stdout.split()
    time_cost, memory_kib, lanes, dummy = int(out[0]), int(out[1]), int(out[2]), out[3]
    assert time_cost >= 3 and memory_kib >= 64 * 1024 and lanes >= 1
    assert dummy == f"m={memory_kib},t={time_cost},p={lanes}"  # unknown numbers cost the same


def test_s1_sign_in_ok_and_wrong_pin_counts_without_saying_so(db, clock):
    """S1: a wrong PIN counts on disk, but the words are those of an unknown number (no
    "N tries left": that would tell a known number from an unknown one)."""
    add_staff(db, clock, "test", "1001", "陈警官", "officer", "246810")
    with pytest.raises(SignInError) as info:
        sign_in(db, clock, "1001", "000000")
    assert (info.value.zh, info.value.en) == ("警号或PIN错误", "wrong staff number or PIN")
    assert db.table("staff").get("1001")["failed_attempts"] == 1
    assert sign_in(db, clock, "1001", "246810").role == "officer"
    assert db.table("staff").get("1001")["failed_attempts"] == 0


def test_s1_five_wrong_pins_lock_until_a_warden_unlocks_and_survive_restart(tmp_path, clock):
    path = tmp_path / "k.db"
    db = open_database(path)
    add_staff(db, clock, "test", "1001", "陈警官", "officer", "246810")
    add_staff(db, clock, "test", "9001", "周所长", "warden", "135790")
    for _ in range(4):
        with pytest.raises(SignInError):
            sign_in(db, clock, "1001", "999999")
    with pytest.raises(SignInError) as info:
        sign_in(db, clock, "1001", "999999")
    assert "锁定" in info.value.zh
    db.conn.close()

    db = open_database(path)  # a restart
    with pytest.raises(SignInError) as info:
        sign_in(db, clock, "1001", "246810")  # even the right PIN
    assert "locked" in info.value.en
    assert [m.locked for m in list_staff(db)] == [True, False]
    with pytest.raises(DomainError):
        unlock(db, clock, "1001", "1001")  # officers cannot unlock
    unlock(db, clock, "9001", "1001")
    assert sign_in(db, clock, "1001", "246810").staff_no == "1001"
    assert audit.verify(db).ok


def test_s1_unknown_staff_gets_the_same_message(db, clock):
    with pytest.raises(SignInError) as info:
        sign_in(db, clock, "7777", "246810")
    assert info.value.en == "wrong staff number or PIN"


@pytest.mark.parametrize("pin", ["123", "12345a", "１２３４５６"])
def test_s1_e1_bad_pin_is_refused_and_nothing_written(db, clock, pin):
    with pytest.raises(DomainError):
        add_staff(db, clock, "test", "1001", "陈警官", "officer", pin)
    assert db.table("staff").count == 0 and db.table("audit_log").count == 0


def test_s1_duplicate_staff_number(db, clock):
    add_staff(db, clock, "test", "1001", "陈警官", "officer", "246810")
    with pytest.raises(DomainError):
        add_staff(db, clock, "test", "1001", "别人", "warden", "246810")
    assert db.table("staff").count == 1
