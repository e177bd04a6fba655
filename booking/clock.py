"""The one clock of the kiosk: passed in everywhere so tests can travel in time."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    zone: tzinfo

    def now(self) -> datetime:
        """The current time, aware, in the centre's zone."""
        ...


class SystemClock:
    def __init__(self, zone: tzinfo = SHANGHAI):
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone)


class FixedClock:
    """A clock that stands still until moved: for tests and the simulator."""

    def __init__(self, at: datetime, zone: tzinfo = SHANGHAI):
        if at.tzinfo is None:
            at = at.replace(tzinfo=zone)
        self.zone = zone
        self._at = at.astimezone(zone)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.zone)
        self._at = at.astimezone(self.zone)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


def iso(moment: datetime) -> str:
    """Stored form of a time: ISO 8601 with its offset, to the second."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.isoformat(timespec="seconds")


def parse_iso(text: str, zone: tzinfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).astimezone(zone)
