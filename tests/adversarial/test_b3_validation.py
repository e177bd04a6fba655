"""B3/E3 as a careless file or config would have it: platform bookings for 9999-12-31 or off
the start grid, and meeting lengths that are not positive or not on the grid."""

from __future__ import annotations

import pytest
from support import LAWYER, OFFICER, ROOT

from booking.booking_import import import_bookings
from booking.preflight import ConfigError
from booking.settings import load_settings

HEADER = "external_ref,cert_no,roster_no,start,room_kind\n"


def rows(tmp_path, *starts: str):
    path = tmp_path / "platform.csv"
    path.write_text(HEADER + "".join(f"WSYY-{n},{LAWYER},2026001,{start},meeting\n"
                                     for n, start in enumerate(starts)), encoding="utf-8")
    return path


def written(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("meeting_requests", "bookings", "platform_bookings", "audit_log")}


@pytest.mark.parametrize(("start", "words"), [
    ("9999-12-31 09:00", "beyond the booking horizon (30 days, until 2026-12-24)"),
    ("2026-12-25 09:00", "beyond the booking horizon"),
    ("2026-11-25 09:07", "not on the 15-minute grid"),
    ("2026-11-25 09:00:30", "not on the 15-minute grid"),
])
def test_b3_platform_booking_beyond_the_horizon_or_off_the_grid_is_refused(
        centre, clock, settings, tmp_path, start, words):
    before = written(centre)
    result = import_bookings(centre, clock, settings, OFFICER, rows(tmp_path, start))
    [error] = result.errors
    assert (error.line, error.field) == (2, "start") and words in error.reason
    assert error.reason.startswith("B3 ")
    assert result.bookings == [] and written(centre) == before


def test_b3_platform_booking_on_the_grid_and_within_the_horizon_is_booked(
        centre, clock, settings, tmp_path):
    result = import_bookings(centre, clock, settings, OFFICER,
                             rows(tmp_path, "2026-12-24 09:15"))
    assert result.errors == [] and result.booked == 1


@pytest.mark.parametrize(("lengths", "words"), [
    ("[-60, 0, 60]", "meetings.lengths.0: Input should be greater than 0"),
    ("[0, 60]", "meetings.lengths.0: Input should be greater than 0"),
    ("[50, 60]", "lengths [50] are not multiples of grid_minutes (15)"),
    ("[]", "meetings.lengths: List should have at least 1 item"),
])
def test_b3_config_lengths_positive_and_on_the_grid(tmp_path, lengths, words):
    text = (ROOT / "config" / "kiosk.toml").read_text(encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(text.replace("lengths = [45, 60, 90]", f"lengths = {lengths}"),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert words in str(info.value)
