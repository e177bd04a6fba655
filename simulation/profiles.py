"""How busy the simulated centre is and how its visitors behave: the rates the simulator
draws its choices with (simulation.simulator) and the default arrivals model uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How busy the simulated centre is and how its visitors behave (rates per arrival
    unless said otherwise)."""

    # A busy city centre with the rooms of config/kiosk.toml (4 meeting rooms, 2
    # interrogation rooms, a video terminal: about 26 meetings a weekday in the meeting
    # rooms): 36 lawyers on an ordinary weekday fill the meeting rooms, the queue spills
    # into the next day, the interrogation rooms and the video terminal are used, the
    # warden opens a Sunday now and then and duty sessions over long holidays, and the
    # days around a long holiday bring breaches (rooms busy). From about 40 a day that
    # centre is overloaded: most requests breach.
    arrivals: float = 36.0  # mean arrivals on an ordinary open weekday
    monday_factor: float = 1.1
    saturday_factor: float = 1.3  # Saturday is the busiest day
    closed_day_factor: float = 0.03  # walk-ins on Sundays and holidays
    refusal_rate: float = 0.05  # documents that fail (suspended, terminated aid letter, ...)
    national_security_rate: float = 0.02
    permission_denied_rate: float = 0.1  # per national-security request
    interrogation_consent_rate: float = 0.85  # lawyers who sign for an earlier interrogation room
    later_choice_rate: float = 0.04  # lawyers who choose a later day than offered
    detainee_away_rate: float = 0.03  # detainee in court, questioned, ... at the offered time
    no_show_rate: float = 0.03  # per booking
    late_rate: float = 0.04  # per booking: more than the late limit late
    assistant_rate: float = 0.08  # per meeting
    video_rate: float = 0.02  # lawyers who ask for a video meeting
    video_accept_rate: float = 0.5  # lawyers who take the video terminal when no room is in time
    cancel_rate: float = 0.01  # lawyers who withdraw a request of their own accord
    priority_rate: float = 0.02
    lengths: tuple[tuple[int, float], ...] = ((45, 0.25), (60, 0.5), (90, 0.25))
