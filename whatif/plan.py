"""Setting a what-if up from the live file, read only: the scenarios (today's configuration
first), the demand of the weeks before the first day, and the actual figures of a period
for a back-test. Shared by `kiosk whatif` and the report screen's what-if tab."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlite_utils import Database

from booking.clock import FixedClock
from booking.report import compliance_report
from booking.settings import Settings

from .demand import Demand, estimate_demand
from .engine import SETTLE_DAYS, WhatIfError, with_breach_reasons
from .scenarios import TODAY, Scenario, build_scenario, load_scenario, today_scenario

# A back-test compares with what the centre did, duty sessions on demand included.
BACKTEST_TODAY = "[whatif]\nduty_sessions_on_demand = true\n"


def read_only(path: Path) -> Database:
    """The live file opened for reading only: the what-if never writes it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    return Database(sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True))


def plan(settings: Settings, db_path: Path, scenarios: tuple[str, ...] | list[str], first: date,
         history_weeks: int, backtest: bool) -> tuple[list[Scenario], Demand]:
    """Scenarios (today's first) and the demand; raises ScenarioError, DemandError,
    WhatIfError with bilingual messages."""
    base = settings.model_dump(mode="json")
    today = today_scenario(base)
    if backtest:  # what the centre really did: the warden's duty sessions when at risk (B2)
        today = build_scenario(TODAY, BACKTEST_TODAY, base, today.zh, today.en)
    chosen = [today] + [load_scenario(spec, base) for spec in scenarios]
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise WhatIfError("同一情景出现两次 a scenario is named twice: " + ", ".join(names))
    try:
        db = read_only(db_path)
    except (FileNotFoundError, sqlite3.Error):
        raise WhatIfError(f"无法读取数据库 cannot read the database {db_path}") from None
    with closing(db.conn):
        if not backtest:
            start = datetime.combine(first, time(0), settings.zone).isoformat()
            later = db.execute("SELECT COUNT(*) FROM meeting_requests WHERE presented_at >= ?",
                               (start,)).fetchone()[0]
            if later:
                raise WhatIfError(
                    f"数据库中已有{first}及以后的申请（{later}件）：预测须从最后一天之后开始，"
                    f"回测请用 --backtest {first}\nthe database already has {later} requests"
                    f" from {first} on: forecast from a later day, or back-test with"
                    f" --backtest {first}")
        demand = estimate_demand(db, chosen[0].settings, first, history_weeks)
    return chosen, demand


def actual_figures(settings: Settings, db_path: Path, first: date, last: date) -> dict:
    """The report of the period as it really happened, taken when its last requests have
    reached their deadlines (as the forecast is)."""
    clock = FixedClock(datetime.combine(last + timedelta(days=1 + SETTLE_DAYS), time(0),
                                        settings.zone),
                       settings.zone)
    with closing(read_only(db_path).conn) as conn:
        db = Database(conn)
        return with_breach_reasons(db, compliance_report(db, clock, first, last).summary())
