"""B2: a time refused for the opening hours says why (Sunday closed, a public holiday, a
closure, after hours) and points to the duty session."""

import pytest
from support import OFFICER, at, presentation

from booking.calendar import add_closure
from booking.errors import DomainError
from booking.meetings import book
from booking.verification import verify_documents


def refusal(db, clock, settings, asked_at, booked_for) -> DomainError:
    clock.set(asked_at)
    request = verify_documents(db, clock, OFFICER, presentation()).request
    with pytest.raises(DomainError) as info:
        book(db, clock, settings, OFFICER, request.id, "M1", booked_for,
             delay_reason="rooms_busy")
    assert info.value.rule == "B2"
    return info.value


def test_b2_a_sunday_is_refused_as_sunday_with_the_duty_session_key(centre, clock, settings):
    error = refusal(centre, clock, settings, at(2026, 11, 27, 16, 0), at(2026, 11, 29, 10, 0))
    assert error.zh.startswith("所选日期是周日，本所周日不开放会见")
    assert "增加值班会见（窗口按 Ctrl+D" in error.zh
    assert "Sunday" in error.en and "Ctrl+D" in error.en


def test_b2_a_public_holiday_is_refused_by_its_name(centre, clock, settings):
    error = refusal(centre, clock, settings, at(2026, 9, 30, 10, 0), at(2026, 10, 1, 10, 0))
    assert error.zh.startswith("所选日期是法定节假日（国庆节）")
    assert "public holiday (国庆节)" in error.en and "duty session" in error.en


def test_b2_a_closure_is_refused_with_its_reason(centre, clock, settings):
    clock.set(at(2026, 11, 24, 9, 0))
    add_closure(centre, clock, OFFICER, at(2026, 11, 25, 0, 0).date(), "停电检修")
    error = refusal(centre, clock, settings, at(2026, 11, 24, 9, 0), at(2026, 11, 25, 10, 0))
    assert error.zh.startswith("所选日期停止会见（停电检修）")


def test_b2_after_hours_names_the_days_hours(centre, clock, settings):
    error = refusal(centre, clock, settings, at(2026, 11, 24, 9, 0), at(2026, 11, 24, 16, 30))
    assert error.zh.startswith("所选时间不在当日会见开放时间内（当日开放 08:30-11:30 13:00-17:00")
    assert "outside the day's opening hours (08:30-11:30 13:00-17:00" in error.en
