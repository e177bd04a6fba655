"""A synthetic registry made from a seed: valid-looking lawyers (V2), law firms (V3),
detainees (V3 identity numbers), aid letters, and who defends whom, with flawed
presentations of each kind that verification must refuse. Written as the CSV files the
justice bureau, the roster and the aid centre would send (loaded with booking's
import_file)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from stdnum.cn import ric, uscc

from booking.identifiers import resident_id
from booking.models import Presentation

REGISTER_FILE = "simulated-{kind}-seed{seed}.csv"  # the name shows up in the import's audit entry

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


def person_name(rng: random.Random) -> str:
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
        lawyer = {"cert_no": cert_no, "name": person_name(rng), "firm_name": firm["name"],
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
        detainee = {"roster_no": f"{3100000 + serial}", "name": person_name(rng),
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
        return Defence(basis="power_of_attorney", signed_by=person_name(self.rng),
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

