"""The workload simulator (kiosk simulate): deterministic per seed, made of the use cases
(every request and booking has its audit entry), and its outcomes reconcile (R2)."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from support import ROOT

from booking import audit
from booking.clock import SystemClock
from booking.integrity import overlapping_bookings
from booking.simulation import Profile, SimulationError, simulate
from booking.staff import add_staff
from booking.storage import open_database
from kiosk.cli import Context
from kiosk.simulate_cli import simulate_command

START = date(2026, 3, 5)  # Thursday, Friday, then the busy Saturday
PROFILE = Profile(arrivals=120)
LIVE = ("booked", "arrived", "in_progress")


def run(path, settings, days=3, start=START, seed=1):
    db = open_database(path)
    try:
        return simulate(db, settings, seed, days, start, PROFILE)
    finally:
        db.conn.close()


def dump(path) -> dict[str, list]:
    """Every table, every row, in order; not the migrations' wall-clock times nor the
    salted PIN hash."""
    db = open_database(path)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != '_sqlite_migrations'"
            " AND name NOT IN ('kiosk_identity', 'code_stamps') ORDER BY name")]  # S4: own
        out = {}
        for table in tables:
            # S2: signatures depend on the database's identity and the folder's audit key, and
            # the row digests on the salted PIN hashes
            columns = [c.name for c in db[table].columns if (table, c.name) not in (
                ("staff", "pin_hash"), ("audit_log", "hash"), ("audit_log", "prev_hash"),
                ("audit_log", "row_digests"))]
            out[table] = db.execute(f"SELECT {', '.join(columns)} FROM [{table}]"
                                    " ORDER BY rowid").fetchall()
        return out
    finally:
        db.conn.close()


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    from booking.settings import load_settings

    settings = load_settings(ROOT / "config" / "kiosk.toml")
    path = tmp_path_factory.mktemp("simulation") / "a.db"
    summary = run(path, settings)
    db = open_database(path)
    yield db, summary, path
    db.conn.close()


def test_same_seed_same_database_and_a_continued_run_is_the_same(three_days, tmp_path,
                                                                  settings):
    _, summary, path = three_days
    again = run(tmp_path / "b.db", settings)
    run(tmp_path / "c.db", settings, days=2)
    run(tmp_path / "c.db", settings, days=1, start=None)  # continues with the next day
    reference = dump(path)
    assert reference["audit_log"]  # hashes included: the clock is fixed
    assert dump(tmp_path / "b.db") == reference
    assert dump(tmp_path / "c.db") == reference
    assert again.line().split("; wall")[0] == summary.line().split("; wall")[0]
    run(tmp_path / "d.db", settings, seed=2)
    assert dump(tmp_path / "d.db")["audit_log"] != reference["audit_log"]


def test_the_simulation_goes_through_the_use_cases(three_days):
    db, summary, _ = three_days
    assert audit.verify(db).ok
    actions = {r["action"]: r["n"] for r in db.query(
        "SELECT action, count(*) AS n FROM audit_log GROUP BY action")}
    requests = db.execute("SELECT count(*) FROM meeting_requests").fetchone()[0]
    bookings = db.execute("SELECT count(*) FROM bookings").fetchone()[0]
    refusals = db.execute("SELECT count(*) FROM refusals").fetchone()[0]
    assert actions["open_request"] == requests > 0  # every request was opened by verification
    assert actions["book"] == bookings > 0  # every booking was made by book()
    assert actions["refuse"] == refusals == summary.refused > 0
    for action in ("import_lawyers", "import_detainees", "import_aid_letters", "add_staff",
                   "sync_rooms", "start_meeting", "end_meeting", "cancel_request"):
        assert actions.get(action), action


def test_outcomes_reconcile(three_days):
    db, s, _ = three_days
    assert s.requests == sum(s.by_state.values())
    assert s.requests == (s.met + s.breached + s.deferred_by_lawyer + s.no_show + s.cancelled
                          + s.permission_denied + s.still_open)
    assert s.met > 0 and s.turned_away <= s.cancelled
    assert set(s.by_state) <= {"open", "awaiting_permission", "booked", "met", "breached",
                               "deferred_by_lawyer", "no_show", "cancelled", "permission_denied"}
    # Each request's state agrees with its bookings.
    rows = db.query(
        "SELECT r.id, r.state,"
        " sum(b.state IN ('booked', 'arrived', 'in_progress')) AS live,"
        " sum(b.state = 'done') AS done, sum(b.state = 'no_show') AS no_show"
        " FROM meeting_requests r LEFT JOIN bookings b ON b.request_id = r.id GROUP BY r.id")
    for row in rows:
        live, done, no_show = row["live"] or 0, row["done"] or 0, row["no_show"] or 0
        expected = {"booked": (1, 0, 0), "no_show": (0, 0, 1)}.get(row["state"], (0, 0, 0))
        if row["state"] in ("met", "breached", "deferred_by_lawyer"):
            expected = (0, 1, 0)
        assert (live, done, no_show) == expected, dict(row)
    assert overlapping_bookings(db) == {"room_id": [], "roster_no": [], "cert_no": []}
    # Meetings that started are all over by the end of their day.
    assert db.execute("SELECT count(*) FROM bookings WHERE state IN ('arrived', 'in_progress')"
                      ).fetchone()[0] == 0


def test_refuses_a_database_that_is_not_its_own(tmp_path, settings, clock):
    db = open_database(tmp_path / "kiosk.db")
    add_staff(db, clock, "test", "1001", "陈警官", "officer", "246810")
    with pytest.raises(SimulationError, match="add_staff"):
        simulate(db, settings, 1, 1, START, PROFILE)
    assert db.execute("SELECT count(*) FROM meeting_requests").fetchone()[0] == 0
    db.conn.close()


def test_cli_prints_a_summary_and_continues_after_the_last_day(tmp_path, settings):
    obj = Context(settings, tmp_path / "sim.db", SystemClock(settings.zone))

    def invoke(*args):
        return CliRunner().invoke(simulate_command, ["--arrivals", "30", *args], obj=obj)

    first = invoke("--days", "1", "--start", "2026-03-05")
    assert first.exit_code == 0, first.output
    assert "2026-03-05..2026-03-05" in first.output and "met" in first.output
    assert "wall time" in first.output
    second = invoke("--days", "1")
    assert second.exit_code == 0 and "2026-03-06..2026-03-06" in second.output
    back = invoke("--days", "1", "--start", "2026-03-06")
    assert back.exit_code == 1 and "2026-03-06" in back.output
