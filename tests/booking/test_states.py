"""Issue 13: named states (RequestState, BookingState), SQL IN lists as placeholders, and
migration m011's CHECK constraints on the state columns (C1, C4, B4, S2)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlite_utils import Database
from support import OFFICER, presentation

from booking import audit
from booking.demo import load_demo
from booking.meetings import (
    book,
    cancel_request,
    check_in,
    end_meeting,
    offer_slots,
    start_meeting,
)
from booking.rooms import sync_rooms
from booking.states import (
    LIVE_STATES,
    OCCUPYING_STATES,
    OPEN_REQUEST_STATES,
    BookingState,
    RequestState,
    in_list,
)
from booking.storage import STATE_CHECKS, migrations, open_database
from booking.verification import verify_documents

M011 = "m011_issue13_state_checks"


def test_in_list_gives_one_placeholder_per_value_even_for_one_value(db):
    assert in_list(LIVE_STATES) == "(?, ?, ?)"
    # A one-element tuple's repr, "('booked',)", was broken SQL; a placeholder list is not.
    one_state = frozenset({BookingState.BOOKED})
    assert db.execute(f"SELECT 'booked' IN {in_list(one_state)}", (*one_state,)).fetchone() \
        == (1,)
    with pytest.raises(ValueError):
        in_list(())


def test_state_sets_are_made_of_named_states():
    assert OCCUPYING_STATES == LIVE_STATES | {BookingState.DONE}
    assert OPEN_REQUEST_STATES == {"open", "awaiting_permission", "booked"}
    assert all(isinstance(s, RequestState) for s in OPEN_REQUEST_STATES)


def test_m011_check_names_every_request_state():
    """The CHECK written out in m011 allows exactly the states the code names."""
    _, column, values = STATE_CHECKS["meeting_requests"]
    assert column == "state" and set(values) == set(RequestState)


@pytest.fixture
def a_request(centre, clock):
    result = verify_documents(centre, clock, OFFICER, presentation())
    assert result.passed, result.failures
    return result.request


def test_c1_an_unknown_request_state_is_refused_by_the_database(centre, a_request):
    assert a_request.state is RequestState.OPEN
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        centre.execute("UPDATE meeting_requests SET state = 'lost' WHERE id = ?",
                       (a_request.id,))
    assert centre.execute("SELECT state FROM meeting_requests WHERE id = ?",
                          (a_request.id,)).fetchone() == ("open",)


def test_b4_an_unknown_booking_state_or_room_state_is_refused_by_the_database(
        centre, clock, settings, a_request):
    offer = offer_slots(centre, clock, settings, a_request.id).offers[0]
    booking = book(centre, clock, settings, OFFICER, a_request.id, offer.room_id, offer.start)
    assert booking.state is BookingState.BOOKED
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        centre.execute("UPDATE bookings SET state = 'maybe' WHERE id = ?", (booking.id,))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        centre.execute("UPDATE rooms SET active = 2 WHERE id = ?", (offer.room_id,))


# --- m011 on a database made before it --------------------------------------------------------


def _old_database(path, clock, settings) -> None:
    """A kiosk file as the version before m011 left it: demo registers, a met, a cancelled
    and an open request, a retired room; every write audited."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")
    db = Database(conn)
    audit.bind(db, path, settings.qr.key_folder)
    migrations.apply(db, stop_before=M011)
    audit.watch(db)
    audit.queue_all_rows(db)
    load_demo(db, clock, settings)
    met = verify_documents(db, clock, OFFICER, presentation()).request
    offer = offer_slots(db, clock, settings, met.id).offers[0]
    booking = book(db, clock, settings, OFFICER, met.id, offer.room_id, offer.start)
    check_in(db, clock, settings, OFFICER, booking.id)
    start_meeting(db, clock, settings, OFFICER, booking.id)
    clock.advance(timedelta(hours=1))
    end_meeting(db, clock, OFFICER, booking.id)
    cancel_request(db, clock, OFFICER, verify_documents(db, clock, OFFICER,
                                                        presentation()).request.id)
    verify_documents(db, clock, OFFICER, presentation())
    sync_rooms(db, clock, "test", settings.rooms[1:])  # the first room retires
    conn.close()


def _rows(db, table):
    return db.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()


def _schema_extras(db):
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN"
                             " ('meeting_requests', 'rooms') AND type != 'table'").fetchall())


def test_s2_m011_keeps_every_row_index_and_digest_of_an_old_database(tmp_path, clock, settings):
    path = tmp_path / "old.db"
    _old_database(path, clock, settings)
    before = sqlite3.connect(path)
    rows = {t: _rows(before, t) for t in ("meeting_requests", "rooms", "bookings")}
    extras = _schema_extras(before)
    before.close()
    assert {row[13] for row in rows["meeting_requests"]} == {"met", "cancelled", "open"}
    assert [row[4] for row in rows["rooms"]].count(0) == 1

    db = open_database(path, key_folder=settings.qr.key_folder)
    assert M011 in [m.name for m in migrations.applied(db)]
    assert {t: _rows(db, t) for t in rows} == rows  # same rowids, same values
    # indexes kept (m012 adds one of its own to meeting_requests: C1's pair look-up)
    assert [e for e in _schema_extras(db) if e[1] != "meeting_requests_pair"] == extras
    assert "CHECK (state IN ('open'" in db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'meeting_requests'").fetchone()[0]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # S2: the rebuilt rows still match the digests their entries recorded: the migrations'
    # baseline found no unaudited row, and the whole record verifies.
    action, detail = db.execute("SELECT action, detail FROM audit_log ORDER BY id DESC"
                                " LIMIT 1").fetchone()
    assert action == "audit_baseline" and M011 in detail and "unaudited" not in detail
    report = audit.check(db, audit.binding_of(db).key)
    assert report.ok, [p.text for p in report.problems]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute("UPDATE meeting_requests SET state = 'lost'")
    db.conn.close()


def test_e4_m011_refuses_an_old_database_holding_an_unknown_state_and_changes_nothing(
        tmp_path, clock, settings):
    from booking.storage import DatabaseRefused

    path = tmp_path / "odd.db"
    _old_database(path, clock, settings)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE meeting_requests SET state = 'lost' WHERE state = 'open'")
    conn.close()
    with pytest.raises(DatabaseRefused) as info:
        open_database(path, key_folder=settings.qr.key_folder)
    assert "CHECK" in info.value.en
    conn = sqlite3.connect(path)
    assert M011 not in {n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations")}
    assert conn.execute("SELECT count(*) FROM meeting_requests WHERE state = 'lost'"
                        ).fetchone() == (1,)
    conn.close()
