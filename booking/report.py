"""R1-R3, C4: the warden's 48-hour compliance report, aggregated in SQL.

A request belongs to the period in which its documents were presented; its state is
the state when the report is made. Open requests whose deadline has passed count as
breached (or deferred by lawyer when the lawyer chose the later time). Percentiles use
the nearest-rank method.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from .calendar import official_day
from .clock import Clock, iso
from .errors import DomainError
from .meetings import BREACH_REASONS, DELAY_REASONS
from .permission import decision_due, decision_overdue, hours_to_decide

STATES = ("met", "breached", "deferred_by_lawyer", "no_show", "cancelled",
          "awaiting_permission", "permission_denied", "open")
# C7: closed, not breached; counted by kind in `closed`, and in `verified` (R2).
CLOSED_KINDS = ("detainee_released", "detainee_transferred", "lapsed_by_lawyer")
# C4/R1: the codes breaches are grouped by; their names for people.
BREACH_REASON_NAMES: dict[str, tuple[str, str]] = {
    **{code: DELAY_REASONS[code] for code in BREACH_REASONS if code in DELAY_REASONS},
    "not_booked": ("未预约", "never booked"),
}
CLOSED_NAMES: dict[str, tuple[str, str]] = {
    "detainee_released": ("在押人员已释放", "detainee released"),
    "detainee_transferred": ("在押人员已转押", "detainee transferred"),
    "lapsed_by_lawyer": ("律师迟到后未再来", "lapsed by lawyer (B10)"),
}
MAX_DAYS = 366 * 5

# The report's single figures in the order they are shown, with their Chinese and English
# names: one table for the screen, the CLI table, CSV, HTML and the printed summary.
FIGURES: dict[str, tuple[str, str]] = {
    "presented": ("提交材料", "documents presented"),
    "refused": ("材料未通过", "refused (documents)"),
    "verified": ("会见申请", "meeting requests"),
    "immediate": ("当即安排会见", "met at once"),
    "met": ("48小时内会见", "met within 48 h"),
    "breached": ("超过48小时", "breached (over 48 h)"),
    "deferred_by_lawyer": ("律师选择延后", "deferred by lawyer"),
    "no_show": ("律师未到", "no-shows"),
    "cancelled": ("律师撤回", "cancelled by lawyer"),
    "awaiting_permission": ("待侦查机关许可", "awaiting permission"),
    "permission_denied": ("侦查机关不许可", "permission denied"),
    "open": ("尚未到期", "open (deadline ahead)"),
    "closed": ("已结束（离所或律师未再来）", "closed (C7)"),
    "compliance_rate": ("48小时达标率", "48-hour compliance rate"),
    "median_hours": ("用时中位数（小时）", "median hours to meeting"),
    "p90_hours": ("用时90%分位（小时）", "90th percentile hours"),
    "saturday_meetings": ("周六会见", "Saturday meetings"),
    "sunday_meetings": ("周日会见", "Sunday meetings"),
    "duty_session_meetings": ("值班时段会见", "duty-session meetings"),
    "interrogation_room_meetings": ("讯问室会见", "interrogation-room meetings"),
    "consent_recorded": ("书面同意已确认", "written consent confirmed"),
    "devices_off_confirmed": ("设备关闭已确认", "devices off confirmed"),
    "video_meetings": ("远程视频会见", "video meetings"),
    "duty_lawyer_meetings": ("值班律师会见", "duty-lawyer meetings"),
    "hand_entered_documents": ("手工录入公函/通知书", "hand-entered letters and notices"),
    "permission_cases": ("需许可案件", "permission cases"),
    "assistants": ("律师助理", "assistants"),
    "assistants_confirmed": ("助理身份已核实", "assistants confirmed"),
}

# The state of each request of the period as of :now (C4, C7). One row per request.
_STATE_SQL = """
WITH period AS (
    SELECT r.*, (SELECT b.deferred_by_lawyer FROM bookings b WHERE b.request_id = r.id
                 AND b.state IN ('booked', 'arrived') ORDER BY b.id DESC LIMIT 1) AS deferred,
        (SELECT b.state FROM bookings b WHERE b.request_id = r.id
         ORDER BY b.id DESC LIMIT 1) AS last_booking
    FROM meeting_requests r WHERE r.presented_at >= :lo AND r.presented_at < :hi
)
SELECT id, presented_at, clock_start, deadline,
    CASE
        WHEN state IN ('open', 'booked') AND deadline < :now AND deferred = 1
            THEN 'deferred_by_lawyer'
        WHEN state = 'open' AND deadline < :now AND last_booking = 'released_late'
            THEN 'lapsed_by_lawyer'
        WHEN state IN ('open', 'booked') AND deadline < :now THEN 'breached'
        WHEN state = 'booked' THEN 'open'
        ELSE state
    END AS report_state
FROM period
"""


# What happened to a breached request (C4), as the warden reads it.
Happened = Literal["started_late", "booked_not_started", "released_not_rebooked",
                   "never_booked"]


class Breach(BaseModel):
    """A breached request: why (`reason`, a code of BREACH_REASONS: the officer's reason
    for a booking after the deadline, a detainee-side reason, not_booked, else other), what
    really happened (booked for when and where and not started, started late, slot released
    and not booked again, never booked) in zh and en, and the reason the officer gave when
    the meeting could not be at once (C3), `delay`. `account` is the whole story, Chinese
    with English beside, as the exports show it."""

    model_config = ConfigDict(frozen=True)

    request_id: int
    deadline: str
    started: str | None
    hours_late: float
    reason: str  # one of BREACH_REASONS (C4)
    happened: Happened = "never_booked"
    booked_for: str | None = None
    room: str | None = None
    zh: str = ""
    en: str = ""
    delay: str | None = None
    account: str = ""


class PermissionCase(BaseModel):
    model_config = ConfigDict(frozen=True)

    """P2: a case that needed the authority's permission, judged as of the report's as_of
    (booking.permission: due three days after presentation)."""

    request_id: int
    presented_at: str
    decided_at: str | None
    decision_hours: float | None
    outcome: str
    due: str = ""
    waited_hours: float | None = None  # the decision's hours, or so far while it is awaited
    overdue: bool = False  # decided after it was due, or still awaited past it


class DayFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: str
    presented: int
    met: int
    breached: int
    meetings: int

    @property
    def compliance_rate(self) -> float | None:
        decided = self.met + self.breached
        return self.met / decided if decided else None


class ComplianceReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    period_from: str
    period_to: str
    made_at: str
    presented: int
    refused: int
    refused_by_rule: dict[str, int]
    verified: int
    immediate: int
    met: int
    breached: int
    deferred_by_lawyer: int
    no_show: int
    cancelled: int
    awaiting_permission: int
    permission_denied: int
    open: int
    closed: dict[str, int]
    breaches_by_reason: dict[str, int]
    compliance_rate: float | None
    median_hours: float | None
    p90_hours: float | None
    saturday_meetings: int
    sunday_meetings: int
    duty_session_meetings: int
    interrogation_room_meetings: int
    consent_recorded: int
    devices_off_confirmed: int
    video_meetings: int
    video_unmonitored_confirmed: int  # B9 (shown in the screen's checks line and the JSON)
    duty_lawyer_meetings: int  # V10: meetings that started on a legal-help notice
    hand_entered_documents: int  # V7/V10: letters and notices entered by hand in the period
    permission_cases: list[PermissionCase]
    assistants: int
    assistants_confirmed: int
    breaches: list[Breach]
    daily: list[DayFigures]
    as_of: str

    def breakdown(self) -> list[tuple[str, str, str, int]]:
        """R1/R2: the breaches by reason (adding up to `breached`) and the closures by kind
        (adding up to `closed`), as (key, zh, en, count): the same rows on every output."""
        rows = [(f"breaches_by_reason.{code}", *BREACH_REASON_NAMES[code], count)
                for code, count in self.breaches_by_reason.items()]
        return rows + [(f"closed.{kind}", *CLOSED_NAMES[kind], count)
                       for kind, count in self.closed.items()]

    @property
    def permission_overdue(self) -> int:
        """P2: cases over the authority's time, decided late or still awaited past it."""
        return sum(case.overdue for case in self.permission_cases)

    def summary(self) -> dict:
        """The JSON form of the report (R3)."""
        return self.model_dump(mode="json")


def _bounds(first: date, last: date, clock: Clock) -> tuple[str, str]:
    if last < first:
        raise DomainError("R1", "结束日期早于开始日期", "the end date is before the start date")
    if (last - first).days > MAX_DAYS:
        raise DomainError("R1", "报表期间最长五年", "a report covers five years at most")
    lo = datetime.combine(first, time(0), clock.zone)
    hi = datetime.combine(last + timedelta(days=1), time(0), clock.zone)
    return iso(lo), iso(hi)


def _scalar(db: Database, sql: str, params: dict) -> int:
    return db.execute(sql, params).fetchone()[0] or 0


def _nearest_rank(db: Database, params: dict, fraction: float, count: int) -> float | None:
    if not count:
        return None
    offset = max(0, math.ceil(fraction * count) - 1)
    row = db.execute(_HOURS_SQL + " ORDER BY hours LIMIT 1 OFFSET :offset",
                     {**params, "offset": offset}).fetchone()
    return round(row[0], 2)


# Hours from clock start to meeting start, for requests of the period that met.
_HOURS_SQL = """
SELECT (julianday(b.started_at) - julianday(r.clock_start)) * 24 AS hours
FROM meeting_requests r JOIN bookings b ON b.request_id = r.id AND b.started_at IS NOT NULL
WHERE r.presented_at >= :lo AND r.presented_at < :hi
"""

# Meetings that started (by as_of), of requests of the period.
_MEETINGS_SQL = """
SELECT
    COUNT(*) AS meetings,
    SUM(b.room_kind = 'interrogation') AS interrogation,
    SUM(b.room_kind = 'interrogation' AND b.consent_at IS NOT NULL) AS consent,
    SUM(b.room_kind = 'interrogation' AND b.devices_off_at IS NOT NULL) AS devices_off,
    SUM(b.room_kind = 'video') AS video,
    SUM(b.room_kind = 'video' AND b.devices_off_at IS NOT NULL) AS video_unmonitored,
    SUM(r.basis = 'duty_notice') AS duty_lawyer
FROM bookings b JOIN meeting_requests r ON r.id = b.request_id
WHERE b.started_at IS NOT NULL AND b.started_at <= :now
AND r.presented_at >= :lo AND r.presented_at < :hi
"""

# The same meetings, counted by the date they started on.
_MEETING_DAYS_SQL = """
SELECT substr(b.started_at, 1, 10) AS day, COUNT(*)
FROM bookings b JOIN meeting_requests r ON r.id = b.request_id
WHERE b.started_at IS NOT NULL AND b.started_at <= :now
AND r.presented_at >= :lo AND r.presented_at < :hi
GROUP BY day
"""


# V7/V10: letters and notices an officer entered by hand in the period (confirmed or not).
_HAND_ENTERED_SQL = """
SELECT (SELECT COUNT(*) FROM aid_letters WHERE entered_at >= :lo AND entered_at < :hi)
     + (SELECT COUNT(*) FROM duty_notices WHERE entered_at >= :lo AND entered_at < :hi)
"""


def _day_kinds(db: Database, params: dict) -> dict[str, int]:
    """R1 day kinds: a duty session (an officer's duty entry for the date) counts as such on
    any date; a Saturday or Sunday counts only when it is neither a duty session nor an
    official make-up working day (调休), which is a working day like any other."""
    duty_days = {day for (day,) in db.execute(
        "SELECT day FROM calendar_days WHERE source = 'officer' AND kind = 'duty'")}
    kinds = {"saturday": 0, "sunday": 0, "duty": 0}
    for day, count in db.execute(_MEETING_DAYS_SQL, params):
        if day in duty_days:
            kinds["duty"] += count
            continue
        when = date.fromisoformat(day)
        if when.weekday() < 5:
            continue
        official = official_day(db, when)
        if official is not None and official.kind == "workday":
            continue
        kinds["saturday" if when.weekday() == 5 else "sunday"] += count
    return kinds


def compliance_report(db: Database, clock: Clock, first: date, last: date,
                      as_of: datetime | None = None) -> ComplianceReport:
    """R1: every figure of the period, computed in the database, as of a moment (default
    now): a request not met by then whose deadline is before it is breached. The same
    database and as_of give the same report, made_at apart."""
    lo, hi = _bounds(first, last, clock)
    now = clock.now()
    as_of = (as_of or now).astimezone(clock.zone).replace(microsecond=0)
    params = {"lo": lo, "hi": hi, "now": iso(as_of)}
    refused_by_rule = dict(db.execute(
        "SELECT rule, COUNT(*) FROM refusals WHERE at >= :lo AND at < :hi GROUP BY rule"
        " ORDER BY rule", params).fetchall())
    states = dict(db.execute(f"SELECT report_state, COUNT(*) FROM ({_STATE_SQL})"
                             " GROUP BY report_state", params).fetchall())
    counts = {state: states.get(state, 0) for state in STATES}
    verified = sum(states.values())
    refused = sum(refused_by_rule.values())
    met_count = _scalar(db, f"SELECT COUNT(*) FROM ({_HOURS_SQL})", params)
    meetings = dict(zip(("meetings", "interrogation", "consent", "devices_off", "video",
                         "video_unmonitored", "duty_lawyer"),
                        db.execute(_MEETINGS_SQL, params).fetchone(), strict=True))
    meetings.update(_day_kinds(db, params))
    decided = counts["met"] + counts["breached"]
    breaches = _breaches(db, params)
    by_reason = {code: 0 for code in BREACH_REASONS}
    for breach in breaches:
        by_reason[breach.reason] += 1
    return ComplianceReport(
        period_from=first.isoformat(), period_to=last.isoformat(), made_at=iso(now),
        presented=refused + verified, refused=refused, refused_by_rule=refused_by_rule,
        verified=verified,
        immediate=_scalar(db, "SELECT COUNT(DISTINCT b.request_id) FROM bookings b"
                              " JOIN meeting_requests r ON r.id = b.request_id"
                              " WHERE b.immediate = 1 AND b.started_at IS NOT NULL"
                              " AND r.presented_at >= :lo AND r.presented_at < :hi", params),
        **counts,
        closed={kind: states.get(kind, 0) for kind in CLOSED_KINDS},
        breaches_by_reason=by_reason,
        compliance_rate=round(counts["met"] / decided, 4) if decided else None,
        median_hours=_nearest_rank(db, params, 0.5, met_count),
        p90_hours=_nearest_rank(db, params, 0.9, met_count),
        saturday_meetings=meetings["saturday"] or 0, sunday_meetings=meetings["sunday"] or 0,
        duty_session_meetings=meetings["duty"] or 0,
        interrogation_room_meetings=meetings["interrogation"] or 0,
        consent_recorded=meetings["consent"] or 0,
        devices_off_confirmed=meetings["devices_off"] or 0,
        video_meetings=meetings["video"] or 0,
        video_unmonitored_confirmed=meetings["video_unmonitored"] or 0,
        duty_lawyer_meetings=meetings["duty_lawyer"] or 0,
        hand_entered_documents=_scalar(db, _HAND_ENTERED_SQL, params),
        permission_cases=_permission_cases(db, params, as_of),
        assistants=_scalar(db, "SELECT COUNT(*) FROM assistants a JOIN bookings b"
                               " ON b.id = a.booking_id JOIN meeting_requests r"
                               " ON r.id = b.request_id"
                               " WHERE r.presented_at >= :lo AND r.presented_at < :hi", params),
        assistants_confirmed=_scalar(db, "SELECT COUNT(*) FROM assistants a JOIN bookings b"
                                         " ON b.id = a.booking_id JOIN meeting_requests r"
                                         " ON r.id = b.request_id WHERE a.confirmed_at IS NOT NULL"
                                         " AND r.presented_at >= :lo AND r.presented_at < :hi",
                                     params),
        breaches=breaches,
        daily=_daily(db, params),
        as_of=iso(as_of),
    )


def _permission_cases(db: Database, params: dict, as_of: datetime) -> list[PermissionCase]:
    rows = db.execute(
        "SELECT id, presented_at, permission_decided_at, state,"
        " (julianday(permission_decided_at) - julianday(presented_at)) * 24"
        " FROM meeting_requests WHERE needs_permission = 1"
        " AND presented_at >= :lo AND presented_at < :hi ORDER BY id", params)
    cases = []
    for request_id, presented_at, decided_at, state, hours in rows:
        outcome = ("awaiting" if state == "awaiting_permission" else
                   "denied" if state == "permission_denied" else "granted")
        presented = datetime.fromisoformat(presented_at)
        decided = datetime.fromisoformat(decided_at) if decided_at else None
        awaiting = outcome == "awaiting"
        waited = hours_to_decide(presented, decided, awaiting, as_of)
        cases.append(PermissionCase(
            request_id=request_id, presented_at=presented_at, decided_at=decided_at,
            outcome=outcome, decision_hours=round(hours, 2) if hours is not None else None,
            due=iso(decision_due(presented)),
            waited_hours=round(waited, 2) if waited is not None else None,
            overdue=decision_overdue(presented, decided, awaiting, as_of)))
    return cases


def _breaches(db: Database, params: dict) -> list[Breach]:
    """Every breached request of the period with its bookings, newest last: the booking
    that started (late), else the live one (booked, not started), else a slot released
    because the lawyer was late (B10) and never booked again, else none at all."""
    rows = db.execute(
        f"SELECT s.id, s.deadline,"
        " (julianday(COALESCE((SELECT MAX(started_at) FROM bookings WHERE request_id = s.id),"
        " :now)) - julianday(s.deadline)) * 24,"
        " b.state, b.starts_at, b.room_id, m.name, b.arrived_at, b.started_at, b.delay_reason,"
        " b.delay_text"
        f" FROM ({_STATE_SQL}) s LEFT JOIN bookings b ON b.request_id = s.id"
        " LEFT JOIN rooms m ON m.id = b.room_id"
        " WHERE s.report_state = 'breached' ORDER BY s.id, b.id", params)
    requests: dict[int, tuple[str, float, list[dict]]] = {}
    for request_id, deadline, hours, *booking in rows:
        _, _, bookings = requests.setdefault(request_id, (deadline, hours, []))
        if booking[0] is not None:
            bookings.append(dict(zip(("state", "starts_at", "room", "room_name", "arrived_at",
                                      "started_at", "delay_reason", "delay_text"),
                                     booking, strict=True)))
    return [_breach(request_id, deadline, hours, bookings)
            for request_id, (deadline, hours, bookings) in requests.items()]


def _when(moment: str) -> str:
    """'2026-11-21T09:00:00+08:00' -> '11-21 09:00' (the deadline beside it gives the year)."""
    return moment[5:16].replace("T", " ")


def _breach(request_id: int, deadline: str, hours: float, bookings: list[dict]) -> Breach:
    started = next((b for b in reversed(bookings) if b["started_at"]), None)
    live = next((b for b in reversed(bookings) if b["state"] in ("booked", "arrived")), None)
    released = next((b for b in reversed(bookings) if b["state"] == "released_late"), None)
    booking = started or live or released
    if booking is None:
        happened, zh, en = "never_booked", "期限内从未预约", "never booked before the deadline"
    else:
        when, room = _when(booking["starts_at"]), booking["room"]
        zh_booked = f"预约 {when} {booking['room_name']}"
        en_booked = f"booked for {when} in room {room}"
        if started is not None:
            happened = "started_late"
            zh = f"{zh_booked}，{_when(started['started_at'])}才开始（超过期限）"
            en = f"{en_booked}, started late at {_when(started['started_at'])}"
        elif live is not None:
            happened = "booked_not_started"
            arrived = live["arrived_at"]
            zh = zh_booked + (f"，律师{_when(arrived)}已签到" if arrived else "") + "，会见未开始"
            en = en_booked + (f", lawyer arrived {_when(arrived)}" if arrived else "") + \
                ", meeting not started"
        else:
            happened = "released_not_rebooked"
            zh = f"{zh_booked}，律师迟到、时段释放，其后未再预约"
            en = f"{en_booked}; slot released (lawyer late), not booked again"
    account, delay = f"{zh} / {en}", None
    if booking is not None and booking["delay_reason"]:  # C3: why not at once
        delay = " / ".join(DELAY_REASONS.get(booking["delay_reason"],
                                             (booking["delay_reason"],) * 2))
        delay += f": {booking['delay_text']}" if booking["delay_text"] else ""
        account += f"；未能当即会见 not at once: {delay}"
    return Breach(request_id=request_id, deadline=deadline, hours_late=round(hours, 2),
                  started=started and started["started_at"],
                  reason=breach_reason(booking if booking is not released else None),
                  happened=happened, booked_for=booking and booking["starts_at"],
                  room=booking and booking["room"], zh=zh, en=en, delay=delay,
                  account=account)


def breach_reason(booking: dict | None) -> str:
    """C4: the code a breach is grouped by. No booking (or only a slot given up): not_booked.
    Otherwise the reason the officer picked when the meeting could not be at once (C3): why
    it was put late, or so near the deadline that it slipped past; a meeting booked for at
    once, or at the lawyer's choice in time, that still started late is `other` (its
    account says what happened)."""
    if booking is None:
        return "not_booked"
    reason = booking["delay_reason"]
    return reason if reason in BREACH_REASONS else "other"


def _daily(db: Database, params: dict) -> list[DayFigures]:
    rows = db.execute(
        "WITH days AS ("
        "  SELECT substr(at, 1, 10) AS day, 1 AS presented, 0 AS met, 0 AS breached,"
        "         0 AS meetings FROM refusals WHERE at >= :lo AND at < :hi"
        "  UNION ALL"
        "  SELECT substr(presented_at, 1, 10), 1, report_state = 'met',"
        "         report_state = 'breached', 0 FROM (" + _STATE_SQL + ")"
        "  UNION ALL"
        "  SELECT substr(b.started_at, 1, 10), 0, 0, 0, 1 FROM bookings b"
        "  WHERE b.started_at >= :lo AND b.started_at < :hi"
        ") SELECT day, SUM(presented), SUM(met), SUM(breached), SUM(meetings)"
        " FROM days GROUP BY day ORDER BY day", params)
    return [DayFigures(day=d, presented=p, met=m, breached=b, meetings=n)
            for d, p, m, b, n in rows]


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: str


def request_history(db: Database, request_id: int) -> list[AuditEntry]:
    """The audit entries of a request and of its bookings, oldest first: what happened to a
    breached request, for the warden (R1)."""
    subjects = [f"request:{request_id}"] + [
        f"booking:{booking_id}" for (booking_id,) in db.execute(
            "SELECT id FROM bookings WHERE request_id = ? ORDER BY id", (request_id,))]
    marks = ", ".join("?" for _ in subjects)
    rows = db.execute(f"SELECT id, at, actor, action, subject, detail FROM audit_log"
                      f" WHERE subject IN ({marks}) ORDER BY id", subjects)
    return [AuditEntry(id=i, at=at, actor=actor, action=action, subject=subject, detail=detail)
            for i, at, actor, action, subject, detail in rows]
