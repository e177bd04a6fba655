"""The what-if engine: each scenario played forward by the simulator (the real use cases) on a
copy of the database, several seeds each, and read back with booking's own report.

The live file is only read: it is copied once with SQLite's backup API into a temporary
file (`prepare_source`: migrated, and rewound for a back-test, there), and each run starts
from an in-memory copy of that file (`scratch_copy`, the backup API again) bound to the
audit like booking's trial copies, so nothing is written anywhere else. Runs go to worker
processes, as many as balance them best on the cores (`worker_count`).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import sqlite3
import statistics
import tempfile
import threading
import time as wallclock
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from multiprocessing import get_context
from pathlib import Path

from sqlite_utils import Database

from booking import audit
from booking.calendar import DayHours, OpeningCalendar, add_duty_session
from booking.clock import FixedClock
from booking.report import STATES, compliance_report
from booking.settings import Settings
from booking.storage import one, open_database
from simulation import SIM_ACTOR, Population, Simulator, make_population

from .demand import Demand
from .scenarios import Scenario

DEFAULT_SEEDS = 5
# The simulation goes on this many days after the weeks asked for, so that every request
# presented in them has reached its deadline (48 h) when the report is taken.
SETTLE_DAYS = 3
POPULATION_SEED = 0  # registers made for a database the simulator did not make
_REGISTER = re.compile(r"^file:simulated-lawyers-seed(-?\d+)\.csv$")
# The report's counts shown per scenario (mean over seeds), in this order.
COUNTS = ("verified", "met", "breached", "deferred_by_lawyer", "no_show", "cancelled", "open",
          "interrogation_room_meetings", "video_meetings", "saturday_meetings",
          "sunday_meetings")


# What the simulated officer and warden did, counted by the simulator (simulation/):
# its levers, and requests that could not be booked or lapsed (B10/C7).
LEVER_COUNTS = ("interrogation", "video", "sunday_duty", "holiday_duty", "not_booked", "lapsed")


class WhatIfError(Exception):
    """The what-if cannot run as asked (message in zh and en)."""


# --- the database copy ----------------------------------------------------------------------

def copy_database(source: Path, target: Path) -> None:
    """The live file copied page by page with SQLite's backup API through a read-only
    connection: consistent even while a kiosk writes, and the live file is never written."""
    if not Path(source).is_file():
        raise WhatIfError(f"数据库文件不存在 no database file at {source}")
    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def prepare_source(live: Path, folder: Path, settings: Settings,
                   rewind_to: date | None = None) -> Path:
    """The live file copied once into folder (the backup API, read-only), opened there so
    its migrations run (among them m012's indexes for the look-ups of every simulated
    booking, on a copy of a file made before them), taken back to `rewind_to` for a
    back-test, and its WAL folded in: the file every run of a what-if starts from (see
    scratch_copy)."""
    path = Path(folder) / "source.db"
    copy_database(live, path)
    db = open_database(path, anchor_every=0)
    try:
        if rewind_to is not None:
            from .backtest import rewind
            rewind(db, settings, rewind_to)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.conn.close()
    return path


def scratch_copy(source: Path) -> Database:
    """An in-memory copy of a prepared source file (SQLite's backup API) for one run,
    bound to the audit like booking's trial copies (audit.bind_scratch_copy: the use cases
    record their entries as on the file, no anchors); gone when it is closed."""
    prepared = open_database(source, anchor_every=0)
    try:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        prepared.conn.backup(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = ON")  # as storage.open_database (S2)
        copy = Database(conn)
        audit.bind_scratch_copy(prepared, copy)
    finally:
        prepared.conn.close()
    return copy


def register_seed(db: Database) -> int | None:
    """The seed of the simulated registers already in the database, if the simulator made
    them (a simulated history); None for a centre's own registers."""
    row = one(db, "SELECT subject FROM audit_log WHERE action = 'import_lawyers'"
                  " AND subject LIKE 'file:simulated-lawyers-seed%' ORDER BY id LIMIT 1")
    match = row and _REGISTER.match(row["subject"])
    return int(match.group(1)) if match else None


def source_population(prepared: Path) -> Population:
    """Who defends whom in the simulated runs: the simulated registers already in the copy
    (a simulated history, made with some seed) or, for a centre's own registers, those of
    POPULATION_SEED (added to each copy by Simulator.prepare_on_copy). Made once here and
    handed to every run."""
    conn = sqlite3.connect(f"file:{Path(prepared).resolve()}?mode=ro", uri=True)
    try:
        seed = register_seed(Database(conn))
    finally:
        conn.close()
    return make_population(POPULATION_SEED if seed is None else seed)


# --- the simulator, fed with the estimated demand --------------------------------------------

class HistoryArrivals:
    """The simulator's arrivals model (simulation.arrivals.Arrivals) for a centre's copy:
    arrivals by weekday and hour as estimated from its history, not the profile's fixed
    shape. Whether lawyers come to a day as to an open one follows today's configuration
    (`open_days`), whatever the scenario's hours: demand does not follow the hours."""

    def __init__(self, demand: Demand, open_days: dict[date, bool], zone):
        self.demand = demand
        self.open_days = open_days
        self.zone = zone

    def times(self, day: date, rng: random.Random, hours: DayHours) -> list[datetime]:
        weights = self.demand.hour_weights(day.weekday())
        mean = self.demand.mean_arrivals(day.weekday()) if self.open_days.get(day, True) \
            else self.demand.mean_closed_day
        count = max(0, round(rng.gauss(mean, mean ** 0.5))) if mean else 0
        times = []
        for _ in range(count):
            hour = rng.choices(range(24), weights)[0]
            times.append(datetime.combine(day, time(hour), self.zone)
                         + timedelta(seconds=rng.randrange(3600)))
        return times


# --- one run and many -----------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    source: Path  # the prepared copy (prepare_source), never the live file
    scenario: Scenario
    today: Scenario  # demand is judged open or closed by today's configuration
    seed: int
    first: date
    days: int
    demand: Demand
    population: Population  # made once per what-if (registers of the copy's seed)


@dataclass(frozen=True)
class Run:
    """One scenario, one seed: the report's figures for the requests of the horizon."""

    scenario: str
    seed: int
    compliance_rate: float | None
    counts: dict[str, int]
    breaches_by_reason: dict[str, int]
    reconciles: bool
    problems: list[str]
    levers: dict[str, int]
    seconds: float
    cpu_seconds: float = 0.0  # this process's CPU time for the run (load-independent)


def with_breach_reasons(db: Database, summary: dict) -> dict:
    """The report's `breaches_by_reason` (R1, C4); a report made before it had them gets it
    here from the same breaches: the delay reason of the booking that made each one late
    (the one that started, else the live one, else the newest), `not_booked` without a
    booking, `other` when no reason was recorded."""
    if isinstance(summary.get("breaches_by_reason"), dict):
        return summary
    reasons: Counter[str] = Counter()
    for breach in summary["breaches"]:
        rows = db.execute("SELECT state, started_at, delay_reason FROM bookings"
                          " WHERE request_id = ? ORDER BY id DESC",
                          (breach["request_id"],)).fetchall()
        chosen = (next((r for r in rows if r[1]), None)
                  or next((r for r in rows if r[0] in ("booked", "arrived", "in_progress")),
                          None) or (rows[0] if rows else None))
        reasons["not_booked" if chosen is None else chosen[2] or "other"] += 1
    return {**summary, "breaches_by_reason": dict(sorted(reasons.items()))}


def _breaches_by_reason(summary: dict) -> dict[str, int]:
    return {k: v for k, v in summary["breaches_by_reason"].items() if v}


def reconcile(summary: dict, reasons: dict[str, int]) -> list[str]:
    """R2 on one report: the states add up to verified, the breaches to breached."""
    problems = []
    parts = sum(summary.get(state, 0) for state in STATES) + sum(
        (summary.get("closed") or {}).values())
    if parts != summary["verified"]:
        problems.append(f"states sum to {parts}, verified {summary['verified']}")
    if sum(reasons.values()) != summary["breached"] or \
            len(summary["breaches"]) != summary["breached"]:
        problems.append(f"breaches by reason {sum(reasons.values())}, listed"
                        f" {len(summary['breaches'])}, breached {summary['breached']}")
    if summary["presented"] != summary["verified"] + summary["refused"]:
        problems.append("presented != verified + refused")
    return problems


def _demand_open(job: Job, db: Database) -> dict[date, bool]:
    calendar = OpeningCalendar.from_settings(db, job.today.settings)
    days = [job.first + timedelta(days=n) for n in range(job.days + SETTLE_DAYS)]
    return {day: _opens_for_demand(calendar.day(day), job.demand) for day in days}


def _opens_for_demand(hours: DayHours, demand: Demand) -> bool:
    """Lawyers come to a day as to an open day when today's configuration opens it, or when
    it is a Sunday and Sundays were usually open in the history (duty sessions)."""
    return hours.is_open or (hours.reason == "sunday_closed"
                             and demand.usually_open(hours.day.weekday()))


def _holiday_duty(db: Database, clock: FixedClock, settings: Settings, first: date,
                  days: int) -> int:
    """B2: a duty session on every closed weekday or Saturday of the horizon that the
    official calendar marks a holiday, with Monday's hours."""
    calendar = OpeningCalendar.from_settings(db, settings)
    sessions = [f"{s:%H:%M}-{e:%H:%M}" for s, e in settings.hours.sessions_for_weekday(0)]
    added = 0
    for n in range(days):
        day = first + timedelta(days=n)
        hours = calendar.day(day)
        if not hours.is_open and hours.reason == "holiday":
            add_duty_session(db, clock, SIM_ACTOR, day, sessions)
            added += 1
    return added


def run_job(job: Job) -> Run:
    """Copy into memory, simulate, report; the copy is gone afterwards."""
    began, cpu = wallclock.perf_counter(), wallclock.process_time()
    scenario = job.scenario
    db = scratch_copy(job.source)
    try:
        population = job.population
        profile = job.demand.profile(meeting_lengths=scenario.settings.meetings.lengths)
        if scenario.levers.interrogation_consent_rate is not None:
            profile = replace(profile, interrogation_consent_rate=scenario.levers
                              .interrogation_consent_rate)
        arrivals = HistoryArrivals(job.demand, _demand_open(job, db),
                                   scenario.settings.zone)
        # The warden's Sunday and holiday duty sessions on demand (B2) are a lever of
        # their own (a scenario's `duty_sessions_on_demand`): today's configuration is
        # the hours as configured, so the Sunday switch is not compared with a Sunday
        # opened anyway.
        simulator = Simulator(db, scenario.settings, job.seed, profile, population,
                              arrivals=arrivals, duty_sessions_on_demand=scenario.levers
                              .duty_sessions_on_demand)
        simulator.prepare_on_copy(job.first)
        levers: Counter[str] = Counter()
        if scenario.levers.holiday_duty_sessions:
            levers["holiday_duty_sessions"] = _holiday_duty(
                db, simulator.clock, scenario.settings, job.first, job.days)
        for n in range(job.days + SETTLE_DAYS):
            simulator.run_day(job.first + timedelta(days=n))
        last = job.first + timedelta(days=job.days - 1)
        clock = FixedClock(datetime.combine(last + timedelta(days=1 + SETTLE_DAYS),
                                            time(0), scenario.settings.zone))
        summary = with_breach_reasons(
            db, compliance_report(db, clock, job.first, last).summary())
    finally:
        db.conn.close()
    reasons = _breaches_by_reason(summary)
    problems = reconcile(summary, reasons)
    levers.update({k: v for k, v in simulator.counts.items() if k in LEVER_COUNTS and v})
    return Run(scenario=scenario.name, seed=job.seed, compliance_rate=summary["compliance_rate"],
               counts={k: summary.get(k, 0) for k in COUNTS}, breaches_by_reason=reasons,
               reconciles=not problems, problems=problems, levers=dict(levers),
               seconds=wallclock.perf_counter() - began,
               cpu_seconds=wallclock.process_time() - cpu)


@dataclass
class ScenarioResult:
    """A scenario's runs over the seeds, summed up."""

    scenario: Scenario
    runs: list[Run] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [r.compliance_rate for r in self.runs if r.compliance_rate is not None]

    @property
    def mean_rate(self) -> float | None:
        return statistics.fmean(self.rates) if self.rates else None

    @property
    def spread(self) -> tuple[float, float, float] | None:
        """min, max, standard deviation of the compliance rate over the seeds."""
        rates = self.rates
        if not rates:
            return None
        return min(rates), max(rates), statistics.pstdev(rates)

    def mean(self, key: str) -> float:
        return statistics.fmean(r.counts.get(key, 0) for r in self.runs) if self.runs else 0.0

    def mean_reasons(self) -> dict[str, float]:
        keys = sorted({k for r in self.runs for k in r.breaches_by_reason})
        return {k: statistics.fmean(r.breaches_by_reason.get(k, 0) for r in self.runs)
                for k in keys}

    def mean_levers(self) -> dict[str, float]:
        keys = sorted({k for r in self.runs for k in r.levers})
        return {k: statistics.fmean(r.levers.get(k, 0) for r in self.runs) for k in keys}

    @property
    def reconciles(self) -> bool:
        return all(r.reconciles for r in self.runs)


@dataclass
class WhatIf:
    """Every scenario's result, today's configuration first."""

    first: date
    last: date
    seeds: list[int]
    demand: Demand
    results: list[ScenarioResult]
    seconds: float
    backtest: dict | None = None  # the actual report's figures, for a back-test

    def best(self) -> ScenarioResult | None:
        """The lever that helps most: the highest mean compliance rate after today's."""
        others = [r for r in self.results[1:] if r.mean_rate is not None]
        return max(others, key=lambda r: r.mean_rate, default=None)


Progress = Callable[[int, int], None]


def worker_count(jobs: int, cores: int) -> int:
    """Worker processes for `jobs` runs of about equal length on `cores` cores: the fewest
    that finish soonest. The slowest worker does ceil(jobs / workers) runs, and all of
    them together cannot go faster than jobs / cores runs' time, so 5 runs on 2 cores take
    3 run-times with 2 workers (2 + 3) but 2.5 with 3 (the cores are shared while all three
    run); 4 runs take 2 either way, and 2 workers are enough."""
    cores = max(1, cores)
    best = min(range(1, max(1, jobs) + 1),
               key=lambda w: (max(jobs / cores, -(-jobs // w)), w))
    return best


def default_start_method() -> str:
    """fork where the platform has it and no other thread could hold a lock across the fork
    (the CLI, the bench); spawn otherwise (a test runner's worker, with its own threads)."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def run_whatif(source: Path, scenarios: list[Scenario], demand: Demand, first: date,
               days: int, seeds: list[int], workers: int | None = None,
               progress: Progress | None = None, rewind_to: date | None = None,
               start_method: str | None = None) -> WhatIf:
    """Every scenario (the first is today's configuration) with every seed. workers: worker
    processes (default: worker_count for the runs on this machine's cores; 1 runs here, in
    this process). start_method: None for "fork" where there is one and this process runs
    one thread (the workers start with everything imported: about 1.3 s of CPU each
    spared), else "spawn"; "fork" from inside the Textual app, whose replaced stderr has
    no file descriptor for spawn's resource tracker; the children only run run_job."""
    began = wallclock.perf_counter()
    results = {s.name: ScenarioResult(s) for s in scenarios}
    total = len(scenarios) * len(seeds)
    workers = workers or worker_count(total, os.cpu_count() or 1)
    done = 0
    if progress:
        progress(0, total)
    with tempfile.TemporaryDirectory(prefix="kiosk-whatif-") as folder:
        prepared = prepare_source(Path(source), Path(folder), scenarios[0].settings, rewind_to)
        population = source_population(prepared)
        jobs = [Job(prepared, s, scenarios[0], seed, first, days, demand, population)
                for s in scenarios for seed in seeds]
        if workers <= 1:
            for job in jobs:
                results[job.scenario.name].runs.append(run_job(job))
                done += 1
                if progress:
                    progress(done, len(jobs))
        else:
            with ProcessPoolExecutor(max_workers=workers,
                                     mp_context=get_context(start_method
                                                            or default_start_method())) as pool:
                futures = [pool.submit(run_job, job) for job in jobs]
                for future in as_completed(futures):
                    run = future.result()
                    results[run.scenario].runs.append(run)
                    done += 1
                    if progress:
                        progress(done, len(jobs))
    for result in results.values():
        result.runs.sort(key=lambda r: r.seed)
    return WhatIf(first=first, last=first + timedelta(days=days - 1), seeds=seeds,
                  demand=demand, results=list(results.values()),
                  seconds=wallclock.perf_counter() - began)


def seeds_for(count: int) -> list[int]:
    return list(range(1, count + 1))

