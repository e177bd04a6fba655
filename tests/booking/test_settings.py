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
