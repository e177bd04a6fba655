"""A launcher for the cold-start and memory budgets of `python -m bench` (bench/budgets.py).

    python bench/first_screen.py bare
    python bench/first_screen.py floor
    python bench/first_screen.py kiosk [kiosk's global options]
    python bench/first_screen.py work --config FILE --db FILE --codes FILE --folder DIR
                                      --now TIME [--warden NO:PIN]

`bare` runs a Textual app of one Label; `floor` the same after importing sqlite_utils and
pydantic (what the kiosk needs before it can check a sign-in); `kiosk` runs the `kiosk`
command (kiosk.cli.main, as the console script does) with the given options. Each runs
headless in a terminal of SIZE: Textual's App.run is wrapped so that, once the first screen
and its widgets have processed every pending message, the whole screen is rendered as the
terminal bytes a real driver would write, one line `shown <bytes> <screen class>` goes to
file descriptor 1 and the app exits. The parent (budgets.py) times from just before it
starts this process to that line, so interpreter start, imports, the config file, the key
check and the first frame are inside.

The kiosk shows its sign-in screen before it has validated the settings and opened the
database (kiosk/startup.py): those load in a thread behind the first frame. So in `kiosk`
mode the app exits only after that thread has ended, and a second line says when:
`started ready` (a sign-in can be checked now) or `started failed`; the parent times it too.

`work` is the memory budget: the kiosk's app on a year's database, signed in as a warden,
the report screen showing the whole year, then the scan screen checking in the bookings
whose codes are in --codes (`<time> <code>` a line, the clock set to the time before each
scan), each printing its queue ticket to the file printer.

Every mode ends with `maxrss <KiB>`: the process's peak resident set size (VmHWM).
"""

from __future__ import annotations

import os
import sys

SIZE = (120, 40)  # columns, lines of the headless terminal


def _maxrss() -> None:
    """Peak resident set size of this process in KiB: VmHWM of /proc/self/status. Not
    getrusage's ru_maxrss, which on Linux keeps the parent's peak across fork and exec."""
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    _write(f"maxrss {peak}")


def _write(line: str) -> None:
    os.write(1, (line + "\n").encode())  # past Textual's capture of sys.stdout


async def _show_first_frame(pilot) -> None:
    app = pilot.app
    await pilot._wait_for_screen()
    update = app.screen._compositor.render_update(full=True)
    frame = update.render_segments(app.console) if update is not None else ""
    _write(f"shown {len(frame.encode())} {type(app.screen).__name__}")
    if os.environ.get("FIRST_SCREEN_DUMP"):
        sys.stderr.write(frame)


async def _first_frame(pilot) -> None:
    await _show_first_frame(pilot)
    pilot.app.exit()


async def _first_frame_then_started(pilot) -> None:
    """The first frame, then the end of the kiosk's start-up thread (KioskApp.started)."""
    await _show_first_frame(pilot)
    app = pilot.app
    await app.started.wait()
    _write(f"started {'ready' if app.ready else 'failed'}")
    if app.ready:
        app.exit()  # a failed start exits by itself, with its return code


def _headless(auto_pilot) -> None:
    from textual.app import App

    run = App.run

    def headless_run(self, *args, **kwargs):
        kwargs.update(headless=True, size=SIZE, auto_pilot=auto_pilot)
        return run(self, *args, **kwargs)

    App.run = headless_run


def floor() -> None:
    """The bare app in a process that has also loaded what the kiosk needs before it can
    check a sign-in: sqlite_utils and pydantic with one model built (its first model loads
    importlib.metadata to look for plugins). The kiosk loads them behind its first screen."""
    import sqlite_utils  # noqa: F401
    from pydantic import BaseModel

    class One(BaseModel):
        x: int = 1

    One()
    bare()


def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Label("Hello")

    _headless(_first_frame)
    Bare().run()
    _maxrss()


def kiosk(options: list[str]) -> None:
    _headless(_first_frame_then_started)
    from kiosk.cli import main

    main(options, prog_name="kiosk", standalone_mode=False)
    _maxrss()


def work(options: list[str]) -> None:
    """The report for the whole history and check-ins by scanning, in one kiosk process."""
    import argparse
    from datetime import date, datetime, timedelta
    from pathlib import Path

    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    parser.add_argument("--db")
    parser.add_argument("--codes", help="lines of `<ISO time of the scan> <code>`")
    parser.add_argument("--folder", help="QR keys in FOLDER/keys, the file printer in"
                        " FOLDER/printer (as bench/budgets.py signed the codes)")
    parser.add_argument("--now")
    parser.add_argument("--warden", default="9901:135790")
    args = parser.parse_args(options)
    scans = [line.split() for line in Path(args.codes).read_text(encoding="ascii").splitlines()]

    from textual.widgets import Input

    from booking.clock import FixedClock
    from booking.settings import load_settings
    from booking.staff import sign_in
    from booking.storage import open_database
    from kiosk.app import KioskApp

    settings = load_settings(args.config)
    folder = Path(args.folder)  # as bench/budgets.py's _with_folders
    settings = settings.model_copy(update={
        "qr": settings.qr.model_copy(update={"key_folder": folder / "keys"}),
        "printer": settings.printer.model_copy(update={"folder": folder / "printer"})})
    clock = FixedClock(datetime.fromisoformat(args.now), settings.zone)
    db = open_database(args.db)
    staff_no, pin = args.warden.split(":")
    checked_in = []

    async def drive(pilot) -> None:
        app = pilot.app
        await pilot._wait_for_screen()
        member = sign_in(db, clock, staff_no, pin, settings.security.max_pin_attempts)
        app.start_shift(member)  # a warden's desk is the report screen
        await pilot._wait_for_screen()
        low = db.execute("SELECT min(presented_at) FROM meeting_requests").fetchone()[0]
        screen = app.screen
        screen.query_one("#report-from", Input).value = date.fromisoformat(low[:10]).isoformat()
        screen.query_one("#report-to", Input).value = (clock.now().date()
                                                       - timedelta(days=1)).isoformat()
        screen.action_show_report()
        await pilot._wait_for_screen()
        report = screen.report
        checked_in.append(f"report {report.period_from}..{report.period_to}"
                          f" presented {report.presented}")
        app.action_open_desk("scan")
        await pilot._wait_for_screen()
        scan = app.screen
        for when, code in scans:
            clock.set(datetime.fromisoformat(when))
            scan.code_input.value = code
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot._wait_for_screen()
        checked_in.append(f"scanned {len(scans)}")
        app.exit()

    app = KioskApp(settings, db, clock)
    app.run(headless=True, size=SIZE, auto_pilot=drive)
    if app.return_code or len(checked_in) != 2:
        raise SystemExit(f"the work did not finish (return code {app.return_code})")
    tickets = db.execute("SELECT count(*), count(printed_at) FROM tickets").fetchone()
    _write(f"work {'; '.join(checked_in)}; tickets {tickets[0]}, printed {tickets[1]}")
    _maxrss()


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "bare":
        bare()
    elif mode == "floor":
        floor()
    elif mode == "kiosk":
        kiosk(rest)
    elif mode == "work":
        work(rest)
    else:
        raise SystemExit(f"unknown mode {mode}")
