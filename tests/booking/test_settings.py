"""One settings model from config/kiosk.toml: typos and bad values name the key."""

import pytest
from support import ROOT

from booking.settings import ConfigError, load_settings

CONFIG = (ROOT / "config" / "kiosk.toml").read_text(encoding="utf-8")


def test_repo_config_loads(settings):
    assert settings.centre.timezone == "Asia/Shanghai"
    assert {r.kind for r in settings.rooms} == {"meeting", "video", "interrogation"}
    assert settings.hours.sessions_for_weekday(6) == []  # B2: Sunday off by default
    assert settings.hours.sessions_for_weekday(5)  # Saturday open


@pytest.mark.parametrize("old, new, key", [
    ("grid_minutes = 15", "grid_minute = 15", "meetings.grid_minute"),
    ('kind = "file"', 'kind = "fax"', "printer.kind"),
    ('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"', "centre.timezone"),
    ('monday = ["08:30-11:30", "13:00-17:00"]', 'monday = ["11:30-08:30"]', "hours.monday"),
    ("max_pin_attempts = 5", "max_pin_attempts = 0", "security.max_pin_attempts"),
])
def test_bad_key_or_value_is_named(tmp_path, old, new, key):
    assert old in CONFIG
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert key in str(info.value)


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[centre\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid"):
        load_settings(bad)


DESKS = """
[desks.window2.printer]
kind = "network"
host = "192.0.2.12"
port = 9101
"""


def test_desk_profile_names_its_printer_and_the_file_printer_stays_the_default(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG + DESKS, encoding="utf-8")
    settings = load_settings(path)
    assert settings.printer.kind == "file"  # the shared printer, and every desk without one
    assert settings.for_desk(None) is settings
    desk = settings.for_desk("window2")
    assert (desk.printer.kind, desk.printer.host, desk.printer.port) == (
        "network", "192.0.2.12", 9101)
    assert desk.rooms == settings.rooms and desk.database == settings.database
    with pytest.raises(ConfigError, match="no desk 'window9'.*configured: window2"):
        settings.for_desk("window9")


@pytest.mark.parametrize("extra, key", [
    ('[desks."window 2".printer]\nkind = "file"\n', "desk name"),
    ('[desks.w2.printer]\nkind = "network"\nhots = "x"\n', "desks.w2.printer.hots"),
    ('[desks.w2]\nprinter = {kind = "usb"}\n', "usb_vendor_id"),
])
def test_a_bad_desk_profile_is_named(tmp_path, extra, key):
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG + "\n" + extra, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert key in str(info.value)


def test_serve_binds_this_machine_by_default_and_the_centre_has_a_code(settings):
    assert (settings.serve.host, settings.serve.port) == ("127.0.0.1", 8000)
    assert settings.centre.code == "SH-KSS-01"
