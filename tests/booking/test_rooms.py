"""B1: the rooms table follows config/kiosk.toml; changes are audited (S2)."""

from __future__ import annotations

import json

from booking import audit
from booking.rooms import sync_rooms
from booking.settings import Room


def rooms(db) -> dict[str, tuple]:
    return {r["id"]: (r["name"], r["kind"], r["active"])
            for r in db.query("SELECT * FROM rooms")}


def audit_count(db) -> int:
    return db["audit_log"].count


def test_b1_config_rooms_are_created(db, clock, settings):
    sync_rooms(db, clock, "cli", settings.rooms)
    assert rooms(db) == {r.id: (r.name, r.kind, 1) for r in settings.rooms}
    entry = next(db.query("SELECT * FROM audit_log"))
    assert entry["action"] == "sync_rooms"
    assert sorted(json.loads(entry["detail"])["added"]) == sorted(r.id for r in settings.rooms)


def test_b1_unchanged_config_writes_no_audit_entry(db, clock, settings):
    sync_rooms(db, clock, "cli", settings.rooms)
    sync_rooms(db, clock, "cli", settings.rooms)
    assert audit_count(db) == 1


def test_b1_removed_room_is_deactivated_and_comes_back(db, clock):
    m1 = Room(id="M1", name="会见室1", kind="meeting")
    i1 = Room(id="I1", name="讯问室1", kind="interrogation")
    sync_rooms(db, clock, "cli", [m1, i1])
    sync_rooms(db, clock, "cli", [m1.model_copy(update={"name": "会见室一"})])
    assert rooms(db) == {"M1": ("会见室一", "meeting", 1), "I1": ("讯问室1", "interrogation", 0)}
    detail = json.loads(db.execute("SELECT detail FROM audit_log ORDER BY id DESC").fetchone()[0])
    assert detail == {"added": [], "changed": ["M1"], "deactivated": ["I1"]}
    sync_rooms(db, clock, "cli", [m1.model_copy(update={"name": "会见室一"})])
    assert audit_count(db) == 2  # an inactive room stays inactive quietly
    sync_rooms(db, clock, "cli", [m1, i1])
    assert rooms(db)["I1"] == ("讯问室1", "interrogation", 1)
    assert audit_count(db) == 3 and audit.verify(db).ok
