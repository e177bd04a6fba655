"""T3/S3: what the lobby's wall board reads: the now-serving board, and for each number the
detainee's name masked as on the ticket (张*三), nothing more (no ID, no lawyer's details)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from .clock import Clock
from .queue import Board, board
from .tickets import mask_name


class LobbyBoard(BaseModel):
    model_config = ConfigDict(frozen=True)

    board: Board
    masked: dict[str, str]
    """Queue number -> the detainee's name masked (S3)."""


def lobby_board(db: Database, clock: Clock, *, default_minutes: int = 60) -> LobbyBoard:
    """Read only: the day's board (T3) and the masked names of its numbers."""
    shown = board(db, clock, default_minutes=default_minutes)
    rows = db.execute(
        "SELECT t.label, d.name FROM tickets t JOIN bookings b ON b.id = t.booking_id"
        " JOIN detainees d ON d.roster_no = b.roster_no WHERE t.day = ?",
        (shown.day.isoformat(),)).fetchall()
    return LobbyBoard(board=shown, masked={label: mask_name(name) for label, name in rows})
