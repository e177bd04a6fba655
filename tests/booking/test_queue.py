"""T1, T3, T4, B8, C2: queue numbers per day, a walk-in met now queued at once, calling order,
the board, print state."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from support import FIRM, LAWYER, OFFICER, at, presentation

from booking import queue
from booking.clock import FixedClock, iso
from booking.errors import DomainError
from booking.meetings import book, check_in, get_booking
from booking.qr import check_in_by_code, code_for
from booking.queue import (
    admit,
    board,
    book_at_desk,
    call_next,
    issue_ticket,
    label_for,
    mark_print_failed,
    mark_printed,
)
from booking.storage import open_database
from booking.verification import verify_documents


def seat(db, start, *, deadline=None, priority=False, state="booked", deferred=False,
         room="M1", minutes=30, started=None, ended=None):
    """A request and its booking written straight to the tables (queue tests need many)."""
    deadline = deadline or start + timedelta(hours=40)
    request_id = db.table("meeting_requests").insert({
        "presented_at": iso(deadline - timedelta(hours=48)), "officer": OFFICER,
        "cert_no": LAWYER, "roster_no": "2026001", "firm_code": FIRM,
        "basis": "power_of_attorney", "document_no": "",
        "clock_start": iso(deadline - timedelta(hours=48)), "deadline": iso(deadline),
        "state": "booked"}).last_pk
    end = start + timedelta(minutes=minutes)
    return db.table("bookings").insert({
        "request_id": request_id, "room_id": room, "room_kind": "meeting",
        "cert_no": LAWYER, "roster_no": "2026001", "starts_at": iso(start), "ends_at": iso(end),
        "start_ts": int(start.timestamp()), "end_ts": int(end.timestamp()), "state": state,
        "priority": int(priority), "deferred_by_lawyer": int(deferred),
        "booked_by": OFFICER, "booked_at": iso(start), "started_at": started and iso(started),
        "ended_at": ended and iso(ended)}).last_pk


def day_of_bookings(db, day, count, **kwargs):
    """count bookings on one day, half an hour apart (one lawyer, one detainee, one room)."""
    return [seat(db, day + timedelta(minutes=30 * n), **kwargs) for n in range(count)]


def test_t1_labels():
    assert [label_for(n) for n in (1, 42, 999, 1000)] == ["A001", "A042", "A999", "A1000"]


def test_t1_numbers_restart_each_day_and_issuing_again_returns_the_same(centre, clock):
    today = day_of_bookings(centre, at(2026, 11, 24, 8, 0), 3)
    labels = [issue_ticket(centre, clock, OFFICER, b).label for b in today]
    assert labels == ["A001", "A002", "A003"]
    assert issue_ticket(centre, clock, OFFICER, today[0]).label == "A001"
    assert centre.table("tickets").count == 3
    tomorrow = day_of_bookings(centre, at(2026, 11, 25, 8, 0), 2)
    clock.set(at(2026, 11, 25, 8, 0))
    assert [issue_ticket(centre, clock, OFFICER, b).label for b in tomorrow] == ["A001", "A002"]


def test_t1_the_database_refuses_a_second_ticket_with_the_same_number(centre, clock):
    first, second = day_of_bookings(centre, at(2026, 11, 24, 8, 0), 2)
    issue_ticket(centre, clock, OFFICER, first)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        centre.execute("INSERT INTO tickets (booking_id, day, number, label, issued_at,"
                       " issued_by) VALUES (?, '2026-11-24', 1, 'A001', 'x', 'x')", (second,))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # one ticket per booking
        centre.execute("INSERT INTO tickets (booking_id, day, number, label, issued_at,"
                       " issued_by) VALUES (?, '2026-11-24', 2, 'A002', 'x', 'x')", (first,))


def test_t1_concurrent_kiosks_never_share_a_number(centre, clock, tmp_path):
    bookings = day_of_bookings(centre, at(2026, 11, 24, 0, 0), 24)
    start = threading.Barrier(6)
    labels, errors = [], []

    def kiosk(mine):
        db = open_database(tmp_path / "kiosk.db")  # one connection per kiosk, same file
        own_clock = FixedClock(clock.now())
        start.wait()
        try:
            for booking_id in mine:
                labels.append(issue_ticket(db, own_clock, OFFICER, booking_id).label)
        except Exception as exc:  # collected and shown below
            errors.append(exc)
        finally:
            db.conn.close()

    threads = [threading.Thread(target=kiosk, args=(bookings[n::6],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(labels) == [label_for(n) for n in range(1, 25)]


def test_t1_no_ticket_for_another_day_or_a_closed_booking(centre, clock):
    tomorrow = seat(centre, at(2026, 11, 25, 9, 0))
    cancelled = seat(centre, at(2026, 11, 24, 10, 0), state="cancelled")
    for booking_id in (tomorrow, cancelled):
        with pytest.raises(DomainError) as info:
            issue_ticket(centre, clock, OFFICER, booking_id)
        assert info.value.rule == "T1"
    assert centre.table("tickets").count == 0


def test_t1_admit_marks_arrival_once_and_finishes_an_interrupted_admission(centre, clock,
                                                                          settings):
    walk_in, interrupted = day_of_bookings(centre, at(2026, 11, 24, 9, 0), 2)
    first = admit(centre, clock, settings, OFFICER, walk_in)
    assert not first.repeat and get_booking(centre, clock, walk_in).state == "arrived"
    assert admit(centre, clock, settings, OFFICER, walk_in) == first.model_copy(
        update={"repeat": True})
    check_in(centre, clock, settings, OFFICER, interrupted)  # arrived, then the power went
    second = admit(centre, clock, settings, OFFICER, interrupted)
    assert not second.repeat and second.ticket.label == "A002"


def test_b10_t1_a_refused_admission_records_no_arrival(centre, clock, settings):
    """admit() is one transaction: key 1 on the meeting desk for a lawyer past the late limit,
    or on another day's booking, leaves the booking as it was (no arrival without a number)."""
    late = seat(centre, at(2026, 11, 24, 8, 30))
    tomorrow = seat(centre, at(2026, 11, 25, 9, 0), room="M2")
    for booking_id, rule in ((late, "B10"), (tomorrow, "T1")):
        with pytest.raises(DomainError) as info:
            admit(centre, clock, settings, OFFICER, booking_id)
        assert info.value.rule == rule
        row = centre.table("bookings").get(booking_id)
        assert (row["state"], row["arrived_at"]) == ("booked", None)
    assert centre.table("tickets").count == 0


# Another lawyer of the small registers, for 张三.
LIU_YANG = dict(cert_no="13101200910123457", letter_lawyer_name="刘洋", roster_no="2026002",
                letter_detainee_name="张三", poa_signed_by="张三")


def walk_in(db, clock, **changes) -> int:
    """A walk-in lawyer's documents pass now: the open request's id."""
    result = verify_documents(db, clock, OFFICER, presentation(**changes))
    assert result.passed, result.failures
    return result.request.id


def test_c2_t1_a_meeting_now_queues_the_lawyer_at_the_desk_at_once(centre, clock, settings):
    first = book_at_desk(centre, clock, settings, OFFICER, walk_in(centre, clock, **LIU_YANG),
                         "M2", clock.now())
    assert first.admission.ticket.label == "A001"  # another walk-in, queued before
    request_id = walk_in(centre, clock)
    made = book_at_desk(centre, clock, settings, OFFICER, request_id, "M1", clock.now())
    assert made.booking.immediate and made.booking.state == "arrived"
    assert made.admission is not None and not made.admission.repeat
    ticket = made.admission.ticket
    assert (ticket.label, ticket.booking_id, ticket.issued_at) == ("A002", made.booking.id,
                                                                   clock.now())
    row = centre.table("bookings").get(made.booking.id)
    assert row["arrived_at"] == iso(clock.now())
    assert [r["action"] for r in centre.query(
        "SELECT action FROM audit_log WHERE subject = ? ORDER BY id",
        (f"booking:{made.booking.id}",))] == ["book", "arrive", "issue_ticket"]
    # Repeat safe: asking again, or scanning the ticket's code, gives the same ticket (Q4).
    assert admit(centre, clock, settings, OFFICER, made.booking.id) == made.admission.model_copy(
        update={"repeat": True})
    scan = check_in_by_code(centre, clock, settings, OFFICER,
                            code_for(settings, clock, made.booking))
    assert scan.repeat and scan.ticket == ticket
    with pytest.raises(DomainError):  # the request is booked: no second booking either
        book_at_desk(centre, clock, settings, OFFICER, request_id, "M2", clock.now())
    assert centre.table("tickets").count == 2 and centre.table("bookings").count == 2
    assert first.booking.state == "arrived"


def test_c3_a_meeting_later_is_only_booked_the_lawyer_scans_on_arrival(centre, clock, settings):
    request_id = walk_in(centre, clock)
    made = book_at_desk(centre, clock, settings, OFFICER, request_id, "M1",
                        at(2026, 11, 24, 14, 0), delay_reason="rooms_busy")
    assert not made.booking.immediate and made.booking.state == "booked"
    assert made.admission is None and centre.table("tickets").count == 0


def test_c2_e2_booking_and_admission_are_one_transaction(centre, clock, settings, monkeypatch):
    """A failure (or a kill) while queuing leaves no booking without its ticket: nothing is
    written, and the next call does it all."""
    request_id = walk_in(centre, clock)
    before = {t: centre.table(t).count for t in ("bookings", "tickets", "audit_log")}

    def power_cut(*args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(queue, "_issue", power_cut)
    with pytest.raises(RuntimeError):
        book_at_desk(centre, clock, settings, OFFICER, request_id, "M1", clock.now())
    assert {t: centre.table(t).count for t in before} == before
    assert centre.table("meeting_requests").get(request_id)["state"] == "open"
    monkeypatch.undo()
    made = book_at_desk(centre, clock, settings, OFFICER, request_id, "M1", clock.now())
    assert made.admission.ticket.label == "A001" and made.booking.state == "arrived"


def test_c2_a_meeting_now_booked_without_its_ticket_is_completed_by_admit(centre, clock,
                                                                        settings):
    """A "now" booking made by book() alone (an import, an older kiosk) is queued by admit()."""
    booking = book(centre, clock, settings, OFFICER, walk_in(centre, clock), "M1", clock.now())
    assert booking.immediate and booking.state == "booked"
    admission = admit(centre, clock, settings, OFFICER, booking.id)
    assert admission.ticket.label == "A001" and not admission.repeat
    assert get_booking(centre, clock, booking.id).state == "arrived"


def queue_of(db, clock, bookings):
    return {issue_ticket(db, clock, OFFICER, b).label: b for b in bookings}


def test_b8_priority_goes_first(centre, clock):
    normal = seat(centre, at(2026, 11, 24, 9, 0))
    urgent = seat(centre, at(2026, 11, 24, 9, 30), priority=True)
    queue_of(centre, clock, [normal, urgent])
    assert [call_next(centre, clock, OFFICER).label for _ in range(2)] == ["A002", "A001"]
    assert call_next(centre, clock, OFFICER) is None


def test_b8_priority_never_pushes_anyone_past_their_deadline(centre, clock):
    now = clock.now()
    tight = seat(centre, at(2026, 11, 24, 9, 0), deadline=now + timedelta(minutes=40))
    urgent = seat(centre, at(2026, 11, 24, 9, 30), priority=True)
    tighter = seat(centre, at(2026, 11, 24, 10, 0), deadline=now + timedelta(minutes=20))
    queue_of(centre, clock, [tight, urgent, tighter])
    # Both deadlines fall within one meeting (60 min): earliest deadline first, then priority.
    calls = [call_next(centre, clock, OFFICER).label for _ in range(3)]
    assert calls == ["A003", "A001", "A002"]


def test_b8_a_deadline_already_lost_or_chosen_by_the_lawyer_does_not_jump(centre, clock):
    now = clock.now()
    deferred = seat(centre, at(2026, 11, 24, 9, 0), deadline=now + timedelta(minutes=10),
                    deferred=True)
    passed = seat(centre, at(2026, 11, 24, 9, 30), deadline=now - timedelta(hours=1))
    urgent = seat(centre, at(2026, 11, 24, 10, 0), priority=True)
    queue_of(centre, clock, [deferred, passed, urgent])
    assert [call_next(centre, clock, OFFICER).label for _ in range(3)] == ["A003", "A001", "A002"]


def test_t3_board_shows_called_and_waiting_with_estimates(centre, clock):
    # Recent meetings took 45 minutes: the estimate follows them, not the configured 60.
    for n in range(3):
        start = at(2026, 11, 23, 9, 0) + timedelta(hours=n)
        seat(centre, start, state="done", minutes=45, started=start,
             ended=start + timedelta(minutes=45))
    waiting = day_of_bookings(centre, at(2026, 11, 24, 9, 0), 7)
    queue_of(centre, clock, waiting)
    called = call_next(centre, clock, OFFICER)
    shown = board(centre, clock)
    assert shown.typical_minutes == 45
    assert [e.label for e in shown.called] == [called.label] == ["A001"]
    assert shown.called[0].room_name == "会见室1"
    # 4 meeting rooms, none in use: four go in now, then one meeting length per round of four.
    assert [(e.label, e.wait_minutes) for e in shown.waiting] == [
        ("A002", 0), ("A003", 0), ("A004", 0), ("A005", 0), ("A006", 45), ("A007", 45)]


def test_t3_board_without_history_uses_the_configured_length(centre, clock):
    queue_of(centre, clock, day_of_bookings(centre, at(2026, 11, 24, 9, 0), 6))
    shown = board(centre, clock, default_minutes=60)
    assert shown.typical_minutes == 60 and shown.waiting[-1].wait_minutes == 60


def test_t4_print_failure_leaves_the_booking_and_reprint_clears_it(centre, clock):
    booking_id = seat(centre, at(2026, 11, 24, 9, 0))
    ticket = issue_ticket(centre, clock, OFFICER, booking_id)
    before = centre.table("bookings").get(booking_id)
    failed = mark_print_failed(centre, clock, OFFICER, ticket.id, "打印机缺纸 / out of paper")
    assert failed.print_error == "打印机缺纸 / out of paper" and failed.printed_at is None
    assert centre.table("bookings").get(booking_id) == before
    clock.advance(timedelta(minutes=3))
    printed = mark_printed(centre, clock, OFFICER, ticket.id)
    assert printed.print_error is None and printed.printed_at == clock.now()
    assert printed.label == ticket.label and centre.table("bookings").get(booking_id) == before
