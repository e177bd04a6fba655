"""Who comes to the desk on a simulated day: the simulator's public extension point for
demand.

An arrivals model is any object with a `times(day, rng, hours)` method returning the
moments lawyers walk up on that day (in any order; the simulator sorts them). It draws
every random choice from `rng`, the simulator's generator for the day, in a fixed order,
so the same seed gives the same day. `hours` is the day as the opening calendar has it
(open or closed, and why), as the officer's duty sessions stood at the start of the day.

The default, `ProfileArrivals`, is the profile's fixed shape (a morning rush and an
afternoon, busier Mondays and Saturdays, a few walk-ins on closed days). The what-if
passes its own model, estimated from a centre's history (whatif.engine.HistoryArrivals).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from booking.calendar import DayHours

from .profiles import Profile


class Arrivals(Protocol):
    """The demand of a simulated day (see the module's docstring)."""

    def times(self, day: date, rng: random.Random, hours: DayHours) -> list[datetime]:
        """The moments lawyers arrive on `day`, drawn from `rng`."""
        ...


def local_time(day: date, hours: float, zone: ZoneInfo) -> datetime:
    """`hours` (a fraction: 8.75 is 08:45) after the start of `day` in the centre's zone,
    to the minute."""
    minutes = round(hours * 60)
    return datetime.combine(day, time(0), zone) + timedelta(minutes=minutes)


class ProfileArrivals:
    """The profile's arrivals: a normal draw around the day's mean (the weekday mean times
    the Monday or Saturday factor, or the closed-day factor), 65 % in the morning rush
    (07:45-11:30, most at 08:45) and the rest in the afternoon (12:30-16:45)."""

    def __init__(self, profile: Profile, zone: ZoneInfo):
        self.profile = profile
        self.zone = zone

    def count(self, day: date, rng: random.Random, hours: DayHours) -> int:
        p = self.profile
        factor = (p.closed_day_factor if not hours.is_open
                  else p.saturday_factor if day.weekday() == 5
                  else p.monday_factor if day.weekday() == 0 else 1.0)
        mean = p.arrivals * factor
        return max(0, round(rng.gauss(mean, mean ** 0.5)))

    def times(self, day: date, rng: random.Random, hours: DayHours) -> list[datetime]:
        times = []
        for _ in range(self.count(day, rng, hours)):
            if rng.random() < 0.65:  # the morning rush
                at = rng.triangular(7.75, 11.5, 8.75)
            else:
                at = rng.triangular(12.5, 16.75, 13.5)
            times.append(local_time(day, at, self.zone))
        return times
