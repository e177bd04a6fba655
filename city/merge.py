"""R2 across centres: merge the JSON reports of many centres for one period into a row per
centre and the city's totals, and check that every city figure is the sum of the centres'.

The merge is generic, so a figure a newer kiosk adds needs no change here:
- a count (a whole number) is summed;
- an object (a count by rule, by reason, by kind...) is merged key by key, recursively;
- a list (breaches, permission cases) is joined, each item tagged with its centre's code;
  `daily` is merged by day;
- a rate is computed again from the city's totals (RATES); any other fraction (median and
  90th-percentile hours) cannot be made from the centres' values and is left out of the
  totals (None): it is shown per centre;
- text that is the same in every report (the period) is kept; other text (when each report
  was made) stays with its centre.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

# rate -> (numerator, denominators): recomputed from the city's totals.
RATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "compliance_rate": ("met", ("met", "breached")),
}
PER_CENTRE = ("made_at", "as_of")  # when each report was made: the centre's, not the city's
PERIOD = ("period_from", "period_to")


class CityReportError(Exception):
    """A file that cannot be merged: `zh` and `en` say which and why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}\n{en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class CentreReport:
    code: str
    name: str
    source: str
    figures: dict[str, Any]


@dataclass
class CityReport:
    period_from: str
    period_to: str
    centres: list[CentreReport]
    totals: dict[str, Any]
    breaches_by_reason: dict[str, int]
    problems: list[str] = field(default_factory=list)
    """R2 findings: city figures that are not the sum of the centres' (empty when all
    reconcile)."""

    def summary(self) -> dict[str, Any]:
        totals = {k: v.items_with_centre() if isinstance(v, Tagged) else v
                  for k, v in self.totals.items()}
        return {
            "period_from": self.period_from, "period_to": self.period_to,
            "centres": [{"centre": {"code": c.code, "name": c.name}, **c.figures}
                        for c in self.centres],
            "city": {**totals, "breaches_by_reason": self.breaches_by_reason},
            "reconciled": not self.problems, "problems": self.problems,
        }


def read_report(path: Path) -> CentreReport:
    """One centre's JSON report; CityReportError when it is not one."""
    try:
        data = orjson.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except OSError as exc:
        raise CityReportError(f"无法读取 {path}：{exc.strerror}",
                              f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise CityReportError(f"{path} 不是JSON报表：{exc}",
                              f"{path} is not a JSON report: {exc}") from None
    return centre_report(data, str(path))


def centre_report(data: Any, source: str) -> CentreReport:
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in PERIOD):
        raise CityReportError(f"{source} 不是合规报表（无统计期间）",
                              f"{source} is not a compliance report (no period)")
    centre = data.get("centre")
    if not isinstance(centre, dict) or not (centre.get("code") or centre.get("name")):
        raise CityReportError(
            f"{source} 未注明看守所（请用新版 kiosk report --format json 重新生成）",
            f"{source} does not name its centre (make it again with kiosk report"
            " --format json of a current kiosk)")
    figures = {k: v for k, v in data.items() if k != "centre"}
    name = str(centre.get("name") or "")
    return CentreReport(code=str(centre.get("code") or name), name=name, source=source,
                        figures=figures)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _merge(key: str, values: list[Any], codes: list[str]) -> Any:
    present = [(v, c) for v, c in zip(values, codes, strict=True) if v is not None]
    if not present:
        return None
    kinds = [v for v, _ in present]
    if all(_is_count(v) for v in kinds):
        return sum(kinds)
    if all(isinstance(v, dict) for v in kinds):
        keys = list(dict.fromkeys(k for v in kinds for k in v))
        return {k: _merge(k, [v.get(k) for v, _ in present], [c for _, c in present])
                for k in keys}
    if all(isinstance(v, list) for v in kinds):
        if key == "daily":
            return _merge_days(kinds)
        return Tagged([(c, v) for v, c in present])
    if all(isinstance(v, str) for v in kinds) and len(set(kinds)) == 1:
        return kinds[0]
    return None  # fractions (hours) and differing text: the centres' own


def _merge_days(lists: list[list[Any]]) -> list[dict[str, Any]]:
    """The days of every centre, each day's counts summed (a hot loop: 365 days a centre)."""
    by_day: dict[str, dict[str, Any]] = {}
    for days in lists:
        for day in days:
            name = day["day"]
            merged = by_day.get(name)
            if merged is None:
                by_day[name] = dict(day)
                continue
            for key, value in day.items():
                if type(value) is int:
                    merged[key] = merged.get(key, 0) + value
    return [by_day[day] for day in sorted(by_day)]


class Tagged:
    """The centres' items of one list (breaches, permission cases), kept as each centre's
    list until the JSON names each item's centre (a city's year is many thousands)."""

    def __init__(self, chunks: list[tuple[str, list[Any]]]) -> None:
        self.chunks = chunks

    def __len__(self) -> int:
        return sum(len(items) for _, items in self.chunks)

    def items_with_centre(self) -> list[Any]:
        return [{"centre": code, **item} if isinstance(item, dict) else item
                for code, items in self.chunks for item in items]


def _rate(totals: dict[str, Any], numerator: str, denominators: tuple[str, ...]) -> float | None:
    whole = sum(totals.get(d) or 0 for d in denominators)
    return (totals.get(numerator) or 0) / whole if whole else None


def _breaches_by_reason(centres: list[CentreReport], totals: dict[str, Any]) -> dict[str, int]:
    """The city's breaches grouped by reason: the reports' own `breaches_by_reason` counts when
    they carry them, else the breaches listed, grouped by their reason."""
    merged = totals.get("breaches_by_reason")
    if isinstance(merged, dict) and all(_is_count(v) for v in merged.values()):
        return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))
    grouped: Counter[str] = Counter()
    for centre in centres:
        for breach in centre.figures.get("breaches") or []:
            grouped[str(breach.get("delay") or breach.get("reason") or "—")] += 1
    return dict(sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0])))


def merge(reports: list[CentreReport]) -> CityReport:
    """The city report of these centres' reports, which must be of one period, one per centre.
    CityReportError otherwise, naming the files."""
    if not reports:
        raise CityReportError("没有报表文件", "no report files given")
    first = reports[0]
    period = tuple(first.figures[k] for k in PERIOD)
    seen: dict[str, str] = {}
    for report in reports:
        other = tuple(report.figures[k] for k in PERIOD)
        if other != period:
            raise CityReportError(
                f"{report.source} 的统计期间 {other[0]} – {other[1]} 与 {first.source} 的"
                f" {period[0]} – {period[1]} 不同",
                f"{report.source} covers {other[0]} – {other[1]}, not {period[0]} –"
                f" {period[1]} as {first.source}: merge reports of one period")
        if report.code in seen:
            raise CityReportError(
                f"看守所 {report.code} 重复：{seen[report.code]} 与 {report.source}",
                f"centre {report.code} twice: {seen[report.code]} and {report.source}")
        seen[report.code] = report.source
    codes = [r.code for r in reports]
    keys = list(dict.fromkeys(k for r in reports for k in r.figures if k not in PER_CENTRE))
    totals = {k: _merge(k, [r.figures.get(k) for r in reports], codes) for k in keys}
    for rate, (numerator, denominators) in RATES.items():
        if rate in totals or any(rate in r.figures for r in reports):
            totals[rate] = _rate(totals, numerator, denominators)
    city = CityReport(period_from=period[0], period_to=period[1], centres=list(reports),
                      totals=totals, breaches_by_reason=_breaches_by_reason(reports, totals))
    city.problems = reconcile(city)
    return city


def counts(figures: Any, prefix: str = "") -> dict[str, int]:
    """Every count of a report, flat: 'met', 'refused_by_rule.V4', 'closed.released'...
    (lists counted by their length)."""
    flat: dict[str, int] = {}
    if not isinstance(figures, dict):
        return flat
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if _is_count(value):
            flat[name] = value
        elif isinstance(value, dict):
            flat.update(counts(value, f"{name}."))
        elif isinstance(value, list | Tagged) and key != "daily":
            flat[f"{name}[]"] = len(value)
    return flat


def reconcile(city: CityReport) -> list[str]:
    """R2 across centres, checked from the files again, not from the merge: each city count
    is the sum of the centres' counts; each day's figures add up to the period's; every
    rate is its totals' rate; the breaches by reason add up to the breaches."""
    problems = []
    expected: Counter[str] = Counter()
    for centre in city.centres:
        expected.update(counts({k: v for k, v in centre.figures.items()
                                if k not in PER_CENTRE}))
    got = counts(city.totals)
    for name in sorted(set(expected) | set(got)):
        if expected[name] != got.get(name, 0):
            problems.append(f"{name}: city {got.get(name, 0)} != centres {expected[name]}")
    days = city.totals.get("daily") or []
    for key in ("presented", "met", "breached"):
        if days and key in city.totals and sum(d.get(key, 0) for d in days) != city.totals[key]:
            problems.append(f"daily.{key}: the days add up to"
                            f" {sum(d.get(key, 0) for d in days)}, not {city.totals[key]}")
    for rate, (numerator, denominators) in RATES.items():
        if rate in city.totals and city.totals[rate] != _rate(city.totals, numerator,
                                                              denominators):
            problems.append(f"{rate}: not {numerator} / ({' + '.join(denominators)})")
    if "breached" in city.totals and sum(city.breaches_by_reason.values()) != \
            city.totals["breached"]:
        problems.append(f"breaches_by_reason: {sum(city.breaches_by_reason.values())}"
                        f" != breached {city.totals['breached']}")
    return problems
