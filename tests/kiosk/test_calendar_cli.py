"""`kiosk calendar`: import, duty, close, remove, show (B2, E1, E3)."""

from datetime import datetime

import pytest
from click.testing import CliRunner

from booking.clock import SHANGHAI, FixedClock
from kiosk.calendar_cli import calendar
from kiosk.cli import Context


@pytest.fixture
def run(settings, tmp_path):
    context = Context(settings, tmp_path / "cli.db", FixedClock(datetime(2026, 9, 30, 16, 45,
                                                                         tzinfo=SHANGHAI)))

    def invoke(*args):
        return CliRunner().invoke(calendar, list(args), obj=context)

    yield invoke
    if context._db is not None:
        context._db.conn.close()


def test_b2_show_prints_each_day_and_the_warning_for_an_unloaded_year(run):
    result = run("show", "--from", "2026-09-30", "--to", "2026-10-02")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2026-09-30 周三  08:30-11:30, 13:00-17:00  工作日 weekday",
        "2026-10-01 周四  不开放 closed  法定节假日 public holiday  国庆节",
        "2026-10-02 周五  不开放 closed  法定节假日 public holiday  国庆节",
    ]
    result = run("show", "--from", "2026-12-31", "--to", "2027-01-01")
    assert "2027年官方节假日安排尚未导入" in result.output and "weekly hours apply" in result.output


def test_b2_duty_close_and_remove(run):
    result = run("duty", "2026-10-01", "09:00-11:30", "14:00-16:00")
    assert result.exit_code == 0, result.output
    assert "09:00-11:30, 14:00-16:00  值班会见 duty session" in result.output
    result = run("close", "2026-10-08", "--reason", "消防演练")
    assert result.exit_code == 0 and "停止会见 closed by the centre  消防演练" in result.output
    result = run("remove", "2026-10-08")
    assert result.exit_code == 0 and "08:30-11:30, 13:00-17:00  工作日" in result.output


def test_b2_import_then_the_warning_is_gone(run, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "2027: 1 holidays" in result.output
    result = run("show", "--from", "2027-01-01", "--to", "2027-01-01")
    assert result.output.splitlines() == [
        "2027-01-01 周五  不开放 closed  法定节假日 public holiday  元旦"]


@pytest.mark.parametrize(("args", "expected"), [
    (("duty", "2026-10-01", "9-11"), "HH:MM-HH:MM"),
    (("duty", "2026-09-29", "09:00-11:00"), "in the past"),
    (("duty", "2026-10-32", "09:00-11:00"), "YYYY-MM-DD"),
    (("close", "2026-10-08", "--reason", " "), "reason"),
    (("remove", "2026-10-08"), "closure to remove"),
    (("show", "--from", "2026-10-02", "--to", "2026-10-01"), "--to is before --from"),
])
def test_e1_bad_input_exits_with_a_message(run, args, expected):
    result = run(*args)
    assert result.exit_code != 0
    assert expected in result.output


def test_e3_bad_rows_are_listed_and_nothing_is_imported(run, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,workday,x\n",
                    encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "line 3: kind:" in result.output and "nothing imported" in result.output
    assert "尚未导入" in run("show", "--from", "2027-01-01", "--to", "2027-01-01").output
