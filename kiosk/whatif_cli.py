"""`kiosk whatif`: the warden's what-if from the command line (whatif/): demand estimated from
the database's history, today's configuration and each scenario played forward on copies of
it, side by side; `--backtest DAY` sets the forecast beside what really happened."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlite_utils import Database

from kiosk.calendar_cli import DAY
from whatif.plan import actual_figures, plan, read_only

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.command("whatif")
@click.option("--weeks", type=click.IntRange(1, 26), default=4, show_default=True,
              help="预测周数 weeks to look ahead")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME|FILE.toml",
              help="情景：内置 sunday, saturday-long, plus-room, plus-video, interrogation,"
                   " holiday-duty，或TOML文件 a built-in name or a TOML overlay (repeat)")
@click.option("--seeds", type=click.IntRange(1, 50), default=5, show_default=True,
              help="每个情景的随机种子数 seeds per scenario")
@click.option("--from", "first", type=DAY, default=None,
              help="预测起始日 first day (default: tomorrow)")
@click.option("--history-weeks", type=click.IntRange(1, 104), default=8, show_default=True,
              help="估计需求所用的历史周数 weeks of history to estimate demand from")
@click.option("--backtest", type=DAY, default=None, metavar="DAY",
              help="回测：从过去某日起预测，并与实际对比 forecast from a past DAY beside what"
                   " really happened")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="并行进程数 worker processes (default: one per core)")
@click.option("--json", "as_json", is_flag=True, help="输出JSON print JSON")
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="另存HTML报表（含假设分析）write the HTML report of the history with this"
                   " what-if section")
@click.pass_obj
def whatif_command(c: Context, weeks: int, scenarios: tuple[str, ...], seeds: int,
                   first: date | None, history_weeks: int, backtest: date | None,
                   workers: int | None, as_json: bool, html: Path | None) -> None:
    """假设分析 what-if: which lever keeps the 48-hour promise? Each scenario runs the real use
    cases on a copy of the database (never the live file) for WEEKS, with several seeds:

    kiosk whatif --weeks 4 --scenario sunday --scenario plus-room.toml
    """
    from kiosk.cli import fail
    from whatif.demand import DemandError
    from whatif.engine import SETTLE_DAYS, WhatIfError, run_whatif, seeds_for
    from whatif.scenarios import ScenarioError
    from whatif.view import best_line, heading, text_table

    if backtest and first:
        fail("--from 与 --backtest 只能用一个 / give --from or --backtest, not both")
    today = c.clock.now().astimezone(c.settings.zone).date()
    start = backtest or first or today + timedelta(days=1)
    days = 7 * weeks
    if backtest and start + timedelta(days=days + SETTLE_DAYS) > today:
        fail(f"回测期间须已结束 / a back-test needs a period that is over: {start} + {weeks}"
             f" weeks ends after today ({today}); use fewer --weeks or an earlier day")
    try:
        chosen, demand = plan(c.settings, c.db_path, scenarios, start, history_weeks,
                                 backtest is not None)
    except (ScenarioError, DemandError, WhatIfError) as exc:
        fail(str(exc))
    if not as_json:
        click.echo("\n".join(demand.lines()))
    jobs = len(chosen) * seeds
    with click.progressbar(length=jobs, label="假设分析 running", show_pos=True,
                           file=sys.stderr) as bar:
        seen = [0]

        def progress(done: int, total: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        try:
            result = run_whatif(c.db_path, chosen, demand, start, days, seeds_for(seeds),
                                workers=workers, progress=progress, rewind_to=backtest)
        except WhatIfError as exc:
            fail(str(exc))
    comparison = None
    if backtest:
        from whatif.backtest import compare

        actual = actual_figures(c.settings, c.db_path, result.first, result.last)
        result.backtest = actual
        comparison = compare(result, actual)
    if as_json:
        click.echo(json.dumps(to_json(result, comparison), ensure_ascii=False, indent=2))
    else:
        click.echo(heading(result))
        click.echo(text_table(result))
        zh, en = best_line(result)
        click.echo(f"{zh}\n{en}")
        if comparison:
            click.echo(comparison_text(comparison, result))
    if html:
        write_html(c, result, html, comparison)
        click.echo(f"已写入 written: {html}", err=True)
    if not all(r.reconciles for r in result.results):
        fail("数字未能核对 figures do not reconcile: "
             + "; ".join(p for r in result.results for run in r.runs for p in run.problems))


def comparison_text(comparison, result) -> str:
    from whatif.view import _pad, _width

    header = ("项目 figure", f"预测 forecast ({result.seeds and len(result.seeds)} seeds)",
              "实际 actual", "误差 error")
    rows = [(f"{zh} {en}", f, a, e) for zh, en, f, a, e in comparison.rows]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [f"回测 back-test {result.first} .. {result.last}: 预测（今日配置）与实际"
             " forecast (today's configuration) beside what happened"]
    for row in [header, *rows]:
        lines.append("  ".join(_pad(cell, w, i > 0) for i, (cell, w) in
                               enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def to_json(result, comparison=None) -> dict:
    from whatif.view import best_line

    out = {
        "from": result.first.isoformat(), "to": result.last.isoformat(),
        "seeds": result.seeds, "seconds": round(result.seconds, 2),
        "scenarios": [{
            "name": r.scenario.name, "zh": r.scenario.zh, "en": r.scenario.en,
            "compliance_rate": r.mean_rate,
            "spread": dict(zip(("min", "max", "sd"), r.spread, strict=True)) if r.spread else None,
            "counts": {k: v for k, v in ((k, r.mean(k)) for k in r.runs[0].counts)},
            "breaches_by_reason": r.mean_reasons(), "levers": r.mean_levers(),
            "reconciles": r.reconciles,
            "runs": [{"seed": run.seed, "compliance_rate": run.compliance_rate,
                      "counts": run.counts, "breaches_by_reason": run.breaches_by_reason}
                     for run in r.runs],
        } for r in result.results],
        "best": best_line(result)[1],
    }
    if comparison is not None:
        out["backtest"] = {"rate_error_points": comparison.rate_error,
                           "rows": [dict(zip(("zh", "en", "forecast", "actual", "error"), row, strict=True))
                                    for row in comparison.rows]}
    return out


def write_html(c: Context, result, path: Path, comparison=None) -> None:
    """The HTML report of the history the demand came from, with the what-if section."""
    from booking.clock import FixedClock
    from booking.report import compliance_report
    from kiosk.report_export import to_html

    demand = result.demand
    clock = FixedClock(datetime.combine(demand.last + timedelta(days=1), time(0),
                                        c.settings.zone), c.settings.zone)
    with closing(read_only(c.db_path).conn) as conn:
        report = compliance_report(Database(conn), clock, demand.first, demand.last)
    from booking.files import write_private_text

    write_private_text(path, to_html(report, c.settings.centre.name, whatif=result,
                                     comparison=comparison))  # S2 files: owner-only
