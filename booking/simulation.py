"""A busy centre's days played through the real use cases with a fixed clock (`kiosk simulate`):
history for reports and benchmarks, and a load test of the domain.

Nothing here writes to requests or bookings itself: lawyers present documents
(verify_documents), get offers and are booked (offer_slots, book), come, are late or stay
away (check_in, release_late, close_without_meeting), meet (start_meeting, end_meeting);
the investigating authority decides (record_permission); assistants are added and
confirmed. The registers are synthetic, made from the seed, and loaded with import_file.

Determinism: every random choice comes from a `random.Random` seeded with the seed and
a date, booking or request id, and events run in time order, so the same seed and
days give the same database, audit hashes included (the clock is fixed). Each day is
rebuilt from the database at its start, so a run continued later gives the same result
as one long run.
"""

from __future__ import annotations

import csv
import heapq
import random
import tempfile
import time as wallclock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlite_utils import Database
from stdnum.cn import ric, uscc

from . import audit
from .assistants import add_assistant, confirm_assistant
from .calendar import OpeningCalendar, add_duty_session
from .clock import FixedClock, iso, parse_iso
from .errors import DomainError
from .identifiers import resident_id
from .imports import import_file
from .meetings import (
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
)
from .models import Presentation
from .permission import record_permission
from .rooms import sync_rooms
from .settings import Settings, parse_session
from .staff import add_staff
from .storage import one, transaction
from .verification import verify_documents

SIM_ACTOR = "simulate"
SIM_OFFICER = ("8001", "模拟民警", "802468")  # staff_no, name, PIN: one account, hashed once
DEFAULT_START = date(2026, 1, 1)
REGISTER_FILE = "simulated-{kind}-seed{seed}.csv"  # the name shows up in the import's audit entry


class SimulationError(Exception):
    """The simulator cannot run against this database (message in zh and en)."""


@dataclass(frozen=True)
class Profile:
    """How busy the simulated centre is and how its visitors behave (rates per arrival
    unless said otherwise)."""

    # A busy city centre with the rooms of config/kiosk.toml (4 meeting rooms, 2
    # interrogation rooms, a video terminal: about 26 meetings a weekday in the meeting
    # rooms): 36 lawyers on an ordinary weekday fill the meeting rooms, the queue spills
    # into the next day, the interrogation rooms and the video terminal are used, the
    # warden opens a Sunday now and then and duty sessions over long holidays, and the
    # days around a long holiday bring breaches (rooms busy). From about 40 a day that
    # centre is overloaded: most requests breach.
    arrivals: float = 36.0  # mean arrivals on an ordinary open weekday
    monday_factor: float = 1.1
    saturday_factor: float = 1.3  # Saturday is the busiest day
    closed_day_factor: float = 0.03  # walk-ins on Sundays and holidays
    refusal_rate: float = 0.05  # documents that fail (suspended, terminated aid letter, ...)
    national_security_rate: float = 0.02
    permission_denied_rate: float = 0.1  # per national-security request
    interrogation_consent_rate: float = 0.85  # lawyers who sign for an earlier interrogation room
    later_choice_rate: float = 0.04  # lawyers who choose a later day than offered
    detainee_away_rate: float = 0.03  # detainee in court, questioned, ... at the offered time
    no_show_rate: float = 0.03  # per booking
    late_rate: float = 0.04  # per booking: more than the late limit late
    assistant_rate: float = 0.08  # per meeting
    video_rate: float = 0.02  # lawyers who ask for a video meeting
    video_accept_rate: float = 0.5  # lawyers who take the video terminal when no room is in time
    cancel_rate: float = 0.01  # lawyers who withdraw a request of their own accord
    priority_rate: float = 0.02
    lengths: tuple[tuple[int, float], ...] = ((45, 0.25), (60, 0.5), (90, 0.25))


# --- a synthetic registry -------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红亮宁浩文斌波宇晨欣怡然"
FIRM_WORDS = "申正明律浦江华政天衡金诚锦天城通力君合中伦大成汇业建纬协力海华永嘉瑞恒德信"
DISTRICTS = (("310101", "黄浦"), ("310104", "徐汇"), ("310105", "长宁"), ("310106", "静安"),
             ("310107", "普陀"), ("310109", "虹口"), ("310110", "杨浦"), ("310112", "闵行"),
             ("310113", "宝山"), ("310114", "嘉定"), ("310115", "浦东新区"), ("310117", "松江"))
CHARGES = (("fraud", 0.22), ("theft", 0.2), ("drug_trafficking", 0.12), ("assault", 0.1),
           ("robbery", 0.06), ("illegal_fundraising", 0.1), ("dangerous_driving", 0.1),
           ("bribery", 0.1))
STAGES = (("investigation", 0.45), ("prosecution", 0.3), ("trial", 0.25))
RELATIVES = ("spouse", "parent", "child", "sibling")
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 (V3)
FLAWS = ("suspended_lawyer", "inactive_aid_letter", "wrong_firm", "detainee_gone")


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@dataclass(frozen=True)
class Defence:
    """What a lawyer presents for one detainee; `flaw` names what will make it fail."""

    cert_no: str
    lawyer_name: str
    firm_code: str
    roster_no: str
    detainee_name: str
    basis: str
    signed_by: str = ""
    relation: str = ""
    letter_no: str = ""
    flaw: str = ""

    def presentation(self) -> Presentation:
        return Presentation(
            cert_no=self.cert_no, letter_firm_code=self.firm_code,
            letter_lawyer_name=self.lawyer_name, letter_detainee_name=self.detainee_name,
            roster_no=self.roster_no, basis=self.basis, poa_signed_by=self.signed_by,
            poa_relation=self.relation, aid_letter_no=self.letter_no)

    @property
    def pair(self) -> tuple[str, str]:
        return self.cert_no, self.roster_no


class RegistryMaker:
    """Valid-looking register rows (V2 certificate numbers, V3 credit codes and ID numbers),
    made in a fixed order from one random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.firms: list[dict] = []
        self.lawyers: list[dict] = []
        self.detainees: list[dict] = []
        self.aid_letters: list[dict] = []

    def firm(self) -> dict:
        rng = self.rng
        district, district_name = rng.choice(DISTRICTS)
        body = "31" + district + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
        firm = {"code": body + uscc.calc_check_digit(body),
                "name": f"上海{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_WORDS)}律师事务所"
                        f"（{district_name}）{len(self.firms) + 1}所"}
        self.firms.append(firm)
        return firm

    def lawyer(self, firm: dict, status: str = "active") -> dict:
        rng = self.rng
        serial = len(self.lawyers) + 1
        cert_no = f"131{rng.choice(('01', '04', '05', '15'))}{rng.randint(1995, 2024)}1{serial:07d}"
        lawyer = {"cert_no": cert_no, "name": _person_name(rng), "firm_name": firm["name"],
                  "firm_code": firm["code"], "status": status,
                  "assessed_year": rng.choice((2024, 2025))}
        self.lawyers.append(lawyer)
        return lawyer

    def _id_no(self) -> str:
        rng = self.rng
        while True:
            born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 38))
            body = f"{rng.choice(DISTRICTS)[0]}{born:%Y%m%d}{rng.randrange(1000):03d}"
            number = body + ric.calc_check_digit(body + "0")  # it wants a check digit slot
            if resident_id(number).ok:
                return number

    def detainee(self, charge: str | None = None, stage: str | None = None,
                 status: str = "in_custody") -> dict:
        rng = self.rng
        serial = len(self.detainees) + 1
        district = rng.choice(DISTRICTS)[1]
        charge = charge or _pick(rng, CHARGES)
        stage = stage or _pick(rng, STAGES)
        unit = {"investigation": f"上海市公安局{district}分局",
                "prosecution": f"上海市{district}人民检察院",
                "trial": f"上海市{district}人民法院"}[stage]
        if charge in ("national_security", "terrorism") and stage == "investigation":
            unit = "上海市国家安全局"
        detainee = {"roster_no": f"{3100000 + serial}", "name": _person_name(rng),
                    "id_no": self._id_no(), "case_no": f"沪公({district[:2]})刑侦字〔2025〕{serial}号",
                    "charge_category": charge, "stage": stage, "case_unit": unit,
                    "status": status}
        self.detainees.append(detainee)
        return detainee

    def aid_letter(self, lawyer: dict, detainee: dict, status: str = "active") -> dict:
        rng = self.rng
        district = rng.choice(DISTRICTS)[1]
        letter = {"letter_no": f"SHFY2025-{len(self.aid_letters) + 1:05d}",
                  "centre": f"上海市{district}法律援助中心", "cert_no": lawyer["cert_no"],
                  "roster_no": detainee["roster_no"], "stage": detainee["stage"],
                  "issued_on": (date(2025, 6, 1) + timedelta(days=rng.randrange(200))).isoformat(),
                  "status": status}
        self.aid_letters.append(letter)
        return letter

    def defence(self, lawyer: dict, detainee: dict, aid: bool, flaw: str = "") -> Defence:
        """A defence by power of attorney (signed by the detainee or a relative) or by an
        aid letter, which is made here too."""
        common = dict(cert_no=lawyer["cert_no"], lawyer_name=lawyer["name"],
                      firm_code=lawyer["firm_code"], roster_no=detainee["roster_no"],
                      detainee_name=detainee["name"], flaw=flaw)
        if aid:
            status = self.rng.choice(("terminated", "reassigned")) if flaw else "active"
            letter = self.aid_letter(lawyer, detainee, status)
            return Defence(basis="aid_letter", letter_no=letter["letter_no"], **common)
        if self.rng.random() < 0.6:
            return Defence(basis="power_of_attorney", signed_by=detainee["name"],
                           relation="self", **common)
        return Defence(basis="power_of_attorney", signed_by=_person_name(self.rng),
                       relation=self.rng.choice(RELATIVES), **common)

    def write_csv(self, folder: Path, seed: int) -> dict[str, Path]:
        """The registers as the justice bureau, the roster and the aid centre would send
        them; file names carry the seed (it is kept in the imports' audit entries). Empty
        registers are left out."""
        paths = {}
        for kind, rows in (("lawyers", self.lawyers), ("detainees", self.detainees),
                           ("aid-letters", self.aid_letters)):
            if not rows:
                continue
            path = folder / REGISTER_FILE.format(kind=kind, seed=seed)
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            paths[kind] = path
        return paths


@dataclass
class Population:
    """The registers and who may (or will try to) meet whom."""

    maker: RegistryMaker
    defences: list[Defence]  # ordinary cases
    national_security: list[Defence]  # P1: permission needed
    flawed: list[Defence]  # presentations that are refused


def make_population(seed: int, lawyers: int = 400, firms: int = 40,
                    detainees: int = 1500) -> Population:
    """A deterministic registry: lawyers in firms (3% suspended or revoked), detainees with
    one or two defence lawyers each, aid letters, national-security cases, and flawed
    presentations of each kind."""
    maker = RegistryMaker(random.Random(f"{seed}:registry"))
    rng = maker.rng
    firm_rows = [maker.firm() for _ in range(firms)]
    active, barred = [], []
    for n in range(lawyers):
        status = "active" if n % 33 else rng.choice(("suspended", "revoked"))
        lawyer = maker.lawyer(firm_rows[n % firms], status)
        (active if status == "active" else barred).append(lawyer)
    national_count = max(1, detainees // 40)
    gone_count = max(1, detainees // 60)
    defences, national, flawed = [], [], []
    for n in range(detainees):
        if n < national_count:
            detainee = maker.detainee(rng.choice(("national_security", "terrorism")),
                                      "investigation")
            national.append(maker.defence(rng.choice(active), detainee, aid=False))
            continue
        if n < national_count + gone_count:
            detainee = maker.detainee(status=rng.choice(("released", "transferred")))
            flawed.append(maker.defence(rng.choice(active), detainee, aid=False,
                                        flaw="detainee_gone"))
            continue
        detainee = maker.detainee()
        counsel = rng.sample(active, 2 if rng.random() < 0.3 else 1)
        for lawyer in counsel:
            defences.append(maker.defence(lawyer, detainee, aid=rng.random() < 0.2))
    # Flawed presentations of the other kinds, against ordinary detainees.
    for n in range(max(4, detainees // 30)):
        victim = defences[rng.randrange(len(defences))]
        detainee = next(d for d in maker.detainees if d["roster_no"] == victim.roster_no)
        kind = FLAWS[n % 3]
        if kind == "suspended_lawyer":
            flawed.append(maker.defence(rng.choice(barred), detainee, aid=False, flaw=kind))
        elif kind == "inactive_aid_letter":
            flawed.append(maker.defence(rng.choice(active), detainee, aid=True, flaw=kind))
        else:
            other = rng.choice([f for f in firm_rows if f["code"] != victim.firm_code])
            flawed.append(replace(victim, firm_code=other["code"], flaw=kind))
    return Population(maker, defences, national, flawed)


# --- the run --------------------------------------------------------------------------------

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


def _local(day: date, hours: float, zone) -> datetime:
    minutes = round(hours * 60)
    return datetime.combine(day, time(0), zone) + timedelta(minutes=minutes)


class Simulator:
    """Runs simulated days against one database. Use `prepare()` once, then `run_day`."""

    def __init__(self, db: Database, settings: Settings, seed: int,
                 profile: Profile | None = None, population: Population | None = None):
        self.db = db
        self.settings = settings
        self.seed = seed
        self.profile = profile or Profile()
        self.population = population or make_population(seed)
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
                self._at(_local(day, rng.uniform(9, 16), self.settings.zone),
                         self._authority_decides, row["id"], rng)

    def _schedule_returns(self, day: date) -> None:
        """Lawyers told that permission was granted come back (P2); not a lawyer who lost
        the slot by being late and left (B10/C7)."""
        for row in self.db.query(
                "SELECT r.id FROM meeting_requests r WHERE r.state = 'open' AND NOT EXISTS"
                " (SELECT 1 FROM bookings b WHERE b.request_id = r.id"
                " AND b.state IN ('booked', 'arrived', 'in_progress', 'released_late'))"
                " ORDER BY r.id"):
            self._at(_local(day, self._rng.uniform(8.5, 11), self.settings.zone),
                     self._serve, row["id"])

    def _arrivals_today(self, day: date) -> int:
        p = self.profile
        hours = self._calendar().day(day)
        factor = (p.closed_day_factor if not hours.is_open
                  else p.saturday_factor if day.weekday() == 5
                  else p.monday_factor if day.weekday() == 0 else 1.0)
        mean = p.arrivals * factor
        return max(0, round(self._rng.gauss(mean, mean ** 0.5)))

    def _schedule_arrivals(self, day: date) -> None:
        zone = self.settings.zone
        times = []
        for _ in range(self._arrivals_today(day)):
            if self._rng.random() < 0.65:  # the morning rush
                hours = self._rng.triangular(7.75, 11.5, 8.75)
            else:
                hours = self._rng.triangular(12.5, 16.75, 13.5)
            times.append(_local(day, hours, zone))
        for when in sorted(times):
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

    def _reason_now(self) -> str:
        now = self.clock.now()
        open_now = any(s <= now < e for s, e in self._calendar().day(now.date()).sessions)
        return "rooms_busy" if open_now else "outside_hours"

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
            return video, self._reason_now(), False
        consents = rng.random() < p.interrogation_consent_rate
        if interrogation and interrogation.before_deadline and consents:
            if not (meeting and meeting.before_deadline):
                self.counts["interrogation"] += 1  # the first lever
            return interrogation, self._reason_now(), True
        if meeting and meeting.before_deadline:
            return self._meeting_choice(offers, meeting)
        # At risk: nothing in a meeting room before the deadline, interrogation declined.
        if not wants_video and rng.random() < p.video_accept_rate:
            seen = offer_slots(self.db, self.clock, self.settings, request_id, length, True)
            video = next((o for o in seen.offers if o.room_kind == "video"), None)
            if video and video.before_deadline:
                self.counts["video"] += 1
                return video, self._reason_now(), False
        if levers_left and self._duty_day(offers.deadline, length):
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
        return meeting, self._reason_now(), False

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
                                     _person_name(rng), request["firm_code"], "trainee", trainee)
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

