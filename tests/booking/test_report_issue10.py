"""Issue 10, R1/R2: breaches by reason, closures by kind, day kinds, as_of."""

import json
from datetime import date, datetime

from support import OFFICER, at, presentation

from booking.calendar import add_duty_session
from booking.meetings import book, check_in, end_meeting, start_meeting
from booking.report import STATES, compliance_report
from booking.verification import verify_documents

OTHERS = [  # (cert_no, lawyer) pairs of the small registers, one per meeting
    ("13101200910123456", "王建国"), ("13101200910123457", "刘洋"),
    ("13101200910123458", "陈静"), ("131012009101", "吴德")]


def meet(db, clock, settings, when, n=0, room="M1"):
    """A request presented at `when`, met at once there (check-in, start)."""
    cert_no, name = OTHERS[n]
    firm = {} if cert_no != "131012009101" else {"letter_firm_code": "31310115T3KB1E2BDA"}
    clock.set(when)
    request = verify_documents(db, clock, OFFICER, presentation(
        cert_no=cert_no, letter_lawyer_name=name, **firm)).request
    booking = book(db, clock, settings, OFFICER, request.id, room, when)
    check_in(db, clock, settings, OFFICER, booking.id)
    start_meeting(db, clock, settings, OFFICER, booking.id)
    clock.set(when.replace(hour=when.hour + 1))
    end_meeting(db, clock, OFFICER, booking.id)
    return request


def test_r1_c4_in_court_booking_past_the_deadline_is_a_breach_with_that_reason(
        centre, clock, settings):
    """Reproduction 1, in the report: met 0, breached 1 (in_court), deferred 0."""
    clock.set(at(2026, 11, 24, 10, 0))
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 27, 9, 0),
                   delay_reason="in_court")
    clock.set(at(2026, 11, 26, 12, 0))  # deadline passed, meeting not started yet
    report = compliance_report(centre, clock, date(2026, 11, 24), date(2026, 11, 24))
    assert (report.met, report.breached, report.deferred_by_lawyer) == (0, 1, 0)
    assert report.breaches[0].reason == "in_court"
    assert report.breaches[0].hours_late == 2.0  # late up to as_of
    clock.set(at(2026, 11, 27, 9, 0))
    check_in(centre, clock, settings, OFFICER, booking.id)
    start_meeting(centre, clock, settings, OFFICER, booking.id)
    report = compliance_report(centre, clock, date(2026, 11, 24), date(2026, 11, 24))
    assert (report.met, report.breached, report.deferred_by_lawyer) == (0, 1, 0)
    assert report.breaches_by_reason["in_court"] == 1
    assert [b.reason for b in report.breaches] == ["in_court"]


def test_r1_day_kinds_make_up_sunday_and_duty_sessions_are_not_weekend_meetings(
        centre, clock, settings):
    """Reproduction 11: a meeting on the make-up working Sunday 2026-09-20 and one in a
    National Day duty session are not Sunday meetings; a regular Saturday is a Saturday,
    a duty session on a Sunday is a duty-session meeting only."""
    clock.set(at(2026, 9, 1, 9, 0))
    add_duty_session(centre, clock, OFFICER, date(2026, 10, 1), ["09:00-11:30"])
    add_duty_session(centre, clock, OFFICER, date(2026, 11, 29), ["09:00-11:30"])
    meet(centre, clock, settings, at(2026, 9, 20, 9, 0))    # 调休 Sunday: a working day
    meet(centre, clock, settings, at(2026, 10, 1, 9, 0))    # National Day duty session
    meet(centre, clock, settings, at(2026, 11, 28, 9, 0))   # a regular Saturday
    meet(centre, clock, settings, at(2026, 11, 29, 9, 0))   # a duty session on a Sunday
    clock.set(at(2026, 12, 3, 9, 0))
    report = compliance_report(centre, clock, date(2026, 9, 1), date(2026, 11, 30))
    assert report.met == 4
    assert (report.saturday_meetings, report.sunday_meetings,
            report.duty_session_meetings) == (1, 0, 2)


def test_r1_r2_as_of_gives_the_same_json_byte_for_byte_apart_from_made_at(centre, clock,
                                                                          settings):
    clock.set(at(2026, 11, 24, 10, 0))
    verify_documents(centre, clock, OFFICER, presentation())  # never booked
    as_of = datetime(2026, 11, 26, 12, 0, tzinfo=clock.zone)
    clock.set(at(2026, 11, 30, 9, 0))
    first = compliance_report(centre, clock, date(2026, 11, 24), date(2026, 11, 24), as_of)
    clock.set(at(2026, 12, 30, 9, 0))
    second = compliance_report(centre, clock, date(2026, 11, 24), date(2026, 11, 24), as_of)
    assert first.as_of == "2026-11-26T12:00:00+08:00" and first.made_at != second.made_at

    def without_made_at(report):
        return json.dumps({k: v for k, v in report.summary().items() if k != "made_at"},
                          ensure_ascii=False, sort_keys=True)

    assert without_made_at(first) == without_made_at(second)
    assert first.breaches[0].hours_late == 2.0 and first.breaches[0].reason == "not_booked"
    assert first.verified == sum(getattr(first, s) for s in STATES) + sum(first.closed.values())
    early = compliance_report(centre, clock, date(2026, 11, 24), date(2026, 11, 24),
                              at(2026, 11, 25, 12, 0))
    assert (early.breached, early.open) == (0, 1)
