"""The city report (city/merge.py) as people read it: a text table, CSV, JSON and a printable
HTML page with charts comparing the centres (the compliance report's jinja2 + pygal)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from city.merge import CityReport, Tagged, counts
from kiosk.report_export import (
    CJK_FONTS,
    NONE,
    Format,
    _chart_config,
    _inline_svg,
    neutralise,
)

# The columns of the table and the HTML page: a row per centre, then the city.
HEADLINE = ("presented", "refused", "verified", "immediate", "met", "breached",
            "compliance_rate", "deferred_by_lawyer", "no_show", "cancelled", "closed", "open",
            "median_hours", "p90_hours")
CITY = ("全市合计", "City")
SHORT: dict[str, tuple[str, str]] = {  # the table's and the page's column headings
    "presented": ("提交", "presented"), "refused": ("未通过", "refused"),
    "verified": ("申请", "requests"), "immediate": ("当即", "at once"),
    "met": ("达标", "met"), "breached": ("超时", "breached"),
    "compliance_rate": ("达标率", "rate"), "deferred_by_lawyer": ("延后", "deferred"),
    "no_show": ("未到", "no-show"), "cancelled": ("撤回", "cancelled"),
    "closed": ("关闭", "closed"), "open": ("未到期", "open"),
    "median_hours": ("中位h", "median h"), "p90_hours": ("90%h", "p90 h"),
}


def _total(value: Any) -> int | float | None:
    """A figure as one number: a count by kind as its sum."""
    if isinstance(value, dict):
        return sum(counts(value).values())
    if isinstance(value, list | Tagged):
        return len(value)
    return value


def shown(key: str, value: Any) -> str:
    value = _total(value)
    if value is None:
        return NONE
    if key.endswith("_rate"):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def columns(city: CityReport) -> list[str]:
    present = {k for c in city.centres for k in c.figures}
    return [k for k in HEADLINE if k in present]


def rows(city: CityReport) -> list[tuple[str, str, list[str]]]:
    """(code, name, shown values) per centre, then the city's."""
    keys = columns(city)
    out = [(c.code, c.name, [shown(k, c.figures.get(k)) for k in keys]) for c in city.centres]
    out.append((CITY[1], CITY[0], [shown(k, city.totals.get(k)) for k in keys]))
    return out


def to_json(city: CityReport) -> str:
    return json.dumps(city.summary(), ensure_ascii=False, indent=2) + "\n"


def to_csv(city: CityReport) -> str:
    """A row per centre with every count (flattened: refused_by_rule.V4), its rates and hours,
    then the city's row; then the city's breaches by reason."""
    flat = [counts(c.figures) for c in city.centres]
    total = counts(city.totals)
    count_keys = list(dict.fromkeys([*total, *(k for f in flat for k in f)]))
    fractions = [k for k in ("compliance_rate", "median_hours", "p90_hours")
                 if any(k in c.figures for c in city.centres)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["centre", "name", "period_from", "period_to", *count_keys, *fractions])
    for centre, figures in zip(city.centres, flat, strict=True):
        writer.writerow([neutralise(cell) for cell in [
            centre.code, centre.name, city.period_from, city.period_to,
            *(figures.get(k, 0) for k in count_keys),
            *("" if centre.figures.get(k) is None else centre.figures[k] for k in fractions)]])
    writer.writerow(["city", CITY[0], city.period_from, city.period_to,
                     *(total.get(k, 0) for k in count_keys),
                     *("" if city.totals.get(k) is None else city.totals[k] for k in fractions)])
    writer.writerow([])
    writer.writerow(["breach_reason", "count"])
    writer.writerows([neutralise(reason), n] for reason, n in city.breaches_by_reason.items())
    return out.getvalue()


def _heading(city: CityReport) -> str:
    return (f"全市律师会见48小时合规报表 City report: lawyers' meetings within 48 hours\n"
            f"统计期间 Period {city.period_from} – {city.period_to} · "
            f"{len(city.centres)} 个看守所 centres")


def _reconciled(city: CityReport) -> str:
    if not city.problems:
        return "各项合计均为各所之和 Every city figure is the sum of the centres' (R2)."
    return "核对不符 Figures that do not reconcile (R2):\n" + "\n".join(city.problems)


def to_table(city: CityReport, width: int = 1000) -> str:
    """The table as wide as its columns need (one row a centre, no figure cut off)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      emoji=False, highlight=False)
    console.print(_heading(city), markup=False)
    keys = columns(city)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("代码\nCode", no_wrap=True)
    table.add_column("看守所\nCentre", no_wrap=True)
    for key in keys:
        zh, en = SHORT.get(key, (key, key))
        table.add_column(f"{zh}\n{en}", justify="right", no_wrap=True)
    for n, (code, name, values) in enumerate(rows(city)):
        table.add_row(code, name, *values, end_section=n == len(city.centres) - 1)
    console.print(table)
    reasons = Table(box=box.SIMPLE_HEAD)  # its title on a line of its own: never wrapped
    reasons.add_column("原因 Reason")
    reasons.add_column("数量 Count", justify="right")
    for reason, n in city.breaches_by_reason.items():
        reasons.add_row(reason, str(n))
    if city.breaches_by_reason:
        console.print("全市超时原因 Breaches by reason across the city", markup=False)
        console.print(reasons)
    else:
        console.print("全市超时原因 Breaches by reason: 无 none", markup=False)
    console.print(_reconciled(city), markup=False)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


def charts(city: CityReport) -> dict[str, str]:
    """The centres side by side: compliance rate, met and breached, breaches by reason."""
    import pygal

    labels = [c.code for c in city.centres]
    config = _chart_config(len(labels))
    rate = pygal.Bar(config, title="各所48小时达标率 Compliance rate by centre (%)",
                     range=(0, 100), show_legend=False, value_formatter=lambda v: f"{v:.1f}%")
    rate.x_labels = labels
    rate.add("达标率 rate", [None if c.figures.get("compliance_rate") is None
                             else round(c.figures["compliance_rate"] * 100, 1)
                             for c in city.centres])
    outcomes = pygal.StackedBar(config, title="各所48小时内会见与超时 Met and breached by centre",
                                value_formatter=lambda v: f"{v:.0f}")
    outcomes.x_labels = labels
    outcomes.add("48小时内会见 met", [c.figures.get("met") or 0 for c in city.centres])
    outcomes.add("超过48小时 breached", [c.figures.get("breached") or 0 for c in city.centres])
    reasons = pygal.HorizontalBar(config, title="全市超时原因 Breaches by reason",
                                  show_legend=False, value_formatter=lambda v: f"{v:.0f}")
    reasons.x_labels = [r[:40] for r in city.breaches_by_reason]
    reasons.add("超时 breaches", list(city.breaches_by_reason.values()))
    return {"rate": _inline_svg(rate), "outcomes": _inline_svg(outcomes),
            "reasons": _inline_svg(reasons)}


def to_html(city: CityReport) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup

    env = Environment(loader=PackageLoader("kiosk", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    keys = columns(city)
    return env.get_template("city.html.j2").render(
        city=city, heading=_heading(city).split("\n"), fonts=Markup(CJK_FONTS),
        columns=[SHORT.get(k, (k, k)) for k in keys], rows=rows(city),
        charts={name: Markup(svg) for name, svg in charts(city).items()},
        reconciled=_reconciled(city).split("\n"))


def render(city: CityReport, fmt: Format) -> str:
    if fmt == "table":
        return to_table(city)
    if fmt == "csv":
        return to_csv(city)
    if fmt == "json":
        return to_json(city)
    return to_html(city)
