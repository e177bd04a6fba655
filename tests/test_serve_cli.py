"""The commands of issue 15 on `kiosk`: serve, board, city-report, and --desk choosing a desk
profile's printer (a network printer at a window; the file printer stays the default)."""

from __future__ import annotations

from click.testing import CliRunner
from support import ROOT

from booking.settings import load_settings
from kiosk.cli import main
from kiosk.serve import KioskServer

CONFIG = (ROOT / "config" / "kiosk.toml").read_text(encoding="utf-8")
DESK = '\n[desks.window2.printer]\nkind = "network"\nhost = "127.0.0.1"\nport = 1\n' \
       'timeout_seconds = 0.5\nstatus_check = false\n'


def kiosk(tmp_path, *args, config: str = CONFIG):
    path = tmp_path / "kiosk.toml"
    path.write_text(config.replace('folder = "var/printer"',
                                   f'folder = "{tmp_path / "printer"}"'), encoding="utf-8")
    return CliRunner().invoke(main, ["--config", str(path), "--db", str(tmp_path / "k.db"),
                                     *args])


def test_the_commands_are_listed(tmp_path):
    result = kiosk(tmp_path, "--help")
    assert result.exit_code == 0, result.output
    for command in ("serve", "board", "city-report"):
        assert command in result.output
    for args in (["serve", "--help"], ["board", "--help"], ["city-report", "--help"]):
        assert kiosk(tmp_path, *args).exit_code == 0


def test_a_desk_prints_on_its_profiles_printer_and_the_file_printer_is_the_default(tmp_path):
    shared = kiosk(tmp_path, "print-test", config=CONFIG + DESK)
    assert shared.exit_code == 0, shared.output
    assert str(tmp_path / "printer") in shared.output  # the file printer
    window = kiosk(tmp_path, "--desk", "window2", "print-test", config=CONFIG + DESK)
    assert window.exit_code == 1  # nothing listens on 127.0.0.1:1: the window's own printer
    assert "127.0.0.1:1" in window.output
    unknown = kiosk(tmp_path, "--desk", "window9", "print-test", config=CONFIG + DESK)
    assert unknown.exit_code == 2
    assert "no desk 'window9'" in unknown.output and "window2" in unknown.output


def test_served_pages_run_the_kiosk_with_this_config_and_the_desks_profile(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG + DESK, encoding="utf-8")
    settings = load_settings(path)
    kiosk_command = ["/usr/bin/python3", "-m", "kiosk", "--config", str(path)]
    server = KioskServer(settings, kiosk_command, host="127.0.0.1", port=8123)
    assert server.command_for("desk") == f"/usr/bin/python3 -m kiosk --config {path}"
    assert server.command_for("desk", "window2").endswith("--desk window2")
    assert server.command_for("board").endswith(" board")
