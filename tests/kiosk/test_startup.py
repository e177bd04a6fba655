"""Start-up: the sign-in screen first, the settings and the database loaded behind it
(kiosk/startup.py), a sign-in submitted meanwhile waits, a failed start ends the kiosk."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from kiosk_steps import OFFICER, OFFICER_PIN, SIZE, type_into
from support import ROOT
from textual.app import App

from booking.demo import load_demo
from booking.preflight import read_config
from booking.settings import load_settings
from booking.storage import open_database
from kiosk.app import KioskApp
from kiosk.cli import main
from kiosk.components.notice import Notice
from kiosk.screens.sign_in import SignInScreen
from kiosk.screens.verify import VerifyScreen
from kiosk.startup import Preview, Startup

CONFIG = ROOT / "config" / "kiosk.toml"


@pytest.fixture
def demo_file(tmp_path, monkeypatch, clock):
    """A demo database file; the config's relative folders (keys, printer) in tmp_path."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "kiosk.db"
    db = open_database(path, key_folder=Path("var/keys"))  # the config's: the audit key (S2)
    load_demo(db, clock, load_settings(CONFIG))
    db.conn.close()
    return path


class Gated(Startup):
    """A start-up that waits for the test before it loads."""

    gate = threading.Event()

    def load(self):
        assert self.gate.wait(10)
        return super().load()


def starting(config, db_path, startup=Startup) -> KioskApp:
    return KioskApp.starting(startup(config, db_path, Preview.of(read_config(config))))


async def test_sign_in_is_shown_first_and_a_sign_in_waits_for_the_start(demo_file):
    Gated.gate = threading.Event()
    app = starting(CONFIG, demo_file, Gated)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and not app.ready
        assert "上海市第一看守所" in app.screen.query_one("#header-centre").render().plain
        await type_into(pilot, "#staff-no", OFFICER)
        await pilot.press("enter", *OFFICER_PIN, "enter")
        await pilot.pause()
        assert "正在启动" in app.screen.query_one(Notice).text and app.officer is None

        Gated.gate.set()
        await app.started.wait()
        await pilot.pause()
        assert app.ready and app.startup_failure is None
        assert isinstance(app.screen, VerifyScreen) and app.officer == OFFICER
    app.db.conn.close()


async def test_a_config_error_found_behind_the_first_screen_ends_the_kiosk(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text(CONFIG.read_text(encoding="utf-8").replace("grid_minutes", "grid_minute"),
                   encoding="utf-8")
    app = starting(bad, tmp_path / "kiosk.db")
    async with app.run_test(size=SIZE):
        await app.started.wait()
    assert not app.ready and app.return_code == 2
    assert "meetings.grid_minute: Extra inputs are not permitted" in app.startup_failure.text


@pytest.fixture
def headless(monkeypatch):
    """`kiosk` with no subcommand runs its app headless, signing nobody in."""
    run = App.run
    monkeypatch.setattr(KioskApp, "run", lambda self, **kw: run(self, headless=True, **kw))


def test_the_kiosk_command_prints_a_config_error_and_exits_2(tmp_path, headless):
    bad = tmp_path / "kiosk.toml"
    bad.write_text(CONFIG.read_text(encoding="utf-8").replace("grid_minutes", "grid_minute"),
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "--db", str(tmp_path / "k.db")])
    assert result.exit_code == 2
    assert "配置文件有误 / config file" in result.output
    assert "meetings.grid_minute: Extra inputs are not permitted" in result.output


def test_a_broken_toml_file_refuses_before_the_first_screen(tmp_path, monkeypatch):
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[centre\n", encoding="utf-8")
    monkeypatch.setattr(KioskApp, "starting", None)  # no screen may open
    result = CliRunner().invoke(main, ["--config", str(bad)])
    assert result.exit_code == 2 and "is invalid" in result.output


def test_e4_a_folder_as_database_ends_the_kiosk_with_exit_3(tmp_path, demo_file, headless):
    folder = tmp_path / "not-a-file.db"
    folder.mkdir()
    result = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", str(folder)])
    assert result.exit_code == 3
    assert "这是文件夹" in result.output and "this is a folder" in result.output


def test_the_first_screen_needs_neither_pydantic_nor_sqlite_utils_nor_the_domain():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, kiosk.cli, kiosk.app;"
         " print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in"
         " ('pydantic', 'pydantic_settings', 'sqlite_utils', 'argon2')"
         " or m in ('booking.settings', 'booking.storage', 'booking.qr', 'booking.staff'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


# --- E4: a damaged database is shown to the officer, and nothing is written ----------------


def _digests(path: Path) -> dict[str, str]:
    """The database file and its -wal, byte for byte (the -shm is SQLite's shared-memory
    index of the WAL, which any reader, quick_check too, may touch: no data)."""
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, Path(f"{path}-wal")) if p.is_file()}


def _damage_pages(path: Path) -> None:
    """Overwrite three pages in the middle of the file with fixed noise, as a failing disk
    would (the WAL checkpointed first, so the pages hold the tables)."""
    import random
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(path.read_bytes())
    noise = random.Random(11)
    for page in range(pages // 2 - 1, pages // 2 + 2):
        data[page * page_size:(page + 1) * page_size] = noise.randbytes(page_size)
    path.write_bytes(bytes(data))


async def _shows_damage_and_writes_nothing(app: KioskApp, pilot, path: Path,
                                           before: dict[str, str]) -> str:
    from kiosk.screens.damaged import DamagedScreen

    await app.started.wait()
    await pilot.pause()
    assert isinstance(app.screen, DamagedScreen)
    shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
    for command in ("kiosk doctor", "kiosk restore", "kiosk audit verify"):
        assert command in shown
    assert "数据库已损坏" in shown and "The database is damaged" in shown
    # Keys on the screen reach nothing under it: no sign-in, no desk, no database.
    await pilot.press(*OFFICER, "tab", *OFFICER_PIN, "enter", "f7", "f8", "enter")
    await pilot.pause()
    assert isinstance(app.screen, DamagedScreen)
    assert not app.ready and app.officer is None and not hasattr(app, "db")
    assert _digests(path) == before
    await pilot.press("ctrl+q")
    await pilot.pause()
    return shown


async def test_e4_a_damaged_database_is_shown_on_the_officers_screen_before_any_write(
        demo_file):
    _damage_pages(demo_file)
    before = _digests(demo_file)
    app = starting(CONFIG, demo_file)
    async with app.run_test(size=SIZE) as pilot:
        shown = await _shows_damage_and_writes_nothing(app, pilot, demo_file, before)
    assert "PRAGMA quick_check" in shown
    assert app.return_code == 3 and app.startup_failure.damaged is not None
    assert _digests(demo_file) == before
    doctor = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", str(demo_file),
                                       "doctor"])
    assert doctor.exit_code == 1 and "restore a backup (kiosk restore)" in doctor.output
    assert ("fails PRAGMA quick_check" in doctor.output
            or "cannot read the database" in doctor.output)
    assert _digests(demo_file) == before


async def test_e4_a_sign_in_typed_while_starting_on_a_damaged_database_is_never_checked(
        demo_file):
    _damage_pages(demo_file)
    before = _digests(demo_file)
    Gated.gate = threading.Event()
    app = starting(CONFIG, demo_file, Gated)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_into(pilot, "#staff-no", OFFICER)
        await pilot.press("enter", *OFFICER_PIN, "enter")
        await pilot.pause()
        assert "正在启动" in app.screen.query_one(Notice).text
        Gated.gate.set()
        await _shows_damage_and_writes_nothing(app, pilot, demo_file, before)
    assert app.return_code == 3


async def test_e4_s2_an_audit_log_cut_short_behind_its_anchor_is_shown_before_any_write(
        demo_file):
    """The file is sound (quick_check passes) but its last audit entries were deleted and
    sqlite_sequence lowered with the sqlite3 shell: the anchor file still names them."""
    import sqlite3

    from booking import audit

    db = open_database(demo_file, key_folder=Path("var/keys"))
    anchored = audit.anchor(db, "stop")
    db.conn.close()
    assert anchored is not None and anchored.entry_id > 3
    conn = sqlite3.connect(demo_file)
    with conn:
        conn.execute("DELETE FROM audit_log WHERE id > ?", (anchored.entry_id - 3,))
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'",
                     (anchored.entry_id - 3,))
    conn.close()
    before = _digests(demo_file)
    app = starting(CONFIG, demo_file)
    async with app.run_test(size=SIZE) as pilot:
        shown = await _shows_damage_and_writes_nothing(app, pilot, demo_file, before)
    assert f"anchor file names entry {anchored.entry_id}" in shown
    assert app.return_code == 3
    verify = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", str(demo_file),
                                       "audit", "verify"])
    assert verify.exit_code == 1 and f"entry {anchored.entry_id}" in verify.output
