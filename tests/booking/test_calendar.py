"""B2/B3: opening hours date by date (weekly hours, official holidays and make-up days,
duty sessions, closures), imported schedules, and meeting slots on the grid."""

import json
from datetime import date, datetime, timedelta

import pytest

from booking import audit
from booking.calendar import (
    OpeningCalendar,
    add_closure,
    add_duty_session,
    describe,
    import_official_schedule,
    officer_entries,
    remove_entry,
)
from booking.clock import SHANGHAI, FixedClock
from booking.errors import DomainError, NotFound


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def times(sessions) -> list[str]:
    return [f"{s:%H:%M}-{e:%H:%M}" for s, e in sessions]


def calendar_for(db, settings, **hours) -> OpeningCalendar:
    if hours:
        settings = settings.model_copy(
            update={"hours": settings.hours.model_copy(update=hours)})
    return OpeningCalendar.from_settings(db, settings)


def state(db) -> tuple:
    """What a refused action must leave untouched."""
    return (list(db.query("SELECT * FROM calendar_days ORDER BY day, source")),
            db.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


WEEKDAY = ["08:30-11:30", "13:00-17:00"]


# --- B2: the hours of a date ------------------------------------------------------------

def test_b2_friday_evening_first_slot_is_saturday_morning(db, settings):
    cal = calendar_for(db, settings)
    start = at(2026, 11, 27, 20, 0)  # Friday, after closing
    assert cal.first_opening_before(start, start + timedelta(hours=48), 60) == at(2026, 11, 28,
                                                                                   8, 30)
    saturday = cal.day(date(2026, 11, 28))
    assert saturday.reason == "saturday" and times(saturday.sessions) == ["08:30-11:30",
                                                                           "13:00-16:00"]


def test_b2_sunday_closed_by_default_open_when_switched_on(db, settings):
    sunday = date(2026, 11, 29)
    closed = calendar_for(db, settings).day(sunday)
    assert closed.reason == "sunday_closed" and not closed.is_open
    opened = calendar_for(db, settings, sunday_open=True).day(sunday)
    assert opened.reason == "sunday" and times(opened.sessions) == ["09:00-11:30",
                                                                    "13:00-16:00"]
    start = at(2026, 11, 28, 16, 0)  # Saturday after closing
    assert calendar_for(db, settings).first_opening_before(start, start + timedelta(hours=48),
                                                           60) == at(2026, 11, 30, 8, 30)
    assert calendar_for(db, settings, sunday_open=True).first_opening_before(
        start, start + timedelta(hours=48), 60) == at(2026, 11, 29, 9, 0)


def test_b2_public_holiday_is_closed_with_its_name(db, settings):
    day = calendar_for(db, settings).day(date(2026, 10, 1))
    assert (day.reason, day.name, day.sessions, day.official) == ("holiday", "国庆节", (), True)
    # The 2026 schedule (国办发明电, 4 Nov 2025): National Day 10-01..07, Mid-Autumn 09-25..27.
    cal = calendar_for(db, settings)
    assert [cal.day(date(2026, 10, d)).reason for d in range(1, 9)] == ["holiday"] * 7 + [
        "weekday"]
    assert cal.day(date(2026, 9, 25)).reason == "holiday"


def test_b2_holidays_open_on_weekly_hours_when_switched_off(db, settings):
    day = calendar_for(db, settings, holidays_closed=False).day(date(2026, 10, 1))  # Thursday
    assert day.reason == "weekday" and day.name == "国庆节" and times(day.sessions) == WEEKDAY


@pytest.mark.parametrize(("length", "expected"), [(60, at(2026, 9, 30, 16, 0)), (90, None)])
def test_b2_national_day_request_gets_the_last_slot_on_the_eve_if_one_fits(db, settings, length,
                                                                           expected):
    start = at(2026, 9, 30, 16, 0)
    deadline = at(2026, 10, 2, 16, 0)
    assert calendar_for(db, settings).first_opening_before(start, deadline, length) == expected


def test_b2_no_opening_before_the_deadline_until_a_duty_session_is_added(db, settings):
    clock = FixedClock(at(2026, 9, 30, 16, 45))
    cal = calendar_for(db, settings)
    deadline = clock.now() + timedelta(hours=48)
    assert cal.first_opening_before(clock.now(), deadline, 60) is None  # says so at once

    entry = add_duty_session(db, clock, "1001", date(2026, 10, 1), ["09:00-11:30"])
    assert (entry.kind, entry.sessions, entry.added_by) == ("duty", ("09:00-11:30",), "1001")
    assert cal.first_opening_before(clock.now(), deadline, 60) == at(2026, 10, 1, 9, 0)
    duty = cal.day(date(2026, 10, 1))
    assert duty.reason == "duty" and times(duty.sessions) == ["09:00-11:30"]
    last = db.execute("SELECT actor, action, subject FROM audit_log ORDER BY id DESC").fetchone()
    assert tuple(last) == ("1001", "calendar_duty", "calendar:2026-10-01")
    assert audit.verify(db).ok


def test_b2_makeup_working_sunday_opens_with_weekday_hours(db, settings):
    day = calendar_for(db, settings).day(date(2026, 9, 20))  # Sunday, 调休 for National Day
    assert day.reason == "makeup_workday" and times(day.sessions) == WEEKDAY
    assert day.name == "国庆节"
    saturday = calendar_for(db, settings).day(date(2026, 10, 10))  # a make-up Saturday
    assert saturday.reason == "makeup_workday" and times(saturday.sessions) == WEEKDAY


def test_b2_unloaded_year_runs_on_weekly_hours_with_a_warning_until_imported(db, clock, settings,
                                                                            tmp_path):
    cal = calendar_for(db, settings)
    new_year = cal.day(date(2027, 1, 1))  # a Friday
    assert new_year.reason == "weekday" and times(new_year.sessions) == WEEKDAY
    assert not new_year.official
    assert cal.warnings([date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 4)]) == [
        "2027年官方节假日安排尚未导入，按每周开放时间办理"
        " / the official 2027 holiday schedule is not loaded: weekly hours apply"]

    result = import_official_schedule(db, clock, "1001", write(
        tmp_path / "2027.csv", "date,kind,name\n2027-01-01,holiday,元旦\n"))
    assert not result.errors and result.years == (2027,) and result.holidays == 1

    new_year = cal.day(date(2027, 1, 1))
    assert (new_year.reason, new_year.name, new_year.official) == ("holiday", "元旦", True)
    assert cal.warnings([date(2027, 1, 1), date(2027, 6, 1)]) == []
    assert cal.day(date(2027, 1, 4)).reason == "weekday"
    assert audit.verify(db).ok


def test_b2_import_replaces_the_years_it_names_and_overrides_the_package(db, clock, settings,
                                                                        tmp_path):
    cal = calendar_for(db, settings)
    first = write(tmp_path / "a.json", json.dumps([
        {"date": "2027-02-06", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-07", "kind": "workday", "name": "春节"},   # a Sunday
        {"date": "2026-11-30", "kind": "holiday", "name": None},     # overrides the package
    ], ensure_ascii=False))
    assert import_official_schedule(db, clock, "1001", first).workdays == 1
    assert cal.day(date(2027, 2, 7)).reason == "makeup_workday"
    assert cal.day(date(2026, 11, 30)).reason == "holiday"

    second = write(tmp_path / "b.csv", "date,kind,name\n2027-02-08,holiday,春节\n")
    result = import_official_schedule(db, clock, "1001", second)
    assert result.replaced == 2
    assert cal.day(date(2027, 2, 7)).reason == "sunday_closed"  # the old 2027 rows are gone
    assert cal.day(date(2027, 2, 8)).reason == "holiday"
    assert cal.day(date(2026, 11, 30)).reason == "holiday"  # 2026 was not in the file


def test_b2_closure_overrides_everything_and_removing_it_restores_the_day(db, clock, settings,
                                                                          tmp_path):
    cal = calendar_for(db, settings)
    day = date(2026, 11, 25)
    add_duty_session(db, clock, "1001", day, ["18:00-20:00"])
    add_closure(db, clock, "9001", day, "停电检修")
    closed = cal.day(day)
    assert (closed.reason, closed.name, closed.sessions) == ("closed", "停电检修", ())
    assert [e.kind for e in officer_entries(db, day, day)] == ["closed"]

    # An officer entry on an imported holiday leaves the import in place when taken back.
    import_official_schedule(db, clock, "1001", write(
        tmp_path / "x.csv", "date,kind,name\n2027-01-01,holiday,元旦\n"))
    add_duty_session(db, clock, "1001", date(2027, 1, 1), ["09:00-11:00"])
    assert cal.day(date(2027, 1, 1)).reason == "duty"
    remove_entry(db, clock, "1001", date(2027, 1, 1))
    assert cal.day(date(2027, 1, 1)).reason == "holiday"

    assert remove_entry(db, clock, "1001", day).kind == "closed"
    assert times(cal.day(day).sessions) == WEEKDAY
    with pytest.raises(NotFound):
        remove_entry(db, clock, "1001", day)
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["calendar_duty", "calendar_closed", "calendar_import", "calendar_duty",
                       "calendar_remove", "calendar_remove"]
    assert audit.verify(db).ok


def test_b2_describe_names_hours_reason_and_holiday(db, settings):
    cal = calendar_for(db, settings)
    assert describe(cal.day(date(2026, 10, 1))) == (
        "2026-10-01 周四  不开放 closed  法定节假日 public holiday  国庆节")
    assert describe(cal.day(date(2026, 11, 24))) == (
        "2026-11-24 周二  08:30-11:30, 13:00-17:00  工作日 weekday")


# --- B3: slots ----------------------------------------------------------------------------

def test_b3_slots_on_the_grid_fit_inside_one_session(db, settings):
    cal = calendar_for(db, settings)
    morning = list(cal.slot_starts(at(2026, 11, 24, 8, 0), at(2026, 11, 24, 12, 0), 90))
    assert [f"{s:%H:%M}" for s in morning] == ["08:30", "08:45", "09:00", "09:15", "09:30",
                                               "09:45", "10:00"]  # not 10:30: ends 11:30
    # a start off the grid rounds up to the next grid point
    assert cal.first_opening_before(at(2026, 11, 24, 10, 7), at(2026, 11, 24, 18, 0), 90) == at(
        2026, 11, 24, 13, 0)
    assert cal.first_opening_before(at(2026, 11, 24, 10, 7), at(2026, 11, 24, 18, 0), 45) == at(
        2026, 11, 24, 10, 15)
    assert [f"{s:%H:%M}" for s in cal.slot_starts(at(2026, 11, 24, 15, 0),
                                                   at(2026, 11, 24, 18, 0), 60, 30)] == [
        "15:00", "15:30", "16:00"]


def test_b3_slot_start_must_be_strictly_before_the_deadline(db, settings):
    cal = calendar_for(db, settings)
    assert cal.first_opening_before(at(2026, 11, 24, 9, 0), at(2026, 11, 24, 9, 0), 45) is None
    assert cal.first_opening_before(at(2026, 11, 24, 9, 0), at(2026, 11, 24, 9, 1), 45) == at(
        2026, 11, 24, 9, 0)


def test_b2_openings_are_clipped_to_the_window(db, settings):
    cal = calendar_for(db, settings)
    spans = list(cal.openings(at(2026, 11, 27, 10, 0), at(2026, 11, 28, 9, 0)))
    assert spans == [(at(2026, 11, 27, 10, 0), at(2026, 11, 27, 11, 30)),
                     (at(2026, 11, 27, 13, 0), at(2026, 11, 27, 17, 0)),
                     (at(2026, 11, 28, 8, 30), at(2026, 11, 28, 9, 0))]
    with pytest.raises(ValueError):
        list(cal.openings(datetime(2026, 11, 27, 10), at(2026, 11, 28, 9)))


# --- E1/E3: refused input leaves the database as it was ------------------------------------

@pytest.mark.parametrize("sessions", [["9:00-11:30"], ["09:00-08:00"], ["25:00-26:00"], [],
                                      ["09:00-11:00", "10:30-12:00"], ["全天"]])
def test_e1_bad_duty_session_is_refused_and_nothing_changes(db, clock, sessions):
    before = state(db)
    with pytest.raises(DomainError) as info:
        add_duty_session(db, clock, "1001", date(2026, 12, 1), sessions)
    assert info.value.rule == "B2" and info.value.zh and info.value.en
    assert state(db) == before


def test_e1_past_dates_and_closures_without_reason_are_refused(db, clock):
    add_duty_session(db, clock, "1001", date(2026, 11, 24), ["18:00-19:00"])  # today is fine
    before = state(db)
    with pytest.raises(DomainError, match="past"):
        add_duty_session(db, clock, "1001", date(2026, 11, 23), ["09:00-11:30"])
    with pytest.raises(DomainError, match="past"):
        add_closure(db, clock, "1001", date(2026, 11, 23), "停电")
    with pytest.raises(DomainError, match="reason"):
        add_closure(db, clock, "1001", date(2026, 12, 1), "  ")
    with pytest.raises(DomainError):
        add_closure(db, clock, "1001", datetime(2026, 12, 1, 9), "停电")
    assert state(db) == before


def test_e3_bad_import_rows_are_reported_by_line_and_nothing_is_imported(db, clock, tmp_path):
    before = state(db)
    path = write(tmp_path / "2027.csv", "\n".join([
        "date,kind,name",
        "2027-01-01,holiday,元旦",
        "2027-13-01,holiday,x",        # line 3: no such month
        "2027-01-04,workday,元旦",      # line 4: a Monday cannot be a make-up day
        "2027-01-01,holiday,元旦",      # line 5: repeated
        "2027-01-02,rest,元旦",         # line 6: unknown kind
    ]) + "\n")
    result = import_official_schedule(db, clock, "1001", path)
    assert [(e.line, e.field) for e in result.errors] == [(3, "date"), (4, "kind"), (5, "date"),
                                                         (6, "kind")]
    assert "Saturday or Sunday" in result.errors[1].reason
    assert result.years == () and state(db) == before


@pytest.mark.parametrize(("name", "text"), [
    ("a.csv", "day,kind,name\n2027-01-01,holiday,元旦\n"),  # wrong header
    ("a.json", "{not json"),
    ("a.json", "[]"),
    ("a.txt", "2027-01-01,holiday,元旦"),
])
def test_e3_unusable_import_file_is_refused(db, clock, tmp_path, name, text):
    before = state(db)
    with pytest.raises(DomainError) as info:
        import_official_schedule(db, clock, "1001", write(tmp_path / name, text))
    assert info.value.rule == "E3"
    assert state(db) == before
