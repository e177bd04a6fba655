"""`python -m bench.desk_actions`: each desk action measured in the app, key press to screen
updated (issue 13), on five years of a busy centre.

The database is bench/audit_verify.py's five years (313,200 requests, bookings and tickets,
626,401 audit entries, built once and cached under var/bench/), copied, with the demo's
registers imported into it (its lawyers and detainees, so the README's lawyer can be checked)
and the config's rooms. The kiosk's own app runs headless (Textual's pilot) on the copy, an
officer signed in, the clock on a Tuesday morning after the five years. Each round:

- verify: Ctrl+S on the filled form of the README's lawyer, to the result shown (V1-V10);
- offers: F3, to the offers table (B6);
- book: Enter on the first offer ("now", the lawyer at the desk), to the queue number (C2, T1);
- meeting: Ctrl+O, to the meeting desk of that booking;
- watch list: F4; day view: F5 (each switches screens, F-keys never stack);
- scan: F7, then a booking code for today typed and Enter, to the queue ticket (Q2-Q4).

Each time is from the key press to the app idle with the new screen composed and rendered
(`pilot.press` waits for that, then one more refresh is rendered), so the pilot's own work is
inside: the numbers are an upper bound of what the officer waits. Printing is recorded, not
sent (the printer is the printing module's business, measured in "scan → ticket bytes").
Between rounds the booking is closed as cancelled by the lawyer (not timed) so the next round
can book again.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "kiosk.toml"
ACTIONS = ("verify", "offers", "book", "meeting", "watch list", "day view", "scan")
BUDGET_MS = 50.0
# The README's lawyer and his client (booking/demo_data).
FORM = {"cert-no": "13101200910123456", "firm-code": "3131010142QXJNP17A",
        "letter-lawyer": "王建国", "letter-detainee": "李四", "roster-no": "2026001",
        "poa-signed-by": "李四"}


def _prepared(source: Path, config: Path) -> Path:
    """The five-year database with the demo's registers and the config's rooms, migrated to
    this schema: built once per schema, config and demo data, kept beside the source."""
    from importlib import resources

    from booking.demo import DEMO_FILES
    from booking.imports import import_file
    from booking.rooms import sync_rooms
    from booking.settings import load_settings
    from booking.storage import open_database

    data = resources.files("booking") / "demo_data"
    key = hashlib.sha256()
    for part in (ROOT / "booking" / "storage.py", config,
                 *(data / name for _kind, name in DEMO_FILES)):
        key.update(Path(str(part)).read_bytes())
    path = source.with_name(f"desk-{source.stem}-{key.hexdigest()[:12]}.db")
    if path.exists():
        return path
    for old in source.parent.glob(f"desk-{source.stem}-*"):
        old.unlink()
    building = path.with_suffix(".building")
    shutil.copyfile(source, building)
    shutil.copyfile(str(source) + ".anchors", str(building) + ".anchors")
    db = open_database(building, key_folder=source.parent / "keys")
    try:
        clock = _clock()
        sync_rooms(db, clock, "bench", load_settings(config).rooms)
        for kind, name in DEMO_FILES:
            with resources.as_file(data / name) as file:
                import_file(db, clock, "bench", kind, file)
    finally:
        db.conn.close()
    os.replace(str(building) + ".anchors", str(path) + ".anchors")
    os.replace(building, path)
    return path


def _clock():
    from booking.clock import SHANGHAI, FixedClock

    return FixedClock(datetime(2026, 1, 6, 9, 30, tzinfo=SHANGHAI))  # a Tuesday after


def prepare(source: Path, folder: Path, config: Path):
    """A copy of the prepared five-year database in folder, opened; its settings and clock."""
    from booking.settings import load_settings
    from booking.storage import open_database

    prepared = _prepared(source, config)
    settings = load_settings(config)
    settings = settings.model_copy(update={
        "printer": settings.printer.model_copy(update={"folder": str(folder / "printer")}),
        "qr": settings.qr.model_copy(update={"key_folder": str(folder / "keys")})})
    copy = folder / "desk.db"
    shutil.copyfile(prepared, copy)
    shutil.copyfile(str(prepared) + ".anchors", str(copy) + ".anchors")
    shutil.copytree(source.parent / "keys", folder / "keys")
    (folder / "keys").chmod(0o700)
    return settings, open_database(copy, key_folder=folder / "keys"), _clock()


async def _rounds(settings, db, clock, rounds: int) -> dict[str, list[float]]:
    from textual.widgets import Input, Select

    from booking.desk import Desk
    from booking.models import StaffMember
    from kiosk.app import KioskApp
    from kiosk.screens.meeting import MeetingScreen
    from kiosk.screens.offers import OffersScreen

    app = KioskApp(settings, db, clock)
    app.print_booking = lambda booking_id: None  # recorded by the ticket rows, not sent
    times: dict[str, list[float]] = {action: [] for action in ACTIONS}
    desk = Desk(db, clock, settings, "1001")
    async with app.run_test(size=(120, 40)) as pilot:

        async def timed(action: str, *keys: str) -> None:
            began = time.perf_counter()
            await pilot.press(*keys)
            await pilot.pause()
            app.screen._compositor.render_update(full=True)  # the frame the terminal gets
            times[action].append(time.perf_counter() - began)

        await pilot.pause()
        app.start_shift(StaffMember(staff_no="1001", name="陈警官", role="officer"))
        await pilot.pause()
        for _ in range(rounds):
            app.go_home()
            await pilot.pause()
            screen = app.screen
            screen.query_one("#poa-relation", Select).value = "self"
            for field, text in FORM.items():
                screen.query_one(f"#{field}", Input).value = text
            await pilot.pause()
            await timed("verify", "ctrl+s")
            await timed("offers", "f3")
            assert isinstance(app.screen, OffersScreen), app.screen
            await timed("book", "enter")
            booking = app.screen.booking
            assert booking is not None, app.screen.notice.text
            await timed("meeting", "ctrl+o")
            assert isinstance(app.screen, MeetingScreen), app.screen
            await timed("watch list", "f4")
            await timed("day view", "f5")
            code = desk.ticket_data(booking.id).qr_code
            await pilot.press("f7")
            await pilot.pause()
            app.screen.query_one("#scan-code", Input).value = code
            await timed("scan", "enter")
            desk.close_without_meeting(booking.id, "cancelled")
    return times


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(source: Path, rounds: int = 12, config: Path = CONFIG) -> dict[str, dict]:
    """{action: {"p50": s, "p95": s, "n": runs}}; the first round (imports, first compose)
    is measured but left out of the figures."""
    with tempfile.TemporaryDirectory() as folder:
        settings, db, clock = prepare(source, Path(folder), config)
        try:
            times = asyncio.run(_rounds(settings, db, clock, rounds + 1))
        finally:
            db.conn.close()
    return {action: {"p50": statistics.median(values[1:]), "p95": _percentile(values[1:], .95),
                     "n": len(values) - 1} for action, values in times.items()}


def rows(result: dict[str, dict]) -> list[tuple[str, str]]:
    return [(f"desk: {action}", f"p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms"
             f" ({r['n']} key presses; budget p95 {BUDGET_MS:.0f} ms"
             f"{'' if r['p95'] * 1000 < BUDGET_MS else ': OVER'})")
            for action, r in result.items()]


def main(argv: list[str] | None = None) -> int:
    from bench import audit_verify

    parser = argparse.ArgumentParser(prog="python -m bench.desk_actions", description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args(argv)
    source = audit_verify.history(args.years, 200)
    for name, text in rows(measure(source, args.rounds)):
        print(f"{name:24} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
