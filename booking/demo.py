"""Demo data for `kiosk demo`: registers, rooms and two accounts, made by the real use cases.

The registers are CSV files shipped in booking/demo_data/ and go through import_file,
so the demo is audited like any import. The README and UI tests rely on these values.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import timedelta
from importlib import resources
from pathlib import Path

from sqlite_utils import Database

from .clock import Clock
from .errors import DomainError
from .imports import import_file
from .models import Role
from .rooms import sync_rooms
from .settings import Settings
from .staff import add_staff
from .storage import one

DEMO_ACTOR = "demo"

Account = tuple[str, str, Role, str]  # staff_no, name, role, PIN
DEMO_OFFICER: Account = ("1001", "陈警官", "officer", "246810")
DEMO_WARDEN: Account = ("9001", "周所长", "warden", "135790")

DEMO_FILES = (("lawyers", "lawyers.csv"), ("detainees", "detainees.csv"),
              ("aid-letters", "aid_letters.csv"), ("duty-notices", "duty_notices.csv"))
# V10: the demo duty lawyer (周婷), on the duty roster from the demo's first day for DUTY_DAYS.
DEMO_DUTY_LAWYER = "13101201320891025"
DUTY_DAYS = 90
# B12: the demo fast-track detainee (马超), whose case deadline is the day after the demo starts.
DEMO_FAST_TRACK = "2026017"


def _has_staff(db: Database, staff_no: str) -> bool:
    return one(db, "SELECT 1 FROM staff WHERE staff_no = ?", (staff_no,)) is not None


def _import(db: Database, clock: Clock, kind: str, path: Path) -> None:
    report = import_file(db, clock, DEMO_ACTOR, kind, path)
    if report.errors:  # the shipped files are checked by tests; this is a packaging fault
        raise RuntimeError(f"demo file {path.name} has bad rows: {report.errors}")


def _dated_files(folder: Path, clock: Clock, roster: Path) -> list[tuple[str, Path]]:
    """The demo's files whose dates follow the day it is loaded (imported like any other):
    the duty roster (V10) and the fast-track detainee's case deadline (B12)."""
    today = clock.now().date()
    duty = folder / "duty_roster.csv"
    duty.write_text("cert_no,date\n" + "".join(
        f"{DEMO_DUTY_LAWYER},{today + timedelta(days=n)}\n" for n in range(DUTY_DAYS)),
        encoding="utf-8")
    with roster.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    fast = folder / "fast_track.csv"
    with fast.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*rows[0], "case_deadline"])
        writer.writerow([*next(r for r in rows if r[0] == DEMO_FAST_TRACK),
                         (today + timedelta(days=1)).isoformat()])
    return [("duty-roster", duty), ("detainees", fast)]


def load_demo(db: Database, clock: Clock, settings: Settings) -> bool:
    """Create the demo data; False (and nothing written) when the demo officer exists.

    The officer is added last, so a run cut short is completed by the next one
    (imports are upserts; an account that exists already is left alone).
    """
    if _has_staff(db, DEMO_OFFICER[0]):
        return False
    real = one(db, "SELECT staff_no FROM staff WHERE staff_no NOT IN (?, ?) LIMIT 1",
               (DEMO_OFFICER[0], DEMO_WARDEN[0]))
    if real:
        raise DomainError("E1", "该数据库已有正式账户，不能加入演示数据",
                          "this database has real staff accounts: demo data is only for a new"
                          " database (use --db with another file)")
    data = resources.files("booking") / "demo_data"
    for kind, name in DEMO_FILES:
        with resources.as_file(data / name) as path:
            _import(db, clock, kind, path)
    with tempfile.TemporaryDirectory() as folder, resources.as_file(
            data / "detainees.csv") as roster:
        for kind, path in _dated_files(Path(folder), clock, roster):
            _import(db, clock, kind, path)
    sync_rooms(db, clock, DEMO_ACTOR, settings.rooms)
    for staff_no, name, role, pin in (DEMO_WARDEN, DEMO_OFFICER):
        if not _has_staff(db, staff_no):
            add_staff(db, clock, DEMO_ACTOR, staff_no, name, role, pin,
                      settings.security.min_pin_length)
    return True
