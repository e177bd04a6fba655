"""S2: the append-only, hash-chained audit log and its verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlite_utils import Database

from .clock import Clock, iso

GENESIS = "0" * 64


def _digest(prev_hash: str, entry_id: int, at: str, actor: str, action: str, subject: str,
            detail: str) -> str:
    body = json.dumps([prev_hash, entry_id, at, actor, action, subject, detail],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(db: Database, clock: Clock, actor: str, action: str, subject: str,
           detail: dict | None = None) -> int:
    """Append one entry. Call inside the transaction of the change it records."""
    if not db.conn.in_transaction:
        raise RuntimeError("audit.record must run inside the change's transaction")
    last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    entry_id = max(last[0] if last else 0, seq[0] if seq else 0) + 1
    prev_hash = last[1] if last else GENESIS
    at = iso(clock.now())
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    digest = _digest(prev_hash, entry_id, at, actor, action, subject, text)
    db.execute(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (entry_id, at, actor, action, subject, text, prev_hash, digest),
    )
    return entry_id


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(db: Database) -> ChainReport:
    """Walk the chain; name the first entry that was edited, removed or re-ordered."""
    prev_hash = GENESIS
    expected_id = 1
    count = 0
    cursor = db.execute(
        "SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY id"
    )
    for entry_id, at, actor, action, subject, detail, stored_prev, stored_hash in cursor:
        if entry_id != expected_id:
            return ChainReport(count, expected_id, f"entry {expected_id} is missing (deleted)")
        if stored_prev != prev_hash:
            return ChainReport(count, entry_id, "does not link to the entry before it")
        if _digest(prev_hash, entry_id, at, actor, action, subject, detail) != stored_hash:
            return ChainReport(count, entry_id, "content does not match its hash (edited)")
        prev_hash = stored_hash
        expected_id += 1
        count += 1
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    if seq and seq[0] >= expected_id:
        return ChainReport(count, expected_id, f"entries {expected_id}..{seq[0]} are missing")
    return ChainReport(count)
