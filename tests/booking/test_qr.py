"""Q1-Q4: signed booking codes, the key file, rotation, and check-in by scanning a code."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from support import LAWYER, OFFICER, at, presentation

from booking.clock import SHANGHAI
from booking.errors import DomainError
from booking.meetings import book, close_without_meeting, get_booking, start_meeting
from booking.qr import (
    KeyFileError,
    Keyring,
    check_in_by_code,
    code_for,
    read_code,
    rotate_key,
)
from booking.verification import verify_documents


@pytest.fixture
def settings(settings, tmp_path):
    return settings.model_copy(update={
        "qr": settings.qr.model_copy(update={"key_folder": tmp_path / "keys"})})




def booking_at(db, clock, settings, start, **changes):
    request = verify_documents(db, clock, OFFICER, presentation(**changes)).request
    reason = None if start == clock.now() else "rooms_busy"
    return book(db, clock, settings, OFFICER, request.id, "M1", start, delay_reason=reason)


@pytest.fixture
def afternoon(centre, clock, settings):
    """Booked at 09:00 for 13:00 today; its code, and the clock at 12:50 on arrival."""
    booking = booking_at(centre, clock, settings, at(2026, 11, 24, 13, 0))
    code = code_for(settings, clock, booking)
    clock.set(at(2026, 11, 24, 12, 50))
    return booking, code


def state(db) -> dict:
    """Everything a scan could change, row by row."""
    return {table: list(db.query(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in ("bookings", "tickets", "meeting_requests", "audit_log")}


def refused(db, clock, settings, code) -> DomainError:
    before = state(db)
    with pytest.raises(DomainError) as info:
        check_in_by_code(db, clock, settings, OFFICER, code)
    assert state(db) == before  # Q2: nothing changes
    return info.value


def test_q1_code_carries_no_personal_data_and_the_key_is_owner_only(centre, clock, settings,
                                                                   afternoon):
    booking, code = afternoon
    assert re.fullmatch(r"K2\.[A-Z2-7]{4}\.1\.202611250100\.[A-Z2-7]{4}\.[A-Z2-7]{16}", code)
    for personal in (LAWYER, "2026001", "王建国", "李四", "310101198503120428"):
        assert personal not in code
    [key_file] = (settings.qr.key_folder).glob("*.key")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert oct(settings.qr.key_folder.stat().st_mode & 0o777) == "0o700"
    assert code_for(settings, clock, booking) == code  # same key, same code


def test_q2_q3_valid_code_checks_in_and_queues(centre, clock, settings, afternoon):
    booking, code = afternoon
    result = check_in_by_code(centre, clock, settings, OFFICER, code)
    assert not result.repeat and result.ticket.label == "A001"
    assert (result.lawyer_name, result.cert_no, result.firm_name) == \
        ("王建国", LAWYER, "上海申正律师事务所")  # Q3: for the officer to compare
    assert result.booking.state == "arrived"
    assert get_booking(centre, clock, booking.id).state == "arrived"
    actions = [r["action"] for r in centre.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["arrive", "issue_ticket"]


def test_q4_second_scan_returns_the_same_ticket_and_changes_nothing(centre, clock, settings,
                                                                     afternoon):
    _, code = afternoon
    first = check_in_by_code(centre, clock, settings, OFFICER, code)
    before = state(centre)
    clock.advance(timedelta(minutes=5))
    again = check_in_by_code(centre, clock, settings, OFFICER, code.lower())  # scanner case
    assert again.repeat and again.ticket == first.ticket
    assert state(centre) == before
    assert centre.table("tickets").count == 1
    start_meeting(centre, clock, settings, OFFICER, first.booking.id)  # still shown once started
    assert check_in_by_code(centre, clock, settings, OFFICER, code).ticket == first.ticket


def flip(code: str, position: int) -> str:
    ch = code[position]
    other = "7" if ch != "7" else "A"
    return code[:position] + other + code[position + 1:]


def test_q2_altered_or_forged_codes_are_refused(centre, clock, settings, afternoon):
    booking, code = afternoon
    booking_at(centre, clock, settings, at(2026, 11, 24, 14, 0), roster_no="2026002",
               letter_detainee_name="张三", poa_signed_by="张三")  # a booking 2 exists too
    version, stamp, booking_id, expiry, key_id, signature = code.split(".")
    cases = {
        "signature": flip(code, len(code) - 3),
        "booking id": ".".join([version, stamp, "2", expiry, key_id, signature]),
        "expiry": ".".join([version, stamp, booking_id, "202612312359", key_id, signature]),
        "key id": ".".join([version, stamp, booking_id, expiry, flip(key_id, 0), signature]),
        "stamp": ".".join([version, flip(stamp, 0), booking_id, expiry, key_id, signature]),
    }
    for what, altered in cases.items():
        error = refused(centre, clock, settings, altered)
        assert error.rule == "Q2", what
        assert "窗口" in error.zh and "desk" in error.en
    for junk in ("", "hello", "K2.1.202611250100.ABCD.ABCDEFGHIJKLMNOP", code + "X"):
        assert "格式" in refused(centre, clock, settings, junk).zh
    assert "签名不符" in refused(centre, clock, settings, cases["signature"]).zh
    assert "密钥未知" in refused(centre, clock, settings, cases["key id"]).zh


def test_q2_expired_code_is_refused(centre, clock, settings, afternoon):
    _, code = afternoon  # expires 13:00 + 12 h
    clock.set(at(2026, 11, 25, 1, 1))
    error = refused(centre, clock, settings, code)
    assert "过期" in error.zh and "2026-11-25 01:00" in error.zh


def test_q2_cancelled_booking_is_refused(centre, clock, settings, afternoon):
    booking, code = afternoon
    close_without_meeting(centre, clock, OFFICER, booking.id, "cancelled")
    assert "已取消" in refused(centre, clock, settings, code).zh


def test_q2_code_for_another_day_is_refused_then_works_on_the_day(centre, clock, settings):
    booking = booking_at(centre, clock, settings, at(2026, 11, 25, 9, 0))
    code = code_for(settings, clock, booking)
    error = refused(centre, clock, settings, code)
    assert "2026-11-25" in error.zh and "不是今天" in error.zh and "not today" in error.en
    clock.set(at(2026, 11, 25, 8, 50))
    assert check_in_by_code(centre, clock, settings, OFFICER, code).ticket.label == "A001"


def test_b10_late_lawyer_scan_is_refused_and_changes_nothing(centre, clock, settings,
                                                            afternoon):
    _, code = afternoon
    clock.set(at(2026, 11, 24, 13, 16))
    assert refused(centre, clock, settings, code).rule == "B10"


def test_q2_valid_signature_for_a_missing_booking(centre, clock, settings, afternoon):
    booking, _ = afternoon
    ghost = code_for(settings, clock, booking.model_copy(update={"id": 99}))
    assert "不存在" in refused(centre, clock, settings, ghost).zh


def test_q1_key_file_readable_by_others_is_refused_with_the_fix(centre, clock, settings,
                                                               afternoon):
    booking, code = afternoon
    [key_file] = settings.qr.key_folder.glob("*.key")
    os.chmod(key_file, 0o644)
    with pytest.raises(KeyFileError) as info:
        check_in_by_code(centre, clock, settings, OFFICER, code)
    assert f"chmod 600 {key_file}" in info.value.zh and f"chmod 600 {key_file}" in info.value.en
    with pytest.raises(KeyFileError):
        code_for(settings, clock, booking)
    os.chmod(key_file, 0o600)
    assert check_in_by_code(centre, clock, settings, OFFICER, code).ticket.label == "A001"


def test_q1_rotation_keeps_old_codes_for_the_grace_period(centre, clock, settings, afternoon):
    booking, old_code = afternoon
    old_key = old_code.split(".")[4]
    new_key = rotate_key(centre, clock, settings, OFFICER)
    assert new_key != old_key
    new_code = code_for(settings, clock, booking)
    assert new_code.split(".")[4] == new_key
    assert read_code(settings, clock, old_code).booking_id == booking.id  # within grace
    assert read_code(settings, clock, new_code).booking_id == booking.id
    audit = centre.execute("SELECT detail FROM audit_log WHERE action = 'rotate_qr_key'")
    assert old_key in audit.fetchone()[0]

    no_grace = settings.model_copy(update={
        "qr": settings.qr.model_copy(update={"grace_days": 0})})
    clock.advance(timedelta(minutes=1))
    assert "密钥未知或已停用" in refused(centre, clock, no_grace, old_code).zh
    assert check_in_by_code(centre, clock, no_grace, OFFICER, new_code).ticket.label == "A001"


def test_q1_keyring_grace_period_counts_from_retirement(tmp_path):
    keyring = Keyring(tmp_path / "keys", timedelta(days=30), SHANGHAI)
    first = keyring.current(at(2026, 1, 1, 9, 0))
    assert keyring.current(at(2026, 6, 1, 9, 0)) == first  # created once
    retired, second = keyring.rotate(at(2026, 11, 1, 9, 0))
    assert retired.id == first.id and keyring.current(at(2026, 11, 2)) == second
    old = keyring.find(first.id)
    assert old.accepted_at(at(2026, 12, 1, 9, 0), keyring.grace)
    assert not old.accepted_at(at(2026, 12, 1, 9, 1), keyring.grace)
    for key_file in (tmp_path / "keys").glob("*.key"):
        assert key_file.stat().st_mode & 0o077 == 0
