"""The what-if's speed (issue 16): `kiosk whatif --weeks 4 --seeds 5` on a year of history,
timed from reading the live file to the table (demand, copies, simulated weeks, reports).

Also `python -m bench.whatif_bench` on its own, so the row can be measured without the
rest of the bench."""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta
from pathlib import Path

WHATIF_BUDGET_S = 30.0
WEEKS, SEEDS = 4, 5


def measure(history: Path, config: Path, scenarios: tuple[str, ...] = ()) -> dict:
    """One run of the what-if of today's configuration (plus `scenarios`) over four weeks with
    five seeds, from the day after the history; the history file is only read."""
    from booking.settings import load_settings
    from whatif.engine import run_whatif, seeds_for, worker_count
    from whatif.plan import plan, read_only

    settings = load_settings(config)
    db = read_only(history)
    last = db.execute("SELECT MAX(presented_at) FROM meeting_requests").fetchone()[0]
    db.conn.close()
    first = date.fromisoformat(last[:10]) + timedelta(days=1)
    began = time.perf_counter()
    chosen, demand = plan(settings, history, list(scenarios), first, 8, backtest=False)
    result = run_whatif(history, chosen, demand, first, 7 * WEEKS, seeds_for(SEEDS))
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "runs": sum(len(r.runs) for r in result.results),
            "workers": worker_count(sum(len(r.runs) for r in result.results), os.cpu_count() or 1),
            "first": result.first, "last": result.last,
            "rates": {r.scenario.name: r.mean_rate for r in result.results},
            "run_seconds": [run.seconds for r in result.results for run in r.runs],
            "cpu_seconds": sum(run.cpu_seconds for r in result.results for run in r.runs),
            "reconciles": all(r.reconciles for r in result.results),
            "load": os.getloadavg()[0]}  # wall time depends on what else runs


def row(found: dict) -> tuple[str, str]:
    rates = ", ".join(f"{name} {rate:.1%}" for name, rate in found["rates"].items()
                      if rate is not None)
    return ("what-if, 4 weeks × 5 seeds",
            f"{found['seconds']:.1f} s ({found['runs']} runs on {found['workers']} processes,"
            f" {found['first']} .. {found['last']}, each run"
            f" {min(found['run_seconds']):.1f}–{max(found['run_seconds']):.1f} s,"
            f" {found['cpu_seconds']:.0f} s CPU in all, load average {found['load']:.1f};"
            f" expected compliance {rates})")


def budget(found: dict):
    from bench.budgets import Budget

    return Budget("what-if, 4 weeks × 5 seeds, year of history", f"< {WHATIF_BUDGET_S:g} s",
                  f"{found['seconds']:.1f} s ({found['runs']} runs, {found['workers']} processes)",
                  found["seconds"] < WHATIF_BUDGET_S and found["reconciles"])


def main() -> None:
    from bench.__main__ import BUSY_CENTRE, _arguments, build_history

    parser = argparse.ArgumentParser(prog="python -m bench.whatif_bench", description=__doc__)
    parser.add_argument("--scenario", action="append", default=[])
    parser.add_argument("--history", type=Path, default=None,
                        help="an existing history database (default: the bench's cached year)")
    own, rest = parser.parse_known_args()
    args = _arguments(rest)
    history = own.history or build_history(args)[0]
    found = measure(history, args.config or BUSY_CENTRE, tuple(own.scenario))
    name, value = row(found)
    print(f"{name}  {value}")
    verdict = "pass" if found["seconds"] < WHATIF_BUDGET_S else "FAIL"
    print(f"budget < {WHATIF_BUDGET_S:g} s: {verdict} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
