"""`python -m bench.city_bench`: how long `kiosk city-report` takes to read and merge 100
centres' one-year JSON reports (city/merge.py), reconciliation included (target < 1 s).

The centres' reports are the one-year report of the simulated busy centre (200 lawyers a
weekday; the report `python -m bench` times), written once per centre code: 100 big centres. `python -m bench` runs it on its own report; run alone, it makes a report
of `--days` days first (30 with --quick).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.budgets import CITY_S

CENTRES = 100


def write_reports(summary: dict, folder: Path, centres: int = CENTRES) -> list[Path]:
    paths = []
    for n in range(centres):
        data = {"centre": {"code": f"C{n:03d}", "name": f"看守所{n:03d}"}, **summary}
        path = folder / f"C{n:03d}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def measure(summary: dict, runs: int = 3, centres: int = CENTRES) -> dict:
    """Median seconds to read and merge the centres' files, with the files' total size."""
    from city.merge import merge, read_report

    with tempfile.TemporaryDirectory() as folder:
        paths = write_reports(summary, Path(folder), centres)
        size = sum(p.stat().st_size for p in paths)
        times, city = [], None
        for _ in range(runs):
            began = time.perf_counter()
            city = merge([read_report(p) for p in paths])
            times.append(time.perf_counter() - began)
    assert city is not None and not city.problems, city.problems if city else "no run"
    return {"median": statistics.median(times), "runs": runs, "centres": centres,
            "megabytes": size / 1e6, "requests": city.totals["presented"],
            "breaches": city.totals["breached"]}


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import build_history
    from bench.report_bench import _arguments
    from bench.report_bench import measure as report_measure

    args = _arguments(argv)
    history, _ = build_history(args)
    report = report_measure(history, 1)["report"]
    result = measure(report.summary())
    print(f"city report: {result['centres']} centres' {args.days}-day reports"
          f" ({result['megabytes']:.1f} MB of JSON, {result['requests']} requests) read and"
          f" merged in {result['median']:.2f} s (median of {result['runs']}; budget {CITY_S:g} s)")
    return 0 if result["median"] < CITY_S else 1


if __name__ == "__main__":
    sys.exit(main())
