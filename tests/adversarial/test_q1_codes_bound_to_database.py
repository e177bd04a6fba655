"""Q1/S4: codes carry the database's stamp; booking ids are never reused. A code printed
before a restore for a booking the restore undid, or a code of another database, is refused
with a reason and nothing is written."""

from __future__ import annotations

import sqlite3

import pytest
from support import OFFICER, at, presentation

from booking import audit
from booking.backup import backup, restore
from booking.errors import DomainError
from booking.meetings import book, get_booking
from booking.qr import check_in_by_code, code_for
from booking.storage import open_database, transaction
from booking.verification import verify_documents


def state(db) -> dict:
    return {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("bookings", "tickets", "meeting_requests", "audit_log")}


def book_afternoon(db, clock, settings, **changes):
    request = verify_documents(db, clock, OFFICER, presentation(**changes)).request
    booking = book(db, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    return get_booking(db, clock, booking.id)


def refused(db, clock, settings, code) -> DomainError:
    before = state(db)
    with pytest.raises(DomainError) as info:
        check_in_by_code(db, clock, settings, OFFICER, code)
    assert state(db) == before  # nothing written
    return info.value


def test_q1_s4_a_code_printed_before_a_restore_is_refused(centre, clock, settings, tmp_path):
    live = tmp_path / "kiosk.db"
    backup(live, tmp_path / "morning.bak", audit.binding_of(centre).key)
    lawyer_a = book_afternoon(centre, clock, settings)
    code_a = code_for(settings, clock, lawyer_a)
    centre.conn.close()
    restore(tmp_path / "morning.bak", live, clock=clock)
    db = open_database(live)
    try:
        lawyer_b = book_afternoon(db, clock, settings, roster_no="2026002",
                                  letter_detainee_name="张三", poa_signed_by="张三")
        assert lawyer_b.id == lawyer_a.id  # the id came back with the backup's sequence...
        clock.set(at(2026, 11, 24, 12, 50))
        error = refused(db, clock, settings, code_a)  # ...but A's code does not check B in
        assert "after the backup" in error.en and "恢复" in error.zh
        good = check_in_by_code(db, clock, settings, OFFICER,
                                code_for(settings, clock, get_booking(db, clock, lawyer_b.id)))
        assert good.booking.id == lawyer_b.id
    finally:
        db.conn.close()


def test_q1_s4_a_code_of_another_database_is_refused(centre, clock, settings, tmp_path):
    other = open_database(tmp_path / "other" / "kiosk.db", key_folder=tmp_path / "keys")
    try:
        for table in ("lawyers", "detainees", "staff"):
            rows = centre.execute(f"SELECT * FROM {table}").fetchall()
            marks = ", ".join("?" * len(rows[0]))
            with transaction(other):
                other.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
                audit.record(other, clock, "test", "copy", table)
        from booking.rooms import sync_rooms

        sync_rooms(other, clock, "test", settings.rooms)
        foreign = code_for(settings, clock, book_afternoon(other, clock, settings))
    finally:
        other.conn.close()
    book_afternoon(centre, clock, settings)  # booking 1 exists here too
    clock.set(at(2026, 11, 24, 12, 50))
    error = refused(centre, clock, settings, foreign)
    assert "not issued by this database" in error.en


def test_q1_booking_ids_are_never_reused(centre, clock, settings, tmp_path):
    first = book_afternoon(centre, clock, settings)
    conn = sqlite3.connect(tmp_path / "kiosk.db")  # the newest booking removed by hand
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM bookings WHERE id = ?", (first.id,))
    conn.execute("UPDATE meeting_requests SET state = 'open'")
    conn.commit()
    conn.close()
    again = book_afternoon(centre, clock, settings, roster_no="2026002",
                           letter_detainee_name="张三", poa_signed_by="张三")
    assert again.id == first.id + 1
    sql = centre.execute("SELECT sql FROM sqlite_master WHERE name = 'bookings'").fetchone()[0]
    assert "AUTOINCREMENT" in sql


def test_q1_old_version_codes_are_refused_on_a_new_database(centre, clock, settings):
    booking = book_afternoon(centre, clock, settings)
    code = code_for(settings, clock, booking)
    k1 = "K1." + code.split(".", 2)[2]  # same signature body shape, no stamp: not signed so
    clock.set(at(2026, 11, 24, 12, 50))
    assert refused(centre, clock, settings, k1).rule == "Q2"
