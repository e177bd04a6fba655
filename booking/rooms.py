"""B1: the centre's rooms, kept in step with config/kiosk.toml.

Rooms are never deleted (bookings will refer to them): a room that leaves the config
becomes inactive, and comes back active if it returns.
"""

from __future__ import annotations

from sqlite_utils import Database

from . import audit
from .clock import Clock
from .settings import Room
from .storage import transaction


def sync_rooms(db: Database, clock: Clock, actor: str, rooms: list[Room]) -> None:
    """Make the rooms table match the config; audited only when something changed."""
    wanted = {room.id: {"id": room.id, "name": room.name, "kind": room.kind, "active": 1}
              for room in rooms}
    with transaction(db):
        current = {row["id"]: row for row in db.query("SELECT id, name, kind, active FROM rooms")}
        added = sorted(set(wanted) - set(current))
        changed = sorted(i for i in set(wanted) & set(current) if wanted[i] != current[i])
        retired = sorted(i for i, row in current.items() if i not in wanted and row["active"])
        if not (added or changed or retired):
            return
        if added or changed:
            db.table("rooms").upsert_all([wanted[i] for i in added + changed], pk="id")
        for room_id in retired:
            db.execute("UPDATE rooms SET active = 0 WHERE id = ?", (room_id,))
        audit.record(db, clock, actor, "sync_rooms", "rooms",
                     {"added": added, "changed": changed, "deactivated": retired})
