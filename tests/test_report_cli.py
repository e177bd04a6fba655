"""R3: `kiosk report` as a table, JSON, CSV (formula cells neutralised) and a self-contained
HTML page; bad periods get a bilingual message and no traceback; --print uses the printer."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from support import ROOT

from booking.clock import SHANGHAI, FixedClock
from booking.report import Breach, compliance_report
from booking.settings import load_settings
from booking.storage import open_database
from kiosk.cli import Context, main
from kiosk.report_cli import report
from kiosk.report_export import neutralise, to_csv, to_html
from simulation import Profile, simulate

CONFIG = ROOT / "config" / "kiosk.toml"
FIRST, LAST = "2026-03-02", "2026-03-05"
NOW = datetime(2026, 3, 9, 8, 0, tzinfo=SHANGHAI)
ISSUE_KEYS = {
    "presented", "refused", "refused_by_rule", "verified", "immediate", "met", "breached",
    "deferred_by_lawyer", "no_show", "cancelled", "awaiting_permission", "permission_denied",
    "open", "compliance_rate", "median_hours", "p90_hours", "saturday_meetings",
    "sunday_meetings", "interrogation_room_meetings", "consent_recorded",
    "devices_off_confirmed", "video_meetings", "permission_cases", "assistants", "breaches",
}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Four simulated days of the repository's small centre (it has breaches)."""
    path = tmp_path_factory.mktemp("report_cli") / "sim.db"
    db = open_database(path)
    try:
        simulate(db, load_settings(CONFIG), 3, 4, date(2026, 3, 2), Profile(arrivals=120))
    finally:
        db.conn.close()
    return path


@pytest.fixture
def kiosk_report(history, tmp_path):
    """Run `kiosk report ...` with a fixed clock and the printer writing to tmp_path."""
    loaded = load_settings(CONFIG)
    settings = loaded.model_copy(update={
        "printer": loaded.printer.model_copy(update={"folder": tmp_path / "printer"})})

    def run(*args):
        return CliRunner().invoke(report, list(args),
                                  obj=Context(settings, history, FixedClock(NOW)))

    return run


def expected(history):
    db = open_database(history)
    try:
        return compliance_report(db, FixedClock(NOW), date.fromisoformat(FIRST),
                                 date.fromisoformat(LAST))
    finally:
        db.conn.close()


def test_r3_json_has_the_issues_keys_and_the_reports_values(kiosk_report, history):
    result = kiosk_report("--from", FIRST, "--to", LAST, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert ISSUE_KEYS <= set(data)
    # the centre that made it (config centre.name and centre.code), for kiosk city-report
    assert data.pop("centre") == {"name": "上海市第一看守所", "code": "SH-KSS-01"}
    assert data == expected(history).summary()
    assert data["breached"] > 0 and len(data["breaches"]) == data["breached"]
    assert set(data["breaches"][0]) == {"request_id", "deadline", "started", "hours_late",
                                        "reason", "happened", "booked_for", "room", "zh", "en",
                                        "delay", "account"}


def test_r3_table_is_bilingual_and_is_the_default(kiosk_report, history):
    result = kiosk_report("--from", FIRST, "--to", LAST)
    assert result.exit_code == 0, result.output
    text = result.output
    for words in ("48小时达标率", "48-hour compliance rate", "超过48小时 Breaches",
                  "材料未通过（按规则）Refusals by rule", f"{expected(history).verified}"):
        assert words in text
    assert "Traceback" not in text


def test_r3_csv_figures_and_breaches(kiosk_report, history, tmp_path):
    out = tmp_path / "r.csv"
    result = kiosk_report("--from", FIRST, "--to", LAST, "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["figure", "value"]
    figures = {row[0]: row[1] for row in rows[1:] if row and len(row) >= 2}
    report_ = expected(history)
    assert figures["met"] == str(report_.met) and figures["breached"] == str(report_.breached)
    assert figures["compliance_rate"] == str(report_.compliance_rate)
    header = rows.index(["breach.request_id", "deadline", "started", "hours_late", "reason",
                         "happened", "booked_for", "room", "account"])
    breaches = rows[header + 1:rows.index([], header)]
    assert len(breaches) == report_.breached
    # R1/C4: each breach says what happened, not "not booked" for a booked request
    assert [row[5] for row in breaches] == [b.happened for b in report_.breaches]
    assert all(row[7] for row in breaches if row[5] != "never_booked")


def test_r3_csv_neutralises_formula_cells(history):
    report_ = expected(history)
    hostile = [Breach(request_id=1, deadline="2026-03-02T09:00:00+08:00", started=None,
                      hours_late=1.0, reason="other", account=reason)
               for reason in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                              "\tcmd", "\rcmd", "其他 / other: =1+1")]
    text = to_csv(report_.model_copy(update={"breaches": hostile}))
    reasons = [row[8] for row in csv.reader(io.StringIO(text)) if row and row[0] == "1"]
    assert reasons == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tcmd",
                       "'\rcmd", "其他 / other: =1+1"]
    assert neutralise(-3) == -3 and neutralise("2026-03-02") == "2026-03-02"


def test_r3_html_is_one_file_with_inline_svg_charts(kiosk_report, tmp_path):
    out = tmp_path / "r.html"
    result = kiosk_report("--from", FIRST, "--to", LAST, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "@page { size: A4" in html
    assert "每日48小时达标率" in html and "Daily compliance rate" in html
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html, re.I)
    # The only address left is the SVG namespace, which is a name, not a link.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_r3_html_escapes_text(history):
    report_ = expected(history)
    html = to_html(report_.model_copy(update={"breaches": [Breach(
        request_id=1, deadline="2026-03-02T09:00:00+08:00", started=None, hours_late=1.0,
        reason="other", account="其他 / other: <script>alert(1)</script>")]}), "<b>centre</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>centre" not in html


@pytest.mark.parametrize("args, code, words", [
    (("--from", "2026-3-2"), 2, "YYYY-MM-DD"),
    (("--from", "2026-02-30"), 2, "YYYY-MM-DD"),
    (("--from", "2026-03-05", "--to", "2026-03-01"), 1, "结束日期早于开始日期"),
    (("--from", "2000-01-01", "--to", "2026-03-01"), 1, "五年"),
    (("--format", "pdf"), 2, "pdf"),
])
def test_e1_bad_periods_get_a_message_not_a_traceback(kiosk_report, args, code, words):
    result = kiosk_report(*args)
    assert result.exit_code == code, result.output
    assert words in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                      SystemExit)


def test_r3_print_writes_the_summary_to_the_file_printer(kiosk_report, tmp_path):
    result = kiosk_report("--from", FIRST, "--to", LAST, "--format", "json", "--print")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "printer").iterdir())
    assert [f.rsplit(".", 1)[1] for f in files] == ["bin", "png"]
    assert all("report" in f for f in files)
    job = (tmp_path / "printer" / files[0]).read_bytes()
    assert "48小时合规报表".encode("gb18030") in job or b"\x1dv0" in job  # text or picture


def test_kiosk_report_is_registered_and_refuses_a_missing_database(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(CONFIG), "--db",
                                       str(tmp_path / "none.db"), "report"])
    assert result.exit_code == 1
    assert "数据库文件不存在" in result.output and "no database" in result.output
    assert not (tmp_path / "none.db").exists()


def test_s3_an_exported_report_is_owner_only(kiosk_report, tmp_path):
    """The CSV holds names: owner-only (0600) in a folder made owner-only (0700), whatever
    the umask, and also when it replaces an earlier export."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = tmp_path / "exports" / "r.csv"
        for _ in range(2):
            result = kiosk_report("--from", FIRST, "--to", LAST, "--format", "csv",
                                  "--out", str(out))
            assert result.exit_code == 0, result.output
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
        assert not list(out.parent.glob("*.part"))
    finally:
        os.umask(old)


def test_r1_r2_as_of_same_json_apart_from_made_at_and_reconciled(kiosk_report):
    """R1/R2 (issue 10): `kiosk report --as-of TIME` gives the same JSON for the same
    database, byte for byte apart from made_at; closed and breaches_by_reason reconcile."""
    args = ("--from", FIRST, "--to", LAST, "--format", "json", "--as-of", "2026-03-07 18:00")
    first, second = kiosk_report(*args), kiosk_report(*args)
    assert first.exit_code == second.exit_code == 0, first.output

    def without_made_at(output):
        data = json.loads(output)
        data.pop("made_at")
        return data, json.dumps(data, ensure_ascii=False, sort_keys=True)

    data, text = without_made_at(first.output)
    assert text == without_made_at(second.output)[1]
    assert data["as_of"] == "2026-03-07T18:00:00+08:00"
    assert ISSUE_KEYS <= set(data)
    assert data["verified"] == sum(data[s] for s in (
        "met", "breached", "deferred_by_lawyer", "no_show", "cancelled", "awaiting_permission",
        "permission_denied", "open")) + sum(data["closed"].values())
    assert data["breached"] == sum(data["breaches_by_reason"].values()) == len(data["breaches"])
    assert all(b["reason"] in data["breaches_by_reason"] for b in data["breaches"])
    bad = kiosk_report("--as-of", "yesterday")
    assert bad.exit_code != 0 and "YYYY-MM-DD HH:MM" in bad.output
