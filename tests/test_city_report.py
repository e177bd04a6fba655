"""R2 across centres: `kiosk city-report` merges three centres' JSON reports of one period;
each city figure is the sum of the centres'; another period or a centre twice is refused."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from support import ROOT

from booking.clock import SHANGHAI, FixedClock
from booking.settings import load_settings
from booking.storage import open_database
from city.merge import CityReportError, centre_report, merge
from kiosk.city_cli import city_report
from kiosk.cli import Context
from kiosk.report_cli import report
from simulation import Profile, simulate

CONFIG = ROOT / "config" / "kiosk.toml"
NOW = datetime(2026, 3, 9, 8, 0, tzinfo=SHANGHAI)
CENTRES = (("SH-01", "上海市第一看守所", 1, 90), ("SH-02", "上海市第二看守所", 2, 130),
           ("SH-03", "上海市第三看守所", 3, 60))


def centre_json(tmp_path, code: str, name: str, seed: int, arrivals: int,
                first: str = "2026-03-02", last: str = "2026-03-04"):
    """A centre's own database (simulated days) and its `kiosk report --format json` file."""
    path = tmp_path / f"{code}.db"
    loaded = load_settings(CONFIG)
    settings = loaded.model_copy(update={
        "centre": loaded.centre.model_copy(update={"code": code, "name": name})})
    db = open_database(path)
    try:
        simulate(db, settings, seed, 3, date(2026, 3, 2), Profile(arrivals=arrivals))
    finally:
        db.conn.close()
    out = tmp_path / f"{code}.json"
    result = CliRunner().invoke(report, ["--from", first, "--to", last, "--format", "json",
                                         "--out", str(out)],
                                obj=Context(settings, path, FixedClock(NOW)))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city")
    return [centre_json(folder, *centre) for centre in CENTRES]


def run(*args):
    return CliRunner().invoke(city_report, [str(a) for a in args])


COUNTS = ("presented", "refused", "verified", "immediate", "met", "breached",
          "deferred_by_lawyer", "no_show", "cancelled", "awaiting_permission",
          "permission_denied", "open", "saturday_meetings", "interrogation_room_meetings",
          "video_meetings", "assistants")


def test_r2_city_figures_are_the_sums_of_the_three_centres(reports):
    centres = [json.loads(p.read_text()) for p in reports]
    assert [c["centre"]["code"] for c in centres] == ["SH-01", "SH-02", "SH-03"]
    result = run(*reports, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    city = data["city"]
    assert data["reconciled"] is True and data["problems"] == []
    assert (data["period_from"], data["period_to"]) == ("2026-03-02", "2026-03-04")
    for key in COUNTS:
        assert city[key] == sum(c[key] for c in centres), key
    assert city["breached"] > 0 and city["refused"] > 0
    rules = {rule for c in centres for rule in c["refused_by_rule"]}
    assert city["refused_by_rule"] == {
        rule: sum(c["refused_by_rule"].get(rule, 0) for c in centres) for rule in rules}
    assert city["compliance_rate"] == pytest.approx(
        city["met"] / (city["met"] + city["breached"]))
    assert city["median_hours"] is None  # not additive: shown per centre
    assert len(city["breaches"]) == city["breached"]
    assert {b["centre"] for b in city["breaches"]} <= {"SH-01", "SH-02", "SH-03"}
    assert sum(city["breaches_by_reason"].values()) == city["breached"]
    for day in city["daily"]:
        assert day["presented"] == sum(d["presented"] for c in centres for d in c["daily"]
                                       if d["day"] == day["day"])
    assert [c["centre"]["code"] for c in data["centres"]] == ["SH-01", "SH-02", "SH-03"]


def test_r2_csv_city_row_is_the_sum_of_the_centre_rows(reports):
    result = run(*reports, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.output.split("\r\n\r\n")[0])))
    header, centres, city = table[0], table[1:4], table[4]
    assert [row[0] for row in centres] == ["SH-01", "SH-02", "SH-03"] and city[0] == "city"
    for n, column in enumerate(header):
        if column in ("centre", "name", "period_from", "period_to", "compliance_rate",
                      "median_hours", "p90_hours"):
            continue
        assert int(city[n]) == sum(int(row[n]) for row in centres), column
    assert "refused_by_rule.V4" in header or any(h.startswith("refused_by_rule.") for h in header)


def test_city_table_and_html_show_every_centre_and_the_city(reports, tmp_path):
    table = run(*reports)
    assert table.exit_code == 0, table.output
    for _, name, _, _ in CENTRES:
        assert name in table.output
    assert "全市合计" in table.output and "Breaches by reason across the city" in table.output
    assert "Every city figure is the sum of the centres'" in table.output
    out = tmp_path / "city.html"
    html = run(*reports, "--format", "html", "--out", out)
    assert html.exit_code == 0, html.output
    page = out.read_text()
    assert page.count("<svg") == 3  # rate, met/breached and reasons compared across centres
    assert "SH-02" in page and "全市合计" in page
    assert "<script" not in page and "src=" not in page and "<link" not in page


def test_a_report_of_another_period_is_refused(reports, tmp_path):
    other = centre_json(tmp_path, "SH-04", "上海市第四看守所", 4, 40, last="2026-03-03")
    result = run(*reports, other)
    assert result.exit_code == 1
    assert "统计期间 2026-03-02 – 2026-03-03" in result.output
    assert "merge reports of one period" in result.output


def test_a_centre_given_twice_is_refused(reports, tmp_path):
    copy = tmp_path / "again.json"
    copy.write_text(reports[1].read_text())
    result = run(*reports, copy)
    assert result.exit_code == 1
    assert "centre SH-02 twice" in result.output and "看守所 SH-02 重复" in result.output


def test_a_report_without_its_centre_is_refused(reports, tmp_path):
    old = tmp_path / "old.json"
    data = json.loads(reports[0].read_text())
    del data["centre"]
    old.write_text(json.dumps(data))
    result = run(reports[1], old)
    assert result.exit_code == 1
    assert "does not name its centre" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run(bad)
    assert result.exit_code == 1 and "is not a JSON report" in result.output
    assert "Traceback" not in result.output


def synthetic(code: str, met: int, breached: int, closed: dict, reasons: dict) -> dict:
    return {"centre": {"code": code, "name": code}, "period_from": "2026-01-01",
            "period_to": "2026-12-31", "made_at": f"2027-01-0{len(code)}T08:00:00+08:00",
            "met": met, "breached": breached, "compliance_rate": met / (met + breached),
            "median_hours": 3.5, "closed": closed, "breaches_by_reason": reasons,
            "breaches": [{"request_id": n} for n in range(breached)], "daily": []}


def test_r2_figures_a_newer_report_adds_merge_by_key():
    """Objects of counts (closed by kind, breaches by reason) merge key by key; a rate is
    computed again from the city's totals, never averaged."""
    a = synthetic("A", 90, 10, {"released": 2, "transferred": 1},
                  {"rooms_busy": 6, "in_court": 4})
    b = synthetic("BB", 10, 30, {"released": 5, "lapsed_by_lawyer": 3},
                  {"rooms_busy": 30})
    city = merge([centre_report(a, "a.json"), centre_report(b, "b.json")])
    assert city.problems == []
    assert city.totals["closed"] == {"released": 7, "transferred": 1, "lapsed_by_lawyer": 3}
    assert city.breaches_by_reason == {"rooms_busy": 36, "in_court": 4}
    assert city.totals["compliance_rate"] == 100 / 140  # not (0.9 + 0.25) / 2
    assert "made_at" not in city.totals  # each centre's own


def test_r2_a_centre_file_that_does_not_add_up_is_named():
    a = synthetic("A", 90, 10, {}, {"rooms_busy": 10})
    b = synthetic("B", 10, 30, {}, {"rooms_busy": 29})  # one breach short
    city = merge([centre_report(a, "a.json"), centre_report(b, "b.json")])
    assert city.problems == ["breaches_by_reason: 39 != breached 40"]


def test_merging_nothing_is_refused():
    with pytest.raises(CityReportError):
        merge([])


def test_s2_a_city_export_is_0600_in_a_0700_folder(reports, tmp_path):
    out = tmp_path / "exports" / "city.csv"
    result = run(*reports, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
