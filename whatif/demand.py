"""Demand from the centre's own history: arrivals by weekday and hour, meeting lengths, video
and permission shares, refusals, no-shows and lateness, counted in the database over the
last N weeks (default 8), each with the numbers it comes from so the warden can judge it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlite_utils import Database

from booking.calendar import OpeningCalendar
from booking.clock import iso
from booking.settings import Settings
from simulation import Profile

DEFAULT_WEEKS = 8
WEEKDAYS = ("周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun")
AWAY_REASONS = ("in_court", "being_questioned", "in_hospital", "in_transit")


class DemandError(Exception):
    """Too little history to estimate from (message in zh and en)."""


@dataclass(frozen=True)
class Rate:
    """A share counted in the history: n of `of`."""

    n: int
    of: int

    @property
    def value(self) -> float:
        return self.n / self.of if self.of else 0.0

    def __str__(self) -> str:
        return f"{self.value:6.1%}  ({self.n} / {self.of})"


@dataclass(frozen=True)
class Demand:
    """What lawyers brought to the desk in [first, last], and how they behaved."""

    first: date
    last: date
    arrivals: int  # documents presented: requests opened plus refusals
    open_days: dict[int, int]  # weekday -> open days of that weekday in the window
    closed_days: int
    arrivals_open: dict[int, int]  # weekday -> arrivals on its open days
    arrivals_closed: int  # arrivals on closed days (walk-ins on Sundays and holidays)
    hours: dict[int, list[int]]  # weekday -> arrivals per hour of day (0-23), open days
    lengths: dict[int, int]  # booked minutes -> bookings
    refused: Rate
    permission: Rate  # requests that needed the authority's permission (P1)
    permission_denied: Rate  # of the decided ones
    video: Rate  # bookings in a video terminal
    later_choice: Rate  # bookings the lawyer put later than offered (C4)
    detainee_away: Rate  # bookings delayed because the detainee was away (C3)
    no_show: Rate  # of bookings whose time came
    late: Rate  # lost the slot for lateness (B10), of the same
    assistants: Rate  # of meetings held
    priority: Rate  # of bookings
    notes: list[str] = field(default_factory=list)
    duty_days: int = 0  # of the open days, those opened by an officer's duty session
    arrivals_duty: int = 0
    weekday_days: dict[int, int] = field(default_factory=dict)  # weekday -> days in the window

    def usually_open(self, weekday: int) -> bool:
        """The weekday was open (hours, calendar or duty sessions) on at least half of its
        days in the window: lawyers come on it as on an open day, whatever a scenario's
        hours (demand follows the history, not the scenario)."""
        days = self.weekday_days.get(weekday, 0)
        return bool(days) and self.open_days.get(weekday, 0) * 2 >= days

    def mean_arrivals(self, weekday: int) -> float:
        """Mean arrivals on an open day of this weekday; a weekday never open in the window
        gets the weekday mean (Monday to Friday)."""
        if self.open_days.get(weekday):
            return self.arrivals_open.get(weekday, 0) / self.open_days[weekday]
        days = sum(self.open_days.get(d, 0) for d in range(5))
        return sum(self.arrivals_open.get(d, 0) for d in range(5)) / days if days else 0.0

    @property
    def mean_closed_day(self) -> float:
        return self.arrivals_closed / self.closed_days if self.closed_days else 0.0

    def hour_weights(self, weekday: int) -> list[int]:
        """Arrivals per hour on this weekday, or over all open days when it has none."""
        mine = self.hours.get(weekday)
        if mine and sum(mine):
            return mine
        pooled = [sum(h[i] for h in self.hours.values()) for i in range(24)]
        return pooled if sum(pooled) else [0] * 8 + [3, 3, 2, 1, 0, 2, 2, 1, 1] + [0] * 7

    def profile(self, base: Profile | None = None, meeting_lengths: list[int] | None = None
                ) -> Profile:
        """The simulator's profile with these rates (the arrivals by weekday and hour are
        applied by whatif.engine's simulator, which the profile cannot carry)."""
        base = base or Profile()
        weekday = self.mean_arrivals(1)
        lengths = self._length_mix(meeting_lengths)
        return replace(
            base, arrivals=weekday,
            monday_factor=self.mean_arrivals(0) / weekday if weekday else 1.0,
            saturday_factor=self.mean_arrivals(5) / weekday if weekday else 1.0,
            closed_day_factor=self.mean_closed_day / weekday if weekday else 0.0,
            refusal_rate=self.refused.value, national_security_rate=self.permission.value,
            permission_denied_rate=self.permission_denied.value,
            later_choice_rate=self.later_choice.value,
            detainee_away_rate=self.detainee_away.value,
            no_show_rate=self.no_show.value, late_rate=self.late.value,
            assistant_rate=self.assistants.value, video_rate=self.video.value,
            priority_rate=self.priority.value, lengths=lengths or base.lengths)

    def _length_mix(self, allowed: list[int] | None) -> tuple[tuple[int, float], ...]:
        """Booked lengths as shares, each put on the nearest length the config allows."""
        total = sum(self.lengths.values())
        if not total:
            return ()
        mix: dict[int, int] = {}
        for minutes, count in self.lengths.items():
            length = min(allowed, key=lambda a: abs(a - minutes)) if allowed else minutes
            mix[length] = mix.get(length, 0) + count
        return tuple((length, count / total) for length, count in sorted(mix.items()))

    def lines(self) -> list[str]:
        """The estimate as the warden reads it (CLI and screen)."""
        out = [f"需求估计 demand estimated from {self.first} .. {self.last}"
               f" ({(self.last - self.first).days + 1} days, {self.arrivals} arrivals)"]
        out.append("  平均来访 mean arrivals per open day:  "
                   + "  ".join(f"{WEEKDAYS[d].split()[1]} {self.mean_arrivals(d):.1f}"
                               + ("" if self.open_days.get(d) else "*") for d in range(7))
                   + f"  closed day {self.mean_closed_day:.1f}"
                   + (f"  (of the open days, {self.duty_days} were opened by a duty session:"
                      f" {self.arrivals_duty / self.duty_days:.1f} a day)" if self.duty_days
                      else ""))
        pooled = [sum(h[i] for h in self.hours.values()) for i in range(24)]
        total = sum(pooled) or 1
        busy = [f"{h:02d}h {pooled[h] / total:.0%}" for h in range(24) if pooled[h]]
        out.append("  到达时段 arrivals by hour:  " + "  ".join(busy))
        lengths = sum(self.lengths.values()) or 1
        out.append("  会见时长 meeting lengths:  " + "  ".join(
            f"{m} min {n / lengths:.0%}" for m, n in sorted(self.lengths.items())))
        for name, rate in (("材料未通过 refused", self.refused),
                           ("需许可 permission cases", self.permission),
                           ("不许可 permission denied", self.permission_denied),
                           ("远程视频 video", self.video),
                           ("律师选择延后 later by lawyer's choice", self.later_choice),
                           ("在押人员不在 detainee away", self.detainee_away),
                           ("律师未到 no-shows", self.no_show),
                           ("迟到失去时段 late (B10)", self.late),
                           ("律师助理 assistants", self.assistants),
                           ("优先 priority", self.priority)):
            out.append(f"  {rate}  {name}")
        out.extend(f"  * {note}" for note in self.notes)
        return out


def _bounds(settings: Settings, first: date, last: date) -> dict:
    zone = settings.zone
    return {"lo": iso(datetime.combine(first, time(0), zone)),
            "hi": iso(datetime.combine(last + timedelta(days=1), time(0), zone))}


def estimate_demand(db: Database, settings: Settings, until: date,
                    weeks: int = DEFAULT_WEEKS) -> Demand:
    """Demand over the `weeks` whole weeks before `until` (the day the forecast starts)."""
    first, last = until - timedelta(days=7 * weeks), until - timedelta(days=1)
    params = _bounds(settings, first, last)
    per_day: dict[str, list[int]] = {}  # day -> arrivals per hour
    for moment, in db.execute(
            "SELECT presented_at FROM meeting_requests WHERE presented_at >= :lo"
            " AND presented_at < :hi UNION ALL SELECT at FROM refusals"
            " WHERE at >= :lo AND at < :hi", params):
        local = datetime.fromisoformat(moment).astimezone(settings.zone)
        per_day.setdefault(local.date().isoformat(), [0] * 24)[local.hour] += 1
    arrivals = sum(sum(h) for h in per_day.values())
    if not arrivals:
        raise DemandError(f"{first}至{last}没有来访记录，无法估计需求；请用 --history-weeks"
                          f" 或 --from 选择有数据的期间\nno arrivals between {first} and {last}:"
                          " nothing to estimate demand from (choose a period with history)")
    calendar = OpeningCalendar.from_settings(db, settings, remember=True)
    open_days: dict[int, int] = {}
    arrivals_open: dict[int, int] = {}
    hours: dict[int, list[int]] = {}
    closed_days = arrivals_closed = duty_days = arrivals_duty = 0
    weekday_days: dict[int, int] = {}
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        counts = per_day.get(day.isoformat(), [0] * 24)
        hours_of_day = calendar.day(day)
        weekday_days[day.weekday()] = weekday_days.get(day.weekday(), 0) + 1
        if hours_of_day.reason == "duty":  # shown apart too; counted as the open day it was
            duty_days += 1
            arrivals_duty += sum(counts)
        if hours_of_day.is_open:
            weekday = day.weekday()
            open_days[weekday] = open_days.get(weekday, 0) + 1
            arrivals_open[weekday] = arrivals_open.get(weekday, 0) + sum(counts)
            mine = hours.setdefault(weekday, [0] * 24)
            for h in range(24):
                mine[h] += counts[h]
        else:
            closed_days += 1
            arrivals_closed += sum(counts)

    def count(sql: str) -> int:
        return db.execute(sql, params).fetchone()[0] or 0

    period = "r.presented_at >= :lo AND r.presented_at < :hi"
    requests = count(f"SELECT COUNT(*) FROM meeting_requests r WHERE {period}")
    refusals = count("SELECT COUNT(*) FROM refusals WHERE at >= :lo AND at < :hi")
    of_bookings = f"FROM bookings b JOIN meeting_requests r ON r.id = b.request_id WHERE {period}"
    bookings = count(f"SELECT COUNT(*) {of_bookings}")
    came_due = count(f"SELECT COUNT(*) {of_bookings} AND b.state IN"
                     " ('done', 'in_progress', 'no_show', 'released_late')")
    marks = ", ".join(f"'{r}'" for r in AWAY_REASONS)  # fixed codes, not input
    lengths = dict(db.execute(f"SELECT (b.end_ts - b.start_ts) / 60, COUNT(*) {of_bookings}"
                              " GROUP BY 1 ORDER BY 1", params).fetchall())
    notes = [f"{WEEKDAYS[d]}: 期间内未开放 not open in the window (weekday mean used)"
             for d in range(6) if not open_days.get(d)]
    return Demand(
        first=first, last=last, arrivals=arrivals, open_days=open_days,
        closed_days=closed_days, arrivals_open=arrivals_open, arrivals_closed=arrivals_closed,
        hours=hours, lengths=lengths,
        refused=Rate(refusals, refusals + requests),
        permission=Rate(count(f"SELECT COUNT(*) FROM meeting_requests r WHERE {period}"
                              " AND r.needs_permission = 1"), requests),
        permission_denied=Rate(
            count(f"SELECT COUNT(*) FROM meeting_requests r WHERE {period}"
                  " AND r.state = 'permission_denied'"),
            count(f"SELECT COUNT(*) FROM meeting_requests r WHERE {period}"
                  " AND r.needs_permission = 1 AND r.permission_decided_at IS NOT NULL")),
        video=Rate(count(f"SELECT COUNT(*) {of_bookings} AND b.room_kind = 'video'"),
                   bookings),
        later_choice=Rate(count(f"SELECT COUNT(*) {of_bookings} AND b.deferred_by_lawyer = 1"),
                          bookings),
        detainee_away=Rate(count(f"SELECT COUNT(*) {of_bookings}"
                                 f" AND b.delay_reason IN ({marks})"), bookings),
        no_show=Rate(count(f"SELECT COUNT(*) {of_bookings} AND b.state = 'no_show'"), came_due),
        late=Rate(count(f"SELECT COUNT(*) {of_bookings} AND b.state = 'released_late'"),
                  came_due),
        assistants=Rate(count("SELECT COUNT(*) FROM assistants a JOIN bookings b"
                              " ON b.id = a.booking_id JOIN meeting_requests r"
                              f" ON r.id = b.request_id WHERE {period}"),
                        count(f"SELECT COUNT(*) {of_bookings} AND b.started_at IS NOT NULL")),
        priority=Rate(count(f"SELECT COUNT(*) {of_bookings} AND b.priority = 1"), bookings),
        notes=notes, duty_days=duty_days, arrivals_duty=arrivals_duty,
        weekday_days=weekday_days)
