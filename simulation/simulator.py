"""A busy centre's days played through the real use cases with a fixed clock (`kiosk simulate`):
history for reports and benchmarks, a load test of the domain, and the engine of the
warden's what-if (whatif/).

Nothing here writes to requests or bookings itself: lawyers present documents
(verify_documents), get offers and are booked (offer_slots, book), come, are late or stay
away (check_in, release_late, close_without_meeting), meet (start_meeting, end_meeting);
the investigating authority decides (record_permission); assistants are added and
confirmed. The registers are synthetic, made from the seed (simulation.registry), and
loaded with import_file. Only booking's public use cases and functions are called.

Determinism: every random choice comes from a `random.Random` seeded with the seed and
a date, booking or request id, and events run in time order, so the same seed and
days give the same database, audit hashes included (the clock is fixed). Each day is
rebuilt from the database at its start, so a run continued later gives the same result
as one long run.

Public extension points (used by the what-if, which subclasses nothing):
- `arrivals`: who comes on each day (simulation.arrivals.Arrivals; default: the profile's);
- `duty_sessions_on_demand`: whether the warden opens a Sunday or a holiday as a duty
  session when a request is at risk (B2; default True);
- `prepare(first_day)` for the simulator's own database, `prepare_on_copy(first_day)` to go
  on from a copy of a centre's database.
"""

from __future__ import annotations

import heapq
import random
import tempfile
import time as wallclock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlite_utils import Database

from booking import audit
from booking.assistants import add_assistant, confirm_assistant
from booking.calendar import OpeningCalendar, add_duty_session
from booking.clock import FixedClock, iso, parse_iso
from booking.errors import DomainError
from booking.imports import import_file
from booking.meetings import (
    Booking,
    Offer,
    Offers,
    book,
    cancel_request,
    check_in,
    close_without_meeting,
    end_meeting,
    get_booking,
    offer_slots,
    release_late,
    start_meeting,
    suggested_delay_reason,
)
from booking.permission import record_permission
from booking.rooms import sync_rooms
from booking.settings import Settings, parse_session
from booking.staff import add_staff
from booking.storage import one, transaction
from booking.verification import verify_documents

from .arrivals import Arrivals, ProfileArrivals, local_time
from .profiles import Profile
from .registry import REGISTER_FILE, Defence, Population, make_population, person_name

SIM_ACTOR = "simulate"
SIM_OFFICER = ("8001", "模拟民警", "802468")  # staff_no, name, PIN: one account, hashed once
DEFAULT_START = date(2026, 1, 1)


class SimulationError(Exception):
    """The simulator cannot run against this database (message in zh and en)."""


@dataclass
class Summary:
    """What a run did; request counts are by the requests' states at the end of the run."""

    first_day: date
    last_day: date
    arrivals: int = 0
    requests: int = 0
    met: int = 0
    breached: int = 0
    deferred_by_lawyer: int = 0
    no_show: int = 0
    cancelled: int = 0
    permission_denied: int = 0
    still_open: int = 0  # open, booked or awaiting permission when the run ended
    refused: int = 0
    bookings: int = 0
    released_late: int = 0
    lapsed: int = 0  # B10/C7: lost the slot by being late, nothing before the deadline, left
    not_booked: int = 0  # nothing at all within two weeks after the deadline
    wall_seconds: float = 0.0
    by_state: dict[str, int] = field(default_factory=dict)
    breaches_by_reason: dict[str, int] = field(default_factory=dict)  # C4: the booking's reason
    levers: dict[str, int] = field(default_factory=dict)  # the warden's, when a request is at risk
    unexpected_refusals: dict[str, int] = field(default_factory=dict)  # book() said no

    def line(self) -> str:
        return (f"{self.first_day}..{self.last_day}: {self.arrivals} arrivals,"
                f" {self.requests} requests, {self.met} met, {self.breached} breached,"
                f" {self.deferred_by_lawyer} deferred, {self.refused} refused,"
                f" {self.no_show} no-shows, {self.cancelled} cancelled by the lawyer,"
                f" {self.permission_denied} permission denied, {self.still_open} still open;"
                f" breaches by reason: {_counts(self.breaches_by_reason)};"
                f" levers: {_counts({LEVERS[k]: n for k, n in self.levers.items()})};"
                f" {self.bookings} bookings, {self.released_late} released late"
                f" ({self.lapsed} lapsed), {self.not_booked} not booked"
                + (f", unexpected booking refusals {self.unexpected_refusals}"
                   if self.unexpected_refusals else "")
                + f"; wall time {self.wall_seconds:.1f} s")


LEVERS = {"interrogation": "interrogation rooms with consent", "video": "video terminal",
          "sunday_duty": "Sunday duty sessions", "holiday_duty": "holiday duty sessions"}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.items()) or "none"


class Simulator:
    """Runs simulated days against one database. Use `prepare()` (or `prepare_on_copy()`)
    once, then `run_day` for each day in turn.

    profile: the visitors' rates (default Profile()); population: the registers and who
    defends whom (default: made from the seed); arrivals: who comes each day (default:
    the profile's shape, simulation.arrivals.ProfileArrivals); duty_sessions_on_demand:
    the warden opens the coming Sunday or holiday as a duty session when a request is at
    risk (B2), the last lever before a breach. Read after a run: `counts` (arrivals,
    levers used, lapsed and not booked requests), `unexpected` (book() refusals by rule),
    `summary()`, `breaches_by_reason()`; `clock` is the simulated time."""

    def __init__(self, db: Database, settings: Settings, seed: int,
                 profile: Profile | None = None, population: Population | None = None,
                 arrivals: Arrivals | None = None, duty_sessions_on_demand: bool = True):
        self.db = db
        self.settings = settings
        self.seed = seed
        self.profile = profile or Profile()
        self.population = population or make_population(seed)
        self.arrivals = arrivals or ProfileArrivals(self.profile, settings.zone)
        self.duty_sessions_on_demand = duty_sessions_on_demand
        self.officer = SIM_OFFICER[0]
        self.clock = FixedClock(datetime.combine(DEFAULT_START, time(0), settings.zone))
        self._events: list = []
        self._seq = 0
        self._busy: set[tuple[str, str]] = set()
        self._rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.unexpected: Counter[str] = Counter()  # book() refusals, by rule

    # --- setting up -------------------------------------------------------------------------

    def _calendar(self) -> OpeningCalendar:
        """Made afresh: the officer's duty sessions change the calendar during a run."""
        return OpeningCalendar.from_settings(self.db, self.settings)

    def last_simulated_day(self) -> date | None:
        row = one(self.db, "SELECT subject FROM audit_log WHERE action = 'simulated_day'"
                           " ORDER BY id DESC LIMIT 1")
        return date.fromisoformat(row["subject"].removeprefix("day:")) if row else None

    def prepare(self, first_day: date) -> None:
        """Check the database is the simulator's own; load the registers, the rooms and the
        officer at the start of first_day when they are not there yet."""
        foreign = one(self.db, "SELECT actor, action FROM audit_log WHERE actor NOT IN (?, ?)"
                               " AND action != 'sync_rooms' ORDER BY id LIMIT 1",
                      (SIM_ACTOR, self.officer))
        if foreign:
            what = f"{foreign['actor']}: {foreign['action']}"
            raise SimulationError(
                f"该数据库已有非模拟数据（{what}），模拟数据只能写入单独的数据库文件"
                f"\nthis database has data the simulator did not make ({what}): simulate into"
                " a database file of its own (kiosk --db var/simulation.db simulate ...)")
        self.clock.set(datetime.combine(first_day, time(0), self.settings.zone))
        expected = f"file:{REGISTER_FILE.format(kind='lawyers', seed=self.seed)}"
        imported = [r["subject"] for r in self.db.query(
            "SELECT subject FROM audit_log WHERE action = 'import_lawyers' ORDER BY id")]
        if imported and expected not in imported:
            raise SimulationError(
                f"该数据库的名册由其他种子生成（{imported[0]}），请使用相同的 --seed"
                f"\nthis database's registers were made with another seed ({imported[0]}):"
                " continue with the same --seed")
        last = self.last_simulated_day()
        if last is not None and first_day <= last:
            raise SimulationError(
                f"该数据库已模拟到{last}，请从{last + timedelta(days=1)}以后开始"
                f"\nthis database is simulated up to {last}: start after it")
        sync_rooms(self.db, self.clock, SIM_ACTOR, self.settings.rooms)
        if one(self.db, "SELECT 1 FROM staff WHERE staff_no = ?", (self.officer,)):
            return  # added last: the registers are in
        with tempfile.TemporaryDirectory() as folder:
            paths = self.population.maker.write_csv(Path(folder), self.seed)
            for kind in ("lawyers", "detainees", "aid-letters"):
                report = import_file(self.db, self.clock, SIM_ACTOR, kind, paths[kind])
                if report.errors:
                    raise RuntimeError(f"simulated {kind} register has bad rows: "
                                       f"{report.errors[:3]}")
        staff_no, name, pin = SIM_OFFICER
        add_staff(self.db, self.clock, SIM_ACTOR, staff_no, name, "officer", pin,
                  self.settings.security.min_pin_length)

    def prepare_on_copy(self, first_day: date) -> None:
        """Go on from a copy of a centre's database (the what-if), which `prepare` refuses as
        not the simulator's own: at the start of first_day the rooms are synced with the
        settings, and the simulated registers (rows the centre's registers already hold
        are skipped) and the simulated officer added when they are not there yet. Never
        run it on a live database: the simulated registers would mix with the real ones."""
        self.clock.set(datetime.combine(first_day, time(0), self.settings.zone))
        sync_rooms(self.db, self.clock, SIM_ACTOR, self.settings.rooms)
        lawyer = self.population.maker.lawyers[0]["cert_no"]
        if not one(self.db, "SELECT 1 FROM lawyers WHERE cert_no = ?", (lawyer,)):
            with tempfile.TemporaryDirectory() as folder:
                paths = self.population.maker.write_csv(Path(folder), self.seed)
                for kind in ("lawyers", "detainees", "aid-letters"):
                    import_file(self.db, self.clock, SIM_ACTOR, kind, paths[kind], skip_bad=True)
        if not one(self.db, "SELECT 1 FROM staff WHERE staff_no = ?", (self.officer,)):
            staff_no, name, pin = SIM_OFFICER
            add_staff(self.db, self.clock, SIM_ACTOR, staff_no, name, "officer", pin,
                      self.settings.security.min_pin_length)

    # --- events ---------------------------------------------------------------------------

    def _at(self, when: datetime, action: Callable, *args) -> None:
        self._seq += 1
        heapq.heappush(self._events, (when, self._seq, action, args))

    def run_day(self, day: date) -> None:
        """Everything that happens on one day, in time order."""
        zone = self.settings.zone
        self._rng = random.Random(f"{self.seed}:{day.isoformat()}")
        arrivals_before = self.counts["arrivals"]
        self._busy = {(r["cert_no"], r["roster_no"]) for r in self.db.query(
            "SELECT cert_no, roster_no FROM meeting_requests"
            " WHERE state IN ('open', 'booked', 'awaiting_permission')")}
        self._schedule_booked_lawyers(day)
        self._schedule_authority(day)
        self._schedule_returns(day)
        self._schedule_arrivals(day)
        end = datetime.combine(day + timedelta(days=1), time(0), zone)
        while self._events and self._events[0][0] < end:
            when, _, action, args = heapq.heappop(self._events)
            self.clock.set(max(when, self.clock.now()))
            action(*args)
        self._events.clear()  # nothing is left: meetings end the day they start
        # The day is done: said in the log, so a later run knows where to go on from.
        self.clock.set(max(self.clock.now(), end - timedelta(seconds=1)))
        with transaction(self.db):
            audit.record(self.db, self.clock, SIM_ACTOR, "simulated_day", f"day:{day}",
                         {"seed": self.seed,
                          "arrivals": self.counts["arrivals"] - arrivals_before})

    def _day_bounds(self, day: date) -> tuple[int, int]:
        zone = self.settings.zone
        start = datetime.combine(day, time(0), zone)
        return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())

    def _schedule_booked_lawyers(self, day: date) -> None:
        lo, hi = self._day_bounds(day)
        for row in self.db.query("SELECT id FROM bookings WHERE state = 'booked'"
                                 " AND start_ts >= ? AND start_ts < ? ORDER BY id", (lo, hi)):
            self._expect_lawyer(get_booking(self.db, self.clock, row["id"]))

    def _schedule_authority(self, day: date) -> None:
        for row in self.db.query("SELECT id, presented_at FROM meeting_requests"
                                 " WHERE state = 'awaiting_permission' ORDER BY id"):
            rng = random.Random(f"{self.seed}:permission:{row['id']}")
            presented = parse_iso(row["presented_at"], self.settings.zone)
            if presented.date() + timedelta(days=rng.choice((1, 2, 2, 3))) <= day:
                self._at(local_time(day, rng.uniform(9, 16), self.settings.zone),
                         self._authority_decides, row["id"], rng)

    def _schedule_returns(self, day: date) -> None:
        """Lawyers told that permission was granted come back (P2); not a lawyer who lost
        the slot by being late and left (B10/C7)."""
        for row in self.db.query(
                "SELECT r.id FROM meeting_requests r WHERE r.state = 'open' AND NOT EXISTS"
                " (SELECT 1 FROM bookings b WHERE b.request_id = r.id"
                " AND b.state IN ('booked', 'arrived', 'in_progress', 'released_late'))"
                " ORDER BY r.id"):
            self._at(local_time(day, self._rng.uniform(8.5, 11), self.settings.zone),
                     self._serve, row["id"])

    def _schedule_arrivals(self, day: date) -> None:
        """The arrivals model's times for the day (see simulation.arrivals)."""
        for when in sorted(self.arrivals.times(day, self._rng, self._calendar().day(day))):
            self._at(when, self._arrive)

    # --- people -----------------------------------------------------------------------------

    def _choose_defence(self) -> Defence | None:
        p, rng, pop = self.profile, self._rng, self.population
        draw = rng.random()
        pool = (pop.flawed if draw < p.refusal_rate
                else pop.national_security if draw < p.refusal_rate + p.national_security_rate
                else pop.defences)
        for _ in range(20):
            defence = pool[rng.randrange(len(pool))]
            if defence.flaw or defence.pair not in self._busy:
                return defence
        return None

    def _arrive(self) -> None:
        defence = self._choose_defence()
        if defence is None:
            return
        self.counts["arrivals"] += 1
        result = verify_documents(self.db, self.clock, self.officer, defence.presentation())
        if not result.passed:
            return
        self._busy.add(defence.pair)
        if result.request.state == "open":
            self._serve(result.request.id)
        # awaiting permission: the authority decides on a later day (_schedule_authority)

    def _authority_decides(self, request_id: int, rng: random.Random) -> None:
        granted = rng.random() >= self.profile.permission_denied_rate
        year = self.clock.now().year
        reference = (f"沪国安许〔{year}〕{request_id}号" if granted
                     else f"沪国安不许〔{year}〕{request_id}号")
        row = record_permission(self.db, self.clock, self.officer, request_id, granted, reference)
        if not granted:
            self._busy.discard((row["cert_no"], row["roster_no"]))
            return
        back = self.clock.now() + timedelta(hours=rng.uniform(1, 3))
        if back.hour < 16:  # told at once; comes back today, otherwise tomorrow
            self._at(back, self._serve, request_id)

    def _length(self) -> int:
        lengths = self.profile.lengths
        return self._rng.choices([n for n, _ in lengths], [w for _, w in lengths])[0]

    def _duty_day(self, deadline: datetime, length: int) -> bool:
        """B2, the warden's last levers: the request is at risk (no meeting room, no
        interrogation room the lawyer consents to, no video terminal before its deadline).
        When the coming Sunday (Sunday switch off) or a public holiday lies before the
        deadline, the warden opens it as a duty session with the Sunday hours; True when
        one was added."""
        now = self.clock.now()
        calendar = self._calendar()
        day = now.date()
        span = timedelta(minutes=length)
        while datetime.combine(day, time(0), self.settings.zone) < deadline:
            hours = calendar.day(day)
            if not hours.is_open and hours.reason in ("sunday_closed", "holiday"):
                sessions = [(datetime.combine(day, s, self.settings.zone),
                             datetime.combine(day, e, self.settings.zone))
                            for s, e in self._duty_sessions]
                if any(max(s, now) + span <= e and max(s, now) < deadline
                       for s, e in sessions):
                    add_duty_session(self.db, self.clock, self.officer, day,
                                     [f"{s:%H:%M}-{e:%H:%M}" for s, e in self._duty_sessions])
                    lever = "sunday_duty" if hours.reason == "sunday_closed" else "holiday_duty"
                    self.counts[lever] += 1
                    return True
            day += timedelta(days=1)
        return False

    @property
    def _duty_sessions(self) -> list[tuple[time, time]]:
        return sorted(parse_session(s) for s in self.settings.hours.sunday)

    def _serve(self, request_id: int, late_lawyer: bool = False) -> None:
        """At the desk with a verified request: offers, the lawyer's choice, the booking.
        Nobody is turned away: with nothing free before the deadline the officer books the
        earliest time after it with the true reason (C3/C4: a breach). A lawyer who lost
        the slot by being late (B10) and finds nothing before the deadline leaves (C7:
        lapsed by the lawyer)."""
        if not late_lawyer and self._rng.random() < self.profile.cancel_rate:
            cancel_request(self.db, self.clock, self.officer, request_id)  # the lawyer's own
            self._free_request(request_id)
            return
        length = self._length()
        wants_video = self._rng.random() < self.profile.video_rate
        choice = self._choose_offer(request_id, length, wants_video)
        if choice is None or (late_lawyer and not choice[0].before_deadline):
            self.counts["lapsed" if late_lawyer else "not_booked"] += 1
            return  # open: the report shows it (lapsed by the lawyer, or not booked)
        offer, reason, consent = choice
        try:
            booking = book(self.db, self.clock, self.settings, self.officer, request_id,
                           offer.room_id, offer.start, length, delay_reason=reason,
                           consent_signed=consent,
                           priority=self._rng.random() < self.profile.priority_rate)
        except DomainError as exc:  # not expected with one desk: counted, so a fault shows
            self.unexpected[exc.rule] += 1
            return
        if booking.immediate:
            self._lawyer_in(booking.id)
        elif booking.start.date() == self.clock.now().date():
            self._expect_lawyer(booking)
        # later days: picked up by _schedule_booked_lawyers on the day

    def _free_request(self, request_id: int) -> None:
        row = one(self.db, "SELECT cert_no, roster_no FROM meeting_requests WHERE id = ?",
                  (request_id,))
        self._busy.discard((row["cert_no"], row["roster_no"]))

    def _reason_now(self, length: int) -> str:
        """C3: the reason the desk suggests for a meeting of `length` minutes that is not now
        (booking's rule, meetings.suggested_delay_reason: all rooms busy when it would fit
        in a session open now, otherwise outside opening hours)."""
        return suggested_delay_reason(self._calendar(), self.clock.now(), length)

    def _choose_offer(self, request_id: int, length: int, wants_video: bool,
                      levers_left: int = 3) -> tuple[Offer, str, bool] | None:
        """What is booked, with its delay reason and the consent: most lawyers take the
        earliest meeting room; some take an earlier interrogation room with consent (B5/B6);
        a few choose a later day (C4: deferred), or the detainee is away at the offered time
        (a later time with that reason). With no meeting room before the deadline the
        warden's levers come in order: an interrogation room with consent, the video
        terminal, a Sunday or holiday duty session; after them, the earliest time after
        the deadline with the true reason."""
        p, rng = self.profile, self._rng
        offers = offer_slots(self.db, self.clock, self.settings, request_id, length,
                             wants_video)
        by_kind = {o.room_kind: o for o in offers.offers}
        meeting, interrogation = by_kind.get("meeting"), by_kind.get("interrogation")
        video = by_kind.get("video")
        if video and video.before_deadline:  # the lawyer asked for video (B1)
            return video, self._reason_now(length), False
        consents = rng.random() < p.interrogation_consent_rate
        if interrogation and interrogation.before_deadline and consents:
            if not (meeting and meeting.before_deadline):
                self.counts["interrogation"] += 1  # the first lever
            return interrogation, self._reason_now(length), True
        if meeting and meeting.before_deadline:
            return self._meeting_choice(offers, meeting)
        # At risk: nothing in a meeting room before the deadline, interrogation declined.
        if not wants_video and rng.random() < p.video_accept_rate:
            seen = offer_slots(self.db, self.clock, self.settings, request_id, length, True)
            video = next((o for o in seen.offers if o.room_kind == "video"), None)
            if video and video.before_deadline:
                self.counts["video"] += 1
                return video, self._reason_now(length), False
        if levers_left and self.duty_sessions_on_demand and \
                self._duty_day(offers.deadline, length):
            return self._choose_offer(request_id, length, wants_video, levers_left - 1)
        after = [o for o in (meeting, interrogation if consents else None) if o is not None]
        if not after:
            return None
        first = min(after, key=lambda o: o.start)
        return first, "rooms_busy", first.room_kind == "interrogation"

    def _meeting_choice(self, offers: Offers, meeting: Offer) -> tuple[Offer, str, bool]:
        p, rng = self.profile, self._rng
        draw = rng.random()
        if draw < p.later_choice_rate:
            later = self._later_offer(offers.request_id, offers.length_minutes,
                                      meeting.start + timedelta(days=rng.choice((1, 2, 3))))
            if later is not None:
                return later, "lawyer_choice", False
        elif draw < p.later_choice_rate + p.detainee_away_rate:
            later = self._later_offer(offers.request_id, offers.length_minutes,
                                      meeting.start + timedelta(hours=rng.uniform(2, 5)))
            if later is not None:  # after the deadline too: a breach with that reason
                return later, rng.choice(("in_court", "being_questioned", "in_hospital",
                                          "in_transit")), False
        return meeting, self._reason_now(offers.length_minutes), False

    def _later_offer(self, request_id: int, length: int, not_before: datetime) -> Offer | None:
        """The earliest meeting-room time from not_before: offers seen from a clock set there."""
        grid = timedelta(minutes=self.settings.meetings.grid_minutes)
        base = not_before.replace(minute=0, second=0, microsecond=0)
        start = base + -((base - not_before) // grid) * grid
        seen = offer_slots(self.db, FixedClock(start, self.settings.zone), self.settings,
                           request_id, length)
        return next((o for o in seen.offers if o.room_kind == "meeting"), None)

    def _expect_lawyer(self, booking: Booking) -> None:
        """A booked lawyer comes a little early, more than the limit late, or not at all."""
        rng = random.Random(f"{self.seed}:booking:{booking.id}")
        draw = rng.random()
        p = self.profile
        if draw < p.no_show_rate:
            wait = self.settings.meetings.late_minutes + 15
            self._at(booking.start + timedelta(minutes=wait), self._no_show, booking.id)
        elif draw < p.no_show_rate + p.late_rate:
            late = self.settings.meetings.late_minutes + rng.randint(1, 45)
            self._at(booking.start + timedelta(minutes=late), self._late, booking.id)
        else:
            early = rng.randint(0, 25)
            self._at(max(booking.start - timedelta(minutes=early), self.clock.now()),
                     self._lawyer_in, booking.id)

    def _lawyer_in(self, booking_id: int) -> None:
        booking = check_in(self.db, self.clock, self.settings, self.officer, booking_id)
        rng = random.Random(f"{self.seed}:meeting:{booking_id}")
        if rng.random() < self.profile.assistant_rate:
            self._add_assistant(booking, rng)
        delay = rng.randint(1, 12) if rng.random() < 0.15 else 0  # detainee brought late
        begin = max(booking.start, self.clock.now()) + timedelta(minutes=delay)
        self._at(begin, self._start, booking_id, rng)

    def _add_assistant(self, booking: Booking, rng: random.Random) -> None:
        trainee = (f"31{rng.choice(('01', '04', '15'))}{rng.randint(20, 25)}"
                   f"{rng.randint(1, 12):02d}{rng.choice('12')}{rng.choice('12')}"
                   f"{rng.randint(1, 9999):04d}")
        request = one(self.db, "SELECT firm_code FROM meeting_requests WHERE id = ?",
                      (booking.request_id,))
        assistant_id = add_assistant(self.db, self.clock, self.officer, booking.id,
                                     person_name(rng), request["firm_code"], "trainee", trainee)
        if rng.random() < 0.85:  # the case unit confirms; otherwise the lawyer meets alone
            confirm_assistant(self.db, self.clock, self.officer, assistant_id,
                              f"核实〔{self.clock.now().year}〕{assistant_id}号")

    def _start(self, booking_id: int, rng: random.Random) -> None:
        booking = start_meeting(self.db, self.clock, self.settings, self.officer, booking_id,
                                devices_off_confirmed=True)  # B5/B9: interrogation rooms, video
        # Meetings end by the booked end (the next lawyer has the room), at least 20 min long.
        done = booking.end - timedelta(minutes=rng.randint(0, 15))
        self._at(max(done, self.clock.now() + timedelta(minutes=20)), self._end, booking_id)

    def _end(self, booking_id: int) -> None:
        booking = end_meeting(self.db, self.clock, self.officer, booking_id)
        self._busy.discard((booking.cert_no, booking.roster_no))

    def _no_show(self, booking_id: int) -> None:
        booking = close_without_meeting(self.db, self.clock, self.officer, booking_id, "no_show")
        self._busy.discard((booking.cert_no, booking.roster_no))

    def _late(self, booking_id: int) -> None:
        """B10: the slot is lost; the lawyer is booked again by the same rules."""
        booking = get_booking(self.db, self.clock, booking_id)
        release_late(self.db, self.clock, self.settings, self.officer, booking_id)
        self.counts["released_late"] += 1
        self._serve(booking.request_id, late_lawyer=True)

    # --- the whole run ----------------------------------------------------------------------

    def breaches_by_reason(self, lo: str, hi: str) -> dict[str, int]:
        """C4: the breached requests presented from lo to hi by the delay reason of the
        booking whose late start made them breaches ('none' would be a fault)."""
        return {r["reason"]: r["n"] for r in self.db.query(
            "SELECT COALESCE(b.delay_reason, 'none') AS reason, count(*) AS n"
            " FROM meeting_requests r JOIN bookings b ON b.request_id = r.id"
            " AND b.state = 'done' WHERE r.state = 'breached' AND r.presented_at >= ?"
            " AND r.presented_at < ? GROUP BY reason ORDER BY n DESC, reason", (lo, hi))}

    def summary(self, first_day: date, last_day: date, wall_seconds: float) -> Summary:
        zone = self.settings.zone
        lo = iso(datetime.combine(first_day, time(0), zone))
        hi = iso(datetime.combine(last_day + timedelta(days=1), time(0), zone))
        states = {r["state"]: r["n"] for r in self.db.query(
            "SELECT state, count(*) AS n FROM meeting_requests WHERE presented_at >= ?"
            " AND presented_at < ? GROUP BY state ORDER BY state", (lo, hi))}
        refused = self.db.execute("SELECT count(*) FROM refusals WHERE at >= ? AND at < ?",
                                  (lo, hi)).fetchone()[0]
        bookings = self.db.execute("SELECT count(*) FROM bookings WHERE booked_at >= ?"
                                   " AND booked_at < ?", (lo, hi)).fetchone()[0]
        return Summary(
            first_day=first_day, last_day=last_day, arrivals=self.counts["arrivals"],
            requests=sum(states.values()), met=states.get("met", 0),
            breached=states.get("breached", 0),
            deferred_by_lawyer=states.get("deferred_by_lawyer", 0),
            no_show=states.get("no_show", 0), cancelled=states.get("cancelled", 0),
            permission_denied=states.get("permission_denied", 0),
            still_open=sum(states.get(s, 0) for s in ("open", "booked", "awaiting_permission")),
            refused=refused, bookings=bookings, released_late=self.counts["released_late"],
            lapsed=self.counts["lapsed"], not_booked=self.counts["not_booked"],
            wall_seconds=wall_seconds, by_state=states,
            breaches_by_reason=self.breaches_by_reason(lo, hi),
            levers={key: self.counts[key] for key in LEVERS},
            unexpected_refusals=dict(self.unexpected))


def simulate(db: Database, settings: Settings, seed: int, days: int, start: date | None = None,
             profile: Profile | None = None,
             on_day: Callable[[date], None] | None = None) -> Summary:
    """Simulate `days` days from `start` (default: the day after the last simulated day, or
    1 January 2026 on a new database). Raises SimulationError when the database is not
    the simulator's own."""
    began = wallclock.perf_counter()
    simulator = Simulator(db, settings, seed, profile)
    last = simulator.last_simulated_day()
    first = start or (last + timedelta(days=1) if last else DEFAULT_START)
    simulator.prepare(first)
    for n in range(days):
        day = first + timedelta(days=n)
        simulator.run_day(day)
        if on_day is not None:
            on_day(day)
    return simulator.summary(first, first + timedelta(days=days - 1),
                             wallclock.perf_counter() - began)

