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
from booking.staff import add_staff
from booking.storage import open_database
from kiosk.cli import Context
from kiosk.simulate_cli import simulate_command
from simulation import Profile, SimulationError, simulate

START = date(2026, 3, 5)  # Thursday, Friday, then the busy Saturday
PROFILE = Profile(arrivals=60)  # overloaded: the levers and breaches show in three days
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
    assert s.met > 0
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


# --- the honest simulator (C4, C7, B2) --------------------------------------------------------

BREACH_REASONS = {"rooms_busy", "outside_hours", "in_court", "being_questioned", "in_hospital",
                  "in_transit", "other"}


def test_c4_an_overloaded_centre_turns_nobody_away_and_books_late_with_the_true_reason(
        three_days):
    """C4: with no room before the deadline the simulated officer books the earliest later
    time with the true reason (a breach once it starts), never a cancellation; lawyers
    cancel only at their own small rate; the warden's levers are used and shown."""
    db, s, _ = three_days
    assert s.cancelled <= 0.05 * s.requests
    late = list(db.query(
        "SELECT b.delay_reason, b.deferred_by_lawyer, b.room_kind FROM bookings b"
        " JOIN meeting_requests r ON r.id = b.request_id WHERE b.starts_at >= r.deadline"))
    assert late, "an overloaded centre books some meetings after their deadline"
    for row in late:  # a later time is the lawyer's only when the lawyer chose it
        assert row["delay_reason"] in BREACH_REASONS | {"lawyer_choice"}, dict(row)
        assert bool(row["deferred_by_lawyer"]) == (row["delay_reason"] == "lawyer_choice")
    assert any(r["delay_reason"] == "rooms_busy" for r in late)
    assert s.levers["interrogation"] > 0 and s.levers["video"] > 0
    assert db.execute("SELECT count(*) FROM bookings WHERE room_kind = 'interrogation'"
                      " AND consent_at IS NULL").fetchone()[0] == 0  # B5: always with consent
    assert "breaches by reason" in s.line() and "interrogation rooms with consent" in s.line()
    assert not s.unexpected_refusals


def test_c4_every_breach_has_a_reason_and_the_summary_groups_them(tmp_path, settings):
    """C4: a week past the overload: the breaches come with the booking's reason, grouped
    in the summary exactly as the database has them."""
    s = run(tmp_path / "week.db", settings, days=6)
    assert s.breached > 0
    assert "none" not in s.breaches_by_reason
    assert set(s.breaches_by_reason) <= BREACH_REASONS
    assert sum(s.breaches_by_reason.values()) == s.breached
    for reason, n in s.breaches_by_reason.items():
        assert f"{reason} {n}" in s.line()
    assert s.cancelled <= 0.05 * s.requests


def test_c7_a_late_lawyer_with_nothing_before_the_deadline_leaves_and_is_not_cancelled(
        three_days):
    """C7/B10: a lawyer who lost the slot and finds nothing before the deadline is left
    open (lapsed by the lawyer), neither cancelled nor booked past the deadline."""
    db, s, _ = three_days
    released = list(db.query(
        "SELECT r.id, r.state FROM meeting_requests r WHERE EXISTS (SELECT 1 FROM bookings b"
        " WHERE b.request_id = r.id AND b.state = 'released_late')"))
    assert released and s.released_late == len(released)
    assert all(r["state"] != "cancelled" for r in released)
    for row in released:
        rebooked = list(db.query(
            "SELECT b.starts_at, r.deadline, b.delay_reason FROM bookings b JOIN"
            " meeting_requests r ON r.id = b.request_id WHERE b.request_id = ? AND"
            " b.state != 'released_late'", (row["id"],)))
        assert all(b["starts_at"] < b["deadline"] for b in rebooked), rebooked
        if not rebooked:
            assert row["state"] == "open"


def test_b2_holiday_and_makeup_sunday_duty_sessions(tmp_path, settings):
    """B2/R1: across the 调休 Sunday 2026-09-20 and the start of National Day, the default
    centre opens the make-up working Sunday on its weekday hours (no duty session needed)
    and the warden adds holiday duty sessions for requests at risk; meetings are held in
    them; every breach has its reason; cancellations stay the lawyers' own few."""
    db = open_database(tmp_path / "national-day.db")
    try:
        s = simulate(db, settings, 7, 16, date(2026, 9, 18))
        duty = {r["day"] for r in db.query(
            "SELECT day FROM calendar_days WHERE source = 'officer' AND kind = 'duty'")}
        assert "2026-09-20" not in duty
        assert db.execute("SELECT count(*) FROM bookings WHERE substr(starts_at, 1, 10) ="
                          " '2026-09-20' AND state = 'done'").fetchone()[0] > 0
        holidays = {d for d in duty if "2026-10-01" <= d <= "2026-10-07"}
        assert holidays and s.levers["holiday_duty"] >= len(holidays)  # Mid-Autumn too
        assert s.levers["holiday_duty"] + s.levers["sunday_duty"] == len(duty)
        held = db.execute("SELECT count(*) FROM bookings WHERE substr(starts_at, 1, 10) IN"
                          f" ({', '.join('?' * len(holidays))}) AND state = 'done'",
                          sorted(holidays)).fetchone()[0]
        assert held > 0
        assert "none" not in s.breaches_by_reason
        assert s.cancelled <= 0.05 * s.requests
        assert "holiday duty sessions" in s.line()
    finally:
        db.conn.close()


# --- pinned numbers (issue 13: the simulator moved out of booking/ keeps its behaviour) ------

MONTH_LINE = (
    "2026-03-02..2026-03-31: 1102 arrivals, 1036 requests, 910 met, 1 breached, 21 deferred,"
    " 66 refused, 36 no-shows, 10 cancelled by the lawyer, 4 permission denied, 54 still open;"
    " breaches by reason: in_transit 1; levers: interrogation rooms with consent 5, video"
    " terminal 4, Sunday duty sessions 2, holiday duty sessions 0; 1041 bookings, 33 released"
    " late (10 lapsed), 0 not booked")


def test_r2_thirty_days_seed_7_give_the_pinned_summary(tmp_path, settings):
    """R2/C4, pinned before the simulator left booking/ (issue 13): the default profile, 30
    days with seed 7 from Monday 2026-03-02, gives these figures to the last request."""
    db = open_database(tmp_path / "month.db")
    try:
        summary = simulate(db, settings, 7, 30, date(2026, 3, 2))
    finally:
        db.conn.close()
    assert summary.line().split("; wall")[0] == MONTH_LINE
    assert (summary.requests, summary.cancelled) == (1036, 10)


def test_b2_the_public_hooks_arrivals_and_duty_sessions_on_demand(tmp_path, settings):
    """Issue 13/16: an arrivals model passed in decides who comes (here: nobody on the
    first day, one lawyer at 09:00 on the second), and duty_sessions_on_demand is the
    warden's B2 lever, off here."""
    from datetime import datetime, time

    from simulation import Simulator

    class OneLawyer:
        def __init__(self):
            self.days = []

        def times(self, day, rng, hours):
            self.days.append((day, hours.day))
            if day == START:
                return []
            return [datetime.combine(day, time(9), settings.zone)]

    arrivals = OneLawyer()
    db = open_database(tmp_path / "hooks.db")
    try:
        simulator = Simulator(db, settings, 1, PROFILE, arrivals=arrivals,
                              duty_sessions_on_demand=False)
        assert not simulator.duty_sessions_on_demand
        simulator.prepare(START)
        simulator.run_day(START)
        assert simulator.counts["arrivals"] == 0
        simulator.run_day(date(2026, 3, 6))
        assert simulator.counts["arrivals"] == 1
        assert arrivals.days == [(START, START), (date(2026, 3, 6), date(2026, 3, 6))]
    finally:
        db.conn.close()
