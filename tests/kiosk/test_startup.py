"""Start-up: the sign-in screen first, the settings and the database loaded behind it
(kiosk/startup.py), a sign-in submitted meanwhile waits, a failed start ends the kiosk."""

from __future__ import annotations

import subprocess
import sys
import threading

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
    db = open_database(path)
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
