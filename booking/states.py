"""The states a meeting request and a booking can be in (C1, C4, C7, P2, B4, B10), with the
sets of them the rules ask about. The database holds the same values under a CHECK
constraint (migrations m003 and m011), so a state not named here cannot be written."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class RequestState(StrEnum):
    """A meeting request (C1): open until booked, then closed with its outcome (C4, C7, P2)."""

    OPEN = "open"
    AWAITING_PERMISSION = "awaiting_permission"  # P2: the 48 hours wait for the authority
    BOOKED = "booked"
    MET = "met"
    BREACHED = "breached"
    DEFERRED_BY_LAWYER = "deferred_by_lawyer"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    PERMISSION_DENIED = "permission_denied"
    DETAINEE_RELEASED = "detainee_released"  # C7: closed, not breached
    DETAINEE_TRANSFERRED = "detainee_transferred"
    LAPSED_BY_LAWYER = "lapsed_by_lawyer"  # C7/B10: lost the slot and never came back


class BookingState(StrEnum):
    """A booking of a room for a request (B1, B4, B10, B11)."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    RELEASED_LATE = "released_late"  # B10: the lawyer came after the late limit


# A request that still awaits its meeting: the lawyer's next visit reuses it (V1, C1).
OPEN_REQUEST_STATES = frozenset({RequestState.OPEN, RequestState.AWAITING_PERMISSION,
                                 RequestState.BOOKED})
# The booking a request holds (one at most: a unique index).
LIVE_STATES = frozenset({BookingState.BOOKED, BookingState.ARRIVED, BookingState.IN_PROGRESS})
# B4: bookings that hold their room, detainee and lawyer for their time.
OCCUPYING_STATES = LIVE_STATES | {BookingState.DONE}
# Before the meeting starts: can be checked in, queued, cancelled, moved (B4, T1, C4).
WAITING_STATES = frozenset({BookingState.BOOKED, BookingState.ARRIVED})


def in_list(values: Collection[str]) -> str:
    """`(?, ?, ?)` for an SQL `IN` over values, bound as parameters in the same order the
    collection iterates (the order inside IN does not matter)."""
    if not values:
        raise ValueError("an SQL IN list needs at least one value")
    return "(" + ", ".join("?" * len(values)) + ")"
