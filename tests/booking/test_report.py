"""R1/R2, C4: the compliance report on a hand-built week with known outcomes."""

from datetime import date, timedelta

import pytest
from support import OFFICER, at, presentation

from booking.errors import DomainError
from booking.meetings import book, close_without_meeting, start_meeting
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
    start_meeting(db, clock, OFFICER, b1.id)
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
    start_meeting(db, clock, OFFICER, b2.id)
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
    assert breach.hours_late == pytest.approx(27.0) and "not booked" in breach.reason
    assert [c.outcome for c in report.permission_cases] == ["awaiting"]
    assert report.saturday_meetings == report.sunday_meetings == 0


def test_r2_parts_add_up_to_totals(week, clock):
    db, _ = week
    report = compliance_report(db, clock, date(2026, 11, 23), date(2026, 11, 29))
    assert report.presented == report.refused + report.verified
    assert report.refused == sum(report.refused_by_rule.values())
    assert report.verified == sum(getattr(report, state) for state in STATES)
    assert len(report.breaches) == report.breached
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
