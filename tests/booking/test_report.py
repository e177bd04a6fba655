"""R1/R2, C4: the compliance report on a hand-built week with known outcomes."""

from datetime import date, timedelta

import pytest
from support import OFFICER, add_long_named_detainees, at, presentation

from booking.errors import DomainError
from booking.meetings import (
    book,
    check_in,
    close_without_meeting,
    release_late,
    start_meeting,
)
from booking.report import STATES, compliance_report
from booking.rooms import sync_rooms
from booking.verification import verify_documents


@pytest.fixture
def week(registers, clock, settings):
    """Tue 2026-11-24: two refusals and five requests with known fates."""
    db = registers
    sync_rooms(db, clock, "test", settings.rooms)
    clock.set(at(2026, 11, 24, 9, 0))

    def verify(**changes):
        return verify_documents(db, clock, OFFICER, presentation(**changes))

    r1 = verify().request  # met at once
    b1 = book(db, clock, settings, OFFICER, r1.id, "M1", clock.now())
    check_in(db, clock, settings, OFFICER, b1.id)
    start_meeting(db, clock, settings, OFFICER, b1.id)
    assert not verify(cert_no="13101201510234567", letter_lawyer_name="赵敏").passed  # V4
    assert not verify(cert_no="23101200910123456").passed  # V2
    zhang = dict(roster_no="2026002", letter_detainee_name="张三", poa_signed_by="张三")
    r2 = verify(cert_no="13101200910123457", letter_lawyer_name="刘洋", **zhang).request
    b2 = book(db, clock, settings, OFFICER, r2.id, "M2", at(2026, 11, 25, 9, 0),
              delay_reason="in_court")
    r3 = verify(cert_no="13101200910123458", letter_lawyer_name="陈静", roster_no="2026030",
                letter_detainee_name="郑毅", poa_signed_by="郑毅").request  # awaiting
    r4 = verify(cert_no="11101200310523456", letter_firm_code="311101053Q2JY0M2UM",
                letter_lawyer_name="孙丽", basis="aid_letter", aid_letter_no="SHFY2026-0001",
                **zhang).request
    b4 = book(db, clock, settings, OFFICER, r4.id, "M3", at(2026, 11, 24, 13, 0),
              delay_reason="rooms_busy")
    r5 = verify(cert_no="131012009101", letter_firm_code="31310115T3KB1E2BDA",
                letter_lawyer_name="吴德").request  # never booked: breached
    clock.set(at(2026, 11, 24, 13, 20))
    close_without_meeting(db, clock, OFFICER, b4.id, "no_show")
    clock.set(at(2026, 11, 25, 9, 5))
    check_in(db, clock, settings, OFFICER, b2.id)
    start_meeting(db, clock, settings, OFFICER, b2.id)
    clock.set(at(2026, 11, 27, 12, 0))
    return db, (r1, r2, r3, r4, r5)


def test_r1_known_figures(week, clock):
    db, (r1, r2, r3, r4, r5) = week
    report = compliance_report(db, clock, date(2026, 11, 23), date(2026, 11, 29))
    assert (report.presented, report.refused, report.verified) == (7, 2, 5)
    assert report.refused_by_rule == {"V2": 1, "V4": 1}
    assert (report.met, report.breached, report.no_show, report.awaiting_permission) == \
        (2, 1, 1, 1)
    assert report.open == report.cancelled == report.deferred_by_lawyer == 0
    assert report.immediate == 1
    assert report.compliance_rate == pytest.approx(2 / 3, abs=1e-4)
    assert report.median_hours == 0.0 and report.p90_hours == pytest.approx(24.08, abs=0.01)
    [breach] = report.breaches
    assert breach.request_id == r5.id and breach.started is None
    assert breach.hours_late == pytest.approx(27.0) and breach.happened == "never_booked"
    assert breach.account == "期限内从未预约 / never booked before the deadline"
    assert breach.reason == "not_booked" and report.breaches_by_reason["not_booked"] == 1
    assert [c.outcome for c in report.permission_cases] == ["awaiting"]
    assert report.saturday_meetings == report.sunday_meetings == 0


def test_r2_parts_add_up_to_totals(week, clock):
    db, _ = week
    report = compliance_report(db, clock, date(2026, 11, 23), date(2026, 11, 29))
    assert report.presented == report.refused + report.verified
    assert report.refused == sum(report.refused_by_rule.values())
    assert report.verified == sum(getattr(report, state) for state in STATES) + \
        sum(report.closed.values())
    assert len(report.breaches) == report.breached == sum(report.breaches_by_reason.values())
    assert sum(d.presented for d in report.daily) == report.presented
    assert sum(d.met for d in report.daily) == report.met


def test_c4_state_is_the_state_when_the_report_is_made(week, clock):
    db, _ = week
    clock.set(at(2026, 11, 24, 14, 0))  # before the deadline of r5: still open
    report = compliance_report(db, clock, date(2026, 11, 24), date(2026, 11, 24))
    assert report.breached == 0 and report.open == 1  # r5, not yet past its deadline
    assert compliance_report(db, clock, date(2026, 11, 25), date(2026, 11, 30)).presented == 0


def test_e1_bad_period(week, clock):
    db, _ = week
    with pytest.raises(DomainError):
        compliance_report(db, clock, date(2026, 11, 30), date(2026, 11, 1))
    with pytest.raises(DomainError):
        compliance_report(db, clock, date(2000, 1, 1), date(2026, 1, 1) + timedelta(days=1))


@pytest.fixture
def four_breaches(centre, clock, settings):
    """Tue 2026-11-24 09:00, four requests (deadline Thu 09:00), each breached differently;
    the report is made on Fri 12:00."""
    db = centre
    add_long_named_detainees(db)

    def verify(**changes):
        return verify_documents(db, clock, OFFICER, presentation(**changes)).request

    at_once = verify()  # booked for now (no delay reason: it was immediate), never started
    book(db, clock, settings, OFFICER, at_once.id, "M1", clock.now())
    late = verify(cert_no="13101200910123457", letter_lawyer_name="刘洋", roster_no="2026002",
                  letter_detainee_name="张三", poa_signed_by="张三")
    late_booking = book(db, clock, settings, OFFICER, late.id, "M2", at(2026, 11, 26, 8, 30),
                        delay_reason="in_court")
    released = verify(cert_no="13101200910123458", letter_lawyer_name="陈静",
                      roster_no="2026101", letter_detainee_name="张三丰", poa_signed_by="张三丰")
    slot = book(db, clock, settings, OFFICER, released.id, "M3", at(2026, 11, 24, 13, 0),
                delay_reason="other", delay_text="停电")
    never = verify(cert_no="131012009101", letter_firm_code="31310115T3KB1E2BDA",
                   letter_lawyer_name="吴德", roster_no="2026102",
                   letter_detainee_name="欧阳娜娜", poa_signed_by="欧阳娜娜")
    clock.set(at(2026, 11, 24, 13, 30))
    release_late(db, clock, settings, OFFICER, slot.id)
    clock.set(at(2026, 11, 26, 8, 25))
    check_in(db, clock, settings, OFFICER, late_booking.id)  # in time, then kept waiting
    clock.set(at(2026, 11, 26, 10, 0))
    start_meeting(db, clock, settings, OFFICER, late_booking.id)
    clock.set(at(2026, 11, 27, 12, 0))
    return db, (at_once, late, released, never)


def test_r1_c4_each_breach_says_what_really_happened(four_breaches, clock):
    """A booked request that never started is not "not booked" (an immediate booking has no
    delay reason): each breach says whether it was booked, when and where, started late,
    released, or never booked; Chinese with English beside."""
    db, (at_once, late, released, never) = four_breaches
    report = compliance_report(db, clock, date(2026, 11, 24), date(2026, 11, 24))
    assert report.breached == 3  # C7: the released slot never taken again is the lawyer's
    assert report.closed == {"detainee_released": 0, "detainee_transferred": 0,
                             "lapsed_by_lawyer": 1}
    got = {b.request_id: b for b in report.breaches}
    b = got[at_once.id]
    assert (b.happened, b.booked_for, b.room, b.started) == (
        "booked_not_started", "2026-11-24T09:00:00+08:00", "M1", None)
    assert b.account == ("预约 11-24 09:00 会见室1，会见未开始"
                         " / booked for 11-24 09:00 in room M1, meeting not started")
    assert b.reason == "other"
    assert b.delay is None  # it was booked for at once
    assert b.hours_late == pytest.approx(27.0)
    b = got[late.id]
    assert (b.happened, b.room, b.started) == ("started_late", "M2",
                                               "2026-11-26T10:00:00+08:00")
    assert b.account == ("预约 11-26 08:30 会见室2，11-26 10:00才开始（超过期限） / booked for"
                         " 11-26 08:30 in room M2, started late at 11-26 10:00；未能当即会见 not at"
                         " once: 在押人员出庭 / the detainee is in court")
    assert b.reason == "in_court"
    assert b.hours_late == pytest.approx(1.0)
    assert released.id not in got
    b = got[never.id]
    assert (b.happened, b.booked_for, b.room) == ("never_booked", None, None)
    assert b.account == "期限内从未预约 / never booked before the deadline"
    assert b.reason == "not_booked"
    assert report.breaches_by_reason == {
        "rooms_busy": 0, "outside_hours": 0, "in_court": 1, "being_questioned": 0,
        "in_hospital": 0, "in_transit": 0, "other": 1, "not_booked": 1}


def test_r3_the_printed_summary_says_what_happened_to_each_breach(four_breaches, clock):
    from printers.report_summary import report_summary

    db, _ = four_breaches
    report = compliance_report(db, clock, date(2026, 11, 24), date(2026, 11, 24))
    slip = "".join(getattr(block, "text", "") for block in
                   report_summary(report, "上海市第一看守所", 80, clock.now()).blocks)
    for words in ("会见未开始", "才开始（超过期限）", "期限内从未预约"):
        assert words in slip, words
