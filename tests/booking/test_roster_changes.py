"""Issue 10: a roster import closes the requests of a detainee who left (C7) and judges the
need for permission again when the stage or charge changes (P1-P3); B10 lapses (C7)."""

from datetime import timedelta

import pytest
from support import OFFICER, at, presentation

from booking.errors import DomainError
from booking.imports import import_file
from booking.meetings import book, check_in, get_booking, offer_slots, release_late
from booking.roster_changes import record_notified
from booking.verification import verify_documents
from booking.watch import watch_list

HEADER = "roster_no,name,id_no,case_no,charge_category,stage,case_unit,status\n"
LI_SI = "2026001,李四,310101198503120428,沪公(黄)刑侦字〔2026〕100号,{charge},{stage},上海市公安局黄浦分局,{status}\n"
ZHENG_YI = "2026030,郑毅,360426199101010071,沪公(黄)刑侦字〔2026〕100号,{charge},{stage},上海市公安局黄浦分局,{status}\n"


def roster(tmp_path, line, **values):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + line.format(**values), encoding="utf-8")
    return path


def request_at(db, clock, when, **changes):
    clock.set(when)
    result = verify_documents(db, clock, OFFICER, presentation(**changes))
    assert result.passed, result.failures
    return result.request


def state_of(db, request_id):
    return db.table("meeting_requests").get(request_id)["state"]


@pytest.mark.parametrize(("status", "outcome"), [("released", "detainee_released"),
                                                  ("transferred", "detainee_transferred")])
def test_c7_roster_import_closes_requests_cancels_bookings_and_lists_lawyer_to_notify(
        centre, clock, settings, tmp_path, status, outcome):
    """Reproduction 2/3: released or transferred before the meeting: closed, not breached."""
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 25, 9, 0),
                   delay_reason="in_court")
    clock.set(at(2026, 11, 24, 12, 0))
    report = import_file(centre, clock, OFFICER, "detainees",
                         roster(tmp_path, LI_SI, charge="fraud", stage="prosecution",
                                status=status))
    assert report.imported == 1 and not report.errors
    assert state_of(centre, request.id) == outcome
    assert get_booking(centre, clock, booking.id).state == "cancelled"
    [item] = [i for i in watch_list(centre, clock) if i.request_id == request.id]
    assert item.kind == "closed"
    assert record_notified(centre, clock, OFFICER, request.id)
    assert not [i for i in watch_list(centre, clock) if i.request_id == request.id]
    with pytest.raises(DomainError):  # told once
        record_notified(centre, clock, OFFICER, request.id)
    clock.set(at(2026, 11, 27, 9, 0))  # after the deadline: still closed, never breached
    assert state_of(centre, request.id) == outcome


def test_p3_permission_judged_again_when_the_roster_moves_to_prosecution(centre, clock,
                                                                          settings, tmp_path):
    """Reproduction 4: a national-security request awaiting permission becomes ordinary when
    the case reaches prosecution; its 48 hours start at the import."""
    first = request_at(centre, clock, at(2026, 11, 24, 9, 0), roster_no="2026030",
                       letter_detainee_name="郑毅", poa_signed_by="郑毅")
    assert first.state == "awaiting_permission"
    clock.set(at(2026, 11, 25, 10, 0))
    import_file(centre, clock, OFFICER, "detainees",
                roster(tmp_path, ZHENG_YI, charge="national_security", stage="prosecution",
                       status="in_custody"))
    row = centre.table("meeting_requests").get(first.id)
    assert (row["state"], row["needs_permission"]) == ("open", 0)
    assert (row["clock_start"], row["deadline"]) == ("2026-11-25T10:00:00+08:00",
                                                    "2026-11-27T10:00:00+08:00")
    offers = offer_slots(centre, clock, settings, first.id)  # no P2 refusal any more
    assert offers.offers and offers.deadline == at(2026, 11, 27, 10, 0)
    again = verify_documents(centre, clock, OFFICER, presentation(
        roster_no="2026030", letter_detainee_name="郑毅", poa_signed_by="郑毅"))
    assert again.reused_request and again.request.state == "open"


def test_p3_presenting_again_rejudges_a_request_stuck_awaiting_permission(centre, clock):
    """A roster changed without the re-judgement (an older kiosk's import): presenting again
    does not return the request still awaiting permission."""
    first = request_at(centre, clock, at(2026, 11, 24, 9, 0), roster_no="2026030",
                       letter_detainee_name="郑毅", poa_signed_by="郑毅")
    centre.execute("UPDATE detainees SET stage = 'trial' WHERE roster_no = '2026030'")
    again = request_at(centre, clock, at(2026, 11, 24, 11, 0), roster_no="2026030",
                       letter_detainee_name="郑毅", poa_signed_by="郑毅")
    assert again.id == first.id and again.state == "open"
    assert again.deadline == at(2026, 11, 26, 11, 0)


def test_c7_b10_released_lawyer_who_never_returns_is_lapsed_by_lawyer(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 30))
    release_late(centre, clock, settings, OFFICER, booking.id)
    clock.set(at(2026, 11, 27, 9, 0))  # the deadline passed; the lawyer comes back
    again = request_at(centre, clock, at(2026, 11, 27, 9, 0))
    assert again.id != request.id
    assert state_of(centre, request.id) == "lapsed_by_lawyer"


def test_c7_lawyer_released_then_rebooked_in_time_is_not_lapsed(centre, clock, settings):
    request = request_at(centre, clock, at(2026, 11, 24, 9, 0))
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    clock.set(at(2026, 11, 24, 13, 30))
    release_late(centre, clock, settings, OFFICER, booking.id)
    rebooked = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 30))
    clock.advance(timedelta(minutes=1))
    check_in(centre, clock, settings, OFFICER, rebooked.id)
    assert state_of(centre, request.id) == "booked"
