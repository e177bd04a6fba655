"""P2/R1/R3: the authority's three-day decision deadline is defined once, in
booking.permission, and the screen's checks, the CSV, the HTML page and the paper summary
count the same cases over it: decided after it, or still awaited past it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from support import OFFICER, at, presentation

from booking.permission import (
    DECISION_HOURS,
    decision_due,
    decision_overdue,
    hours_to_decide,
    record_permission,
)
from booking.report import compliance_report
from booking.verification import verify_documents
from kiosk.report_export import to_csv, to_html
from kiosk.screens.report import checks
from printers.report_summary import report_summary

CASES = (("2026041", "孔明"), ("2026042", "关羽"), ("2026043", "张飞"), ("2026044", "赵云"))


def test_p2_the_deadline_is_three_days_after_presentation():
    presented = at(2026, 11, 20, 9, 0)
    assert DECISION_HOURS == 72 and decision_due(presented) == at(2026, 11, 23, 9, 0)
    due = decision_due(presented)
    assert not decision_overdue(presented, due, False, due + timedelta(days=9))  # on time
    assert decision_overdue(presented, due + timedelta(minutes=1), False, due)  # decided late
    assert not decision_overdue(presented, None, True, due)  # awaited, not yet past it
    assert decision_overdue(presented, None, True, due + timedelta(minutes=1))  # awaited past
    assert not decision_overdue(presented, None, False, due + timedelta(days=1))  # closed
    assert hours_to_decide(presented, None, True, at(2026, 11, 21, 9, 0)) == 24
    assert hours_to_decide(presented, None, False, at(2026, 11, 21, 9, 0)) is None


@pytest.fixture
def permission_cases(centre, clock):
    """Four national-security cases (P1): granted after 6 h, granted after 80 h (late),
    still awaited after 96 h (overdue), awaited for 24 h (in time); the report is read on
    Tue 11-24 09:00."""
    centre.table("detainees").insert_all([
        dict(roster_no=roster_no, name=name, id_no=f"31010419760213{n:03d}{(n * 7) % 10}",
             case_no=f"沪国安立字〔2026〕{roster_no}号", charge_category="national_security",
             stage="investigation", case_unit="上海市国家安全局", status="in_custody")
        for n, (roster_no, name) in enumerate(CASES)])

    def present(roster_no, name):
        result = verify_documents(centre, clock, OFFICER, presentation(
            roster_no=roster_no, letter_detainee_name=name, poa_signed_by=name))
        assert result.passed, result.failures
        assert result.request.state == "awaiting_permission"
        return result.request.id

    clock.set(at(2026, 11, 20, 9, 0))
    quick, slow, waiting = (present(*case) for case in CASES[:3])
    clock.set(at(2026, 11, 20, 15, 0))
    record_permission(centre, clock, OFFICER, quick, True, "沪国安许〔2026〕1号")
    clock.set(at(2026, 11, 23, 9, 0))
    recent = present(*CASES[3])
    clock.set(at(2026, 11, 23, 17, 0))
    record_permission(centre, clock, OFFICER, slow, True, "沪国安许〔2026〕2号")
    clock.set(at(2026, 11, 24, 9, 0))
    report = compliance_report(centre, clock, at(2026, 11, 20).date(), at(2026, 11, 24).date())
    return report, {"quick": quick, "slow": slow, "waiting": waiting, "recent": recent}


def test_p2_r3_screen_csv_html_and_paper_count_the_same_cases_over_time(permission_cases,
                                                                        clock):
    report, ids = permission_cases
    over = {c.request_id for c in report.permission_cases if c.overdue}
    assert over == {ids["slow"], ids["waiting"]} and report.permission_overdue == 2
    waited = {c.request_id: c.waited_hours for c in report.permission_cases}
    assert waited == {ids["quick"]: 6.0, ids["slow"]: 80.0, ids["waiting"]: 96.0,
                      ids["recent"]: 24.0}
    # the screen's checked line: one decided late, one of two awaited past the deadline
    assert checks(report, "en").plain.splitlines()[2] == (
        "✘ Permission 4 (decide within 72 h): 2 decided, longest 80.0 h, 1 late;"
        " 2 awaiting, 1 overdue")
    # the CSV marks the same cases, with their due time
    lines = to_csv(report).splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("permission.request_id"))
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[start:start + 5]))))
    assert {int(r["permission.request_id"]) for r in rows if r["over_time"] == "1"} == over
    assert {r["decision_due"] for r in rows} >= {"2026-11-23T09:00:00+08:00"}
    # the HTML page counts decided-late and awaited-past-due alike (it counted decided only)
    html = to_html(report, "上海市第一看守所")
    assert "超时 over it: 2)" in html
    assert html.count("，超时 over time") == 2
    # the paper summary says the same number
    lines = [getattr(block, "text", "") for block in
             report_summary(report, "上海市第一看守所", 80, clock.now()).blocks]
    [line] = [text for text in lines if f"许可·超过{DECISION_HOURS}小时" in text]
    assert line.split()[-1] == "2"
