"""S2: the append-only audit log: a keyed hash chain, digests of the rows each change wrote,
and anchors of its head kept outside the database.

- Each entry is signed with HMAC-SHA256 under the centre's audit key (a file kept like the QR
  keys, owner-only, made on first run) over the previous entry's signature, its own fields,
  the digests of the rows it wrote and the database's identity. Entries written before the
  key existed (plain SHA-256) are accepted only before the first keyed entry.
- Temporary triggers on every kiosk connection note each row written to an audited table;
  `record` digests those rows in the same transaction, and `storage.transaction` refuses to
  commit a change to an audited table that no `record` covered. A write from any other
  connection (the sqlite3 shell) leaves a row that no longer matches its last digest.
- The head (entry id and signature) is appended to an anchor file beside the database every
  `audit.anchor_every` entries, at every clean stop, at every backup (and copied into the
  backup) and at every restore; it is printed on the warden's daily summary.

`check` finds the first problem of each kind; `verify` is the chain alone.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import json.scanner
import os
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from .clock import Clock, iso
from .errors import DomainError
from .preflight import untrusted_key, untrusted_key_folder

GENESIS = "0" * 64
KEY_FILE = "audit-chain.secret"  # in the QR key folder; not *.key, which are QR signing keys
ANCHOR_SUFFIX = ".anchors"
DEFAULT_ANCHOR_EVERY = 50
# Tables that are not the record: the log itself, anchors copied into backups (signed line
# by line), the database's identity (bound into every entry's signature instead).
NOT_AUDITED = frozenset({"audit_log", "audit_anchors", "kiosk_identity"})
ROW_DIGEST_CHARS = 24  # 96 bits of SHA-256
DELETED = "-"


# --- the key ---------------------------------------------------------------------------------


def key_file(folder: Path) -> Path:
    return Path(folder) / KEY_FILE


def load_key(folder: Path, *, create: bool = True) -> bytes | None:
    """The audit key from folder, made (0600, folder 0700) when missing and create is set.
    A key file others can read is refused, like a QR key."""
    path = key_file(folder)
    if not path.exists():
        if not create:
            return None
        folder = Path(folder)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two kiosks starting together make one key
            if not path.exists():
                tmp = folder / f".{KEY_FILE}.{secrets.token_hex(4)}.tmp"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as out:
                    out.write(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
                    out.flush()
                    os.fsync(out.fileno())
                os.link(tmp, path)
                os.unlink(tmp)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            os.close(lock)
    refusal = untrusted_key_folder(Path(folder)) or untrusted_key(path)
    if refusal:  # readable by others, or planted by another user: never signs anything
        raise DomainError("S2", *refusal)
    try:
        secret = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (ValueError, UnicodeDecodeError):
        secret = b""
    if len(secret) < 16:
        raise DomainError("S2", f"审计密钥文件{path}已损坏，请从备份恢复密钥文件夹",
                          f"the audit key file {path} is damaged: restore the key folder from"
                          " its backup")
    return secret


# --- what a connection knows -----------------------------------------------------------------


@dataclass
class Binding:
    """The audit key, anchor file and anchor interval of one open database."""

    key: bytes
    anchor_path: Path | None
    anchor_every: int = DEFAULT_ANCHOR_EVERY
    watching: bool = False
    anchor_due: bool = False
    recorded: bool = False  # record() ran in the current transaction (it empties the notes)


_ATTR = "_kiosk_audit"


def anchor_file(db_path: Path) -> Path:
    return Path(str(db_path) + ANCHOR_SUFFIX)


def bind(db: Database, db_path: Path | str, key_folder: Path | None,
         anchor_every: int = DEFAULT_ANCHOR_EVERY) -> Binding:
    """Give an open database its audit key and anchor file. key_folder None: the `keys`
    folder beside the database (the default layout, var/kiosk.db and var/keys). An in-memory
    database gets a key of its own and no anchor file."""
    if str(db_path) == ":memory:":
        binding = Binding(secrets.token_bytes(32), None, anchor_every)
    else:
        db_path = Path(db_path)
        folder = key_folder if key_folder is not None else db_path.parent / "keys"
        binding = Binding(load_key(folder), anchor_file(db_path), anchor_every)
    setattr(db, _ATTR, binding)
    return binding


def bind_scratch_copy(source: Database, copy: Database) -> None:
    """A scratch copy of source (a trial run) signs like it, watches its rows, anchors
    nothing."""
    setattr(copy, _ATTR, Binding(binding_of(source).key, None, 0))
    watch(copy)


def binding_of(db: Database) -> Binding:
    binding = getattr(db, _ATTR, None)
    if binding is None:
        raise RuntimeError("this database was not opened with storage.open_database (no audit"
                           " key bound)")
    return binding


def identity(db: Database) -> str:
    """The database's random identity (S4), or '' for a file without one."""
    try:
        row = db.execute("SELECT id FROM kiosk_identity").fetchone()
    except sqlite3.OperationalError:
        return ""
    return row[0] if row else ""


def new_code_stamp(ident: str) -> str:
    """Q1/S4: a short form of the identity for booking codes, renewed by each restore: four
    base32 characters of SHA-256(identity, random)."""
    digest = hashlib.sha256(f"{ident}:{secrets.token_hex(8)}".encode("ascii")).digest()
    return base64.b32encode(digest).decode("ascii")[:4]


# --- row digests -----------------------------------------------------------------------------


def audited_tables(db: Database) -> list[str]:
    """Every table whose rows are the record: all but SQLite's, the migrations' and
    NOT_AUDITED. A table a later migration adds is audited without further ado."""
    return [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%'"
        " ESCAPE '\\' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name")
        if name not in NOT_AUDITED]


def row_digest(names: list[str], values: tuple) -> str:
    """A row's contents; NULL columns are left out, so a column added later (NULL in the
    old rows) does not change the old rows' digests. Python's repr of str, int, float and
    bytes is exact and stable, and cheaper than JSON (verify digests every row)."""
    return row_digester(names)(values)


def row_digester(names: list[str]) -> Callable[[tuple], str]:
    """row_digest for the rows of one table (verify digests a million rows: the column
    prefixes are made once, not per row)."""
    prefixes = [f"{n}\x1e" for n in names]
    sha256 = hashlib.sha256

    def digest(values: tuple) -> str:
        body = "\x1f".join([p + repr(v) for p, v in zip(prefixes, values, strict=True)
                            if v is not None])
        return sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:ROW_DIGEST_CHARS]

    return digest


def _current_digest(db: Database, table: str, row_id: int) -> str:
    cursor = db.execute(f'SELECT * FROM "{table}" WHERE rowid = ?', (row_id,))
    row = cursor.fetchone()
    if row is None:
        return DELETED
    return row_digest([d[0] for d in cursor.description], row)


def watch(db: Database) -> None:
    """Temporary triggers (this connection only) that note every row written to an audited
    table, for `record` to digest. Run after the migrations, so new tables are watched."""
    conn = db.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS audit_pending"
                 " (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"
                 " row_id INTEGER NOT NULL)")
    old = [name for (name,) in conn.execute(
        "SELECT name FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'audit\\_%'"
        " ESCAPE '\\'")]
    for name in old:
        conn.execute(f'DROP TRIGGER temp."{name}"')
    for table in audited_tables(db):
        note = "INSERT INTO audit_pending (tbl, row_id) VALUES ('{t}', {r});"
        conn.execute(f'CREATE TEMP TRIGGER "audit_i_{table}" AFTER INSERT ON main."{table}"'
                     f" BEGIN {note.format(t=table, r='NEW.rowid')} END")
        conn.execute(f'CREATE TEMP TRIGGER "audit_u_{table}" AFTER UPDATE ON main."{table}"'
                     f" BEGIN {note.format(t=table, r='OLD.rowid')}"
                     f" {note.format(t=table, r='NEW.rowid')} END")
        conn.execute(f'CREATE TEMP TRIGGER "audit_d_{table}" AFTER DELETE ON main."{table}"'
                     f" BEGIN {note.format(t=table, r='OLD.rowid')} END")
    binding_of(db).watching = True


def queue_all_rows(db: Database) -> None:
    """Note every current row of the audited tables for the next entry (a new database:
    rows its migrations wrote)."""
    for table in audited_tables(db):
        db.execute(f"INSERT INTO temp.audit_pending (tbl, row_id) SELECT '{table}', rowid"
                   f' FROM "{table}"')


def pending_mark(db: Database) -> int | None:
    """Where the notes stand at the start of a transaction (None: not watching)."""
    binding = getattr(db, _ATTR, None)
    if binding is None or not binding.watching:
        return None
    binding.recorded = False
    return db.execute("SELECT coalesce(max(seq), 0) FROM temp.audit_pending").fetchone()[0]


def refuse_unaudited(db: Database, mark: int | None) -> None:
    """S2: a transaction that wrote an audited row after its last `record` may not commit."""
    if mark is None:
        return
    if binding_of(db).recorded:  # notes left after the last record() are all this change's
        mark = 0
    row = db.execute("SELECT tbl, row_id FROM temp.audit_pending WHERE seq > ? LIMIT 1",
                     (mark,)).fetchone()
    if row:
        raise RuntimeError(f"S2: {row[0]} row {row[1]} was written without audit.record in the"
                           " same transaction (every change needs its audit entry)")


def _collect(db: Database) -> dict[str, dict[str, str]]:
    binding = binding_of(db)
    if not binding.watching:
        return {}
    written = db.execute("SELECT DISTINCT tbl, row_id FROM temp.audit_pending").fetchall()
    db.execute("DELETE FROM temp.audit_pending")
    binding.recorded = True
    rows: dict[str, dict[str, str]] = {}
    for table, row_id in written:
        try:
            digest = _current_digest(db, table, row_id)
        except sqlite3.OperationalError:  # the table was dropped in this transaction
            digest = DELETED
        rows.setdefault(table, {})[str(row_id)] = digest
    return rows


# --- entries ---------------------------------------------------------------------------------


def _digest(prev_hash: str, entry_id: int, at: str, actor: str, action: str, subject: str,
            detail: str) -> str:
    """The plain SHA-256 of entries written before the audit key existed."""
    body = json.dumps([prev_hash, entry_id, at, actor, action, subject, detail],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


_JSON_STR = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) quotes with


def _json_list(values: list) -> str:
    """json.dumps(values, ensure_ascii=False, separators=(",", ":")), byte for byte, for a
    list of str, int and None, without building an encoder per call (verify signs every
    entry again); anything else goes to json.dumps."""
    parts = []
    for value in values:
        kind = type(value)
        if kind is str:
            parts.append(_JSON_STR(value))
        elif kind is int:
            parts.append(int.__repr__(value))
        elif value is None:
            parts.append("null")
        else:
            return json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return "[" + ",".join(parts) + "]"


def _mac(key: bytes, prev_hash: str, entry_id: int, at: str, actor: str, action: str,
         subject: str, detail: str, rows: str | None, ident: str) -> str:
    q = _JSON_STR
    try:  # the usual types, quoted directly: the same bytes as _json_list
        body = (f"[{q(prev_hash)},{int.__repr__(entry_id)},{q(at)},{q(actor)},{q(action)},"
                f"{q(subject)},{q(detail)},{'null' if rows is None else q(rows)},{q(ident)}]")
    except TypeError:  # a value of another type (never written by record): the general way
        body = _json_list([prev_hash, entry_id, at, actor, action, subject, detail, rows,
                           ident])
    return hmac.digest(key, body.encode("utf-8"), "sha256").hex()


def record(db: Database, clock: Clock, actor: str, action: str, subject: str,
           detail: dict | None = None) -> int:
    """Append one entry, with the digests of the rows written since the last one. Call inside
    the transaction of the change it records, after the change."""
    if not db.conn.in_transaction:
        raise RuntimeError("audit.record must run inside the change's transaction")
    binding = binding_of(db)
    rows = _collect(db)
    last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    seq = db.execute("SELECT seq FROM main.sqlite_sequence WHERE name = 'audit_log'").fetchone()
    entry_id = max(last[0] if last else 0, seq[0] if seq else 0) + 1
    prev_hash = last[1] if last else GENESIS
    at = iso(clock.now())
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    rows_text = json.dumps(rows, sort_keys=True, separators=(",", ":")) if rows else None
    signature = _mac(binding.key, prev_hash, entry_id, at, actor, action, subject, text,
                     rows_text, identity(db))
    db.execute(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash,"
        " row_digests)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (entry_id, at, actor, action, subject, text, prev_hash, signature, rows_text),
    )
    if binding.anchor_every and entry_id % binding.anchor_every == 0:
        binding.anchor_due = True
    return entry_id


def after_commit(db: Database) -> None:
    """Called by storage.transaction after COMMIT: write a due anchor."""
    binding = getattr(db, _ATTR, None)
    if binding is not None and binding.anchor_due:
        binding.anchor_due = False
        anchor(db, "every")


# --- anchors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    at: str
    identity: str
    kind: str  # every, stop, backup, restore
    entry_id: int
    hash: str
    mac: str

    def fields(self) -> str:
        return "\t".join((self.at, self.identity, self.kind, str(self.entry_id), self.hash))

    def line(self) -> str:
        return f"{self.fields()}\t{self.mac}"

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(_anchor_mac(key, self.fields()), self.mac)

    def short(self) -> str:
        return short_head(self.entry_id, self.hash)


def short_head(entry_id: int, signature: str) -> str:
    """The head as printed on the daily summary and by `kiosk audit verify`."""
    return f"#{entry_id} {signature[:12]}"


def _anchor_mac(key: bytes, fields: str) -> str:
    return hmac.new(key, b"anchor\t" + fields.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def parse_anchor(line: str) -> Anchor | None:
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 6 or not parts[3].isdigit():
        return None
    return Anchor(parts[0], parts[1], parts[2], int(parts[3]), parts[4], parts[5])


def head(db: Database) -> tuple[int, str, str] | None:
    """(id, signature, at) of the newest entry, or None for an empty log."""
    row = db.execute("SELECT id, hash, at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return tuple(row) if row else None


def make_anchor(db: Database, key: bytes, kind: str) -> Anchor | None:
    top = head(db)
    if top is None:
        return None
    fields = Anchor(top[2], identity(db), kind, top[0], top[1], "")
    return Anchor(fields.at, fields.identity, kind, top[0], top[1],
                  _anchor_mac(key, fields.fields()))


def append_anchor_line(path: Path, text: str) -> None:
    """Append one line to an anchor file (0600, append-only use), under a lock so lines
    from several kiosks never interleave."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (text + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def anchor(db: Database, kind: str = "stop") -> Anchor | None:
    """Append the current head to the anchor file beside the database (skipped when the
    last line already names it, or for an in-memory database). The head is read under the
    file's lock, so the lines of several kiosks only ever go forward."""
    binding = binding_of(db)
    path = binding.anchor_path
    if path is None:
        return None
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        made = make_anchor(db, binding.key, kind)
        if made is None:
            return None
        last = read_anchor_lines(path)[-1:] if kind in ("every", "stop") else []
        if last and (parsed := parse_anchor(last[0])) and parsed.identity == made.identity \
                and (parsed.entry_id, parsed.hash) == (made.entry_id, made.hash):
            return parsed
        os.write(fd, (made.line() + "\n").encode("utf-8"))
        os.fsync(fd)
        return made
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_anchor_lines(path: Path | None) -> list[str]:
    if path is None or not Path(path).is_file():
        return []
    return [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line]


def stored_anchor_lines(db: Database) -> list[str]:
    """Anchor lines copied into this file when it was made as a backup."""
    try:
        return [line for (line,) in db.execute("SELECT line FROM audit_anchors ORDER BY id")]
    except sqlite3.OperationalError:
        return []


# --- checks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # key, sequence, anchor, rows, identity
    entry: int | None
    text: str


@dataclass
class AuditCheck:
    entries: int = 0
    head: tuple[int, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, entry: int | None, text: str) -> None:
        """Keep the first problem of each kind; count the others."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if not any(p.kind == kind for p in self.problems):
            self.problems.append(Problem(kind, entry, text))

    def first(self) -> Problem | None:
        return min(self.problems, key=lambda p: (p.entry is None, p.entry or 0), default=None)


Expected = dict[str, dict[str, str]]
"""The last audited digest of each row: table -> rowid (as text, as the entries store it)
-> digest, or DELETED."""
_SCAN_JSON = json.scanner.make_scanner(json.JSONDecoder())  # json.loads without its wrappers


def _walk(db: Database, key: bytes, result: AuditCheck, expected: Expected | None) -> None:
    """The chain: sequence, links and signatures; the row digests of the signed entries."""
    ident = identity(db)
    prev_hash, expected_id, keyed = GENESIS, 1, False
    cursor = db.execute("SELECT id, at, actor, action, subject, detail, prev_hash, hash,"
                        " row_digests FROM audit_log ORDER BY id")
    tables: Expected = expected if expected is not None else {}
    entries = 0
    for entry_id, at, actor, action, subject, detail, stored_prev, stored, rows in cursor:
        if entry_id != expected_id:
            result.add("sequence", expected_id,
                       f"entry {expected_id} is missing (deleted)" if entry_id == expected_id + 1
                       else f"entries {expected_id}..{entry_id - 1} are missing (deleted)")
        elif stored_prev != prev_hash:
            result.add("sequence", entry_id, f"entry {entry_id} does not link to the entry"
                       " before it")
        mac = _mac(key, stored_prev, entry_id, at, actor, action, subject, detail, rows, ident)
        if hmac.compare_digest(mac, stored):
            keyed = True
            if expected is not None and rows:
                for table, written in _SCAN_JSON(rows, 0)[0].items():
                    known = tables.get(table)
                    if known is None:
                        tables[table] = dict(written)
                    else:
                        known.update(written)
            if action == "audit_baseline" and json.loads(detail).get("unaudited"):
                found = json.loads(detail)
                result.add("rows", entry_id, f"the baseline at entry {entry_id} found"
                           f" {found['unaudited']} rows changed without an audit entry"
                           f" (first: {found.get('first', '?')})")
        elif not keyed and rows is None and _digest(
                stored_prev, entry_id, at, actor, action, subject, detail) == stored:
            pass  # written before the audit key existed; the keyed entries after cover it
        else:
            result.add("key", entry_id, f"entry {entry_id} is not signed with this centre's"
                       " audit key (edited, forged, or the key was replaced)")
        prev_hash, expected_id = stored, entry_id + 1
        entries += 1
    if entries:
        result.entries += entries
        result.head = (expected_id - 1, prev_hash)
    seq = db.execute("SELECT seq FROM main.sqlite_sequence WHERE name = 'audit_log'").fetchone()
    if seq and seq[0] >= expected_id:
        result.add("sequence", expected_id, f"entries {expected_id}..{seq[0]} are missing"
                   " (deleted from the end)")
    elif result.entries and seq is None:
        result.add("sequence", expected_id, "the log's sqlite_sequence row was deleted")
    if result.entries and not keyed:
        result.add("key", 1, "no entry is signed with this centre's audit key")


def verify(db: Database, key: bytes | None = None) -> ChainReport:
    """The chain alone (sequence, links, signatures): the first broken entry."""
    result = AuditCheck()
    _walk(db, key if key is not None else binding_of(db).key, result, None)
    chain = [p for p in result.problems if p.kind in ("sequence", "key")]
    if not chain:
        return ChainReport(result.entries)
    worst = min(chain, key=lambda p: p.entry or 0)
    return ChainReport(result.entries, worst.entry, worst.text)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _primary_key(db: Database, table: str) -> list[str]:
    return [row[1] for row in sorted(
        (r for r in db.execute(f'PRAGMA table_info("{table}")') if r[5]), key=lambda r: r[5])]


def _name_row(db: Database, table: str, row_id: int, values: dict | None = None) -> str:
    keys = _primary_key(db, table)
    if values is None:
        return f"{table} row {row_id}"
    shown = ", ".join(f"{k}={values.get(k)}" for k in keys) or f"rowid={row_id}"
    return f"{table} row {row_id} ({shown})"


def _rows(db: Database, expected: Expected, result: AuditCheck) -> None:
    """Every current row against its last audited digest (expected is emptied of the rows
    found; what is left was deleted)."""
    for table in audited_tables(db):
        cursor = db.execute(f'SELECT rowid, * FROM "{table}"')
        names = [d[0] for d in cursor.description][1:]
        row_digest = row_digester(names)
        last = expected.get(table, {})
        pop = last.pop
        for row in cursor:
            row_id, values = row[0], row[1:]
            digest = pop(str(row_id), None)
            if digest == row_digest(values):
                continue
            named = _name_row(db, table, row_id, dict(zip(names, values, strict=True)))
            if digest is None or digest == DELETED:
                result.add("rows", None, f"{named} has no audit entry (written outside the"
                           " kiosk)")
            else:
                result.add("rows", None, f"{named} was changed without an audit entry")
    gone = sorted((table, int(row_id)) for table, rows in expected.items()
                  for row_id, digest in rows.items() if digest != DELETED)
    for table, row_id in gone:
        result.add("rows", None, f"{_name_row(db, table, row_id)} was deleted without an"
                   " audit entry")


def check_anchors(db: Database, key: bytes, lines: list[str], where: str,
                  result: AuditCheck) -> None:
    """The anchors of this database's identity since its last restore: each names an entry
    the chain still has, with the same signature, and they never go back."""
    ident = identity(db)
    parsed: list[tuple[int, Anchor]] = []
    others = 0
    for number, line in enumerate(lines, 1):
        found = parse_anchor(line)
        if found is None or not found.signed_by(key):
            result.add("anchor", None, f"{where} line {number} is not a valid signed anchor"
                       " (edited or forged)")
            continue
        if found.identity != ident:
            others += 1
            continue
        parsed.append((number, found))
    if others and not parsed and ident:
        result.add("identity", None, f"{where} holds anchors of another database only: this"
                   " database is not the one anchored there")
    restores = [i for i, (_, a) in enumerate(parsed) if a.kind == "restore"]
    since = parsed[restores[-1]:] if restores else parsed
    top = 0
    for number, found in since:
        if found.entry_id < top:
            result.add("anchor", found.entry_id, f"{where} line {number} goes back from entry"
                       f" {top} to {found.entry_id} without a restore")
        top = max(top, found.entry_id)
        row = db.execute("SELECT hash FROM audit_log WHERE id = ?",
                         (found.entry_id,)).fetchone()
        if row is None:
            last = result.head[0] if result.head else 0
            result.add("anchor", found.entry_id, f"the chain ends at entry {last} but {where}"
                       f" line {number} anchored entry {found.entry_id} (entries removed)")
        elif row[0] != found.hash:
            result.add("anchor", found.entry_id, f"entry {found.entry_id} differs from its"
                       f" anchor ({where} line {number}): the log was rewritten")


def check(db: Database, key: bytes, anchor_lines: list[str] | None = None,
          where: str = "anchor file") -> AuditCheck:
    """S2 in full: signatures, sequence, anchors (the given lines and those stored in the
    file), and every current row against its last audited digest."""
    result = AuditCheck()
    expected: Expected = {}
    _walk(db, key, result, expected)
    if anchor_lines:
        check_anchors(db, key, anchor_lines, where, result)
    stored = stored_anchor_lines(db)
    if stored:
        check_anchors(db, key, stored, "anchors stored in the database", result)
    _rows(db, expected, result)
    return result


def expected_digests(db: Database, key: bytes) -> Expected:
    result = AuditCheck()
    expected: Expected = {}
    _walk(db, key, result, expected)
    return expected


def baseline(db: Database, clock: Clock, actor: str, reason: str) -> int:
    """One entry with the digest of every current row (an existing database's first keyed
    entry, or after a migration that rewrote rows). Rows that already had a digest and no
    longer match are counted in the entry, so a baseline never hides an earlier edit."""
    binding = binding_of(db)
    if not binding.watching:
        watch(db)
    expected = expected_digests(db, binding.key)
    found = AuditCheck()
    if expected:
        _rows(db, {table: dict(rows) for table, rows in expected.items()}, found)
    db.execute("DELETE FROM temp.audit_pending")
    queue_all_rows(db)
    gone = [(table, int(row_id)) for table, rows in expected.items()
            for row_id, digest in rows.items() if digest != DELETED]
    db.conn.executemany("INSERT INTO temp.audit_pending (tbl, row_id) VALUES (?, ?)", gone)
    detail = {"reason": reason, "identity": identity(db)}
    if found.counts.get("rows"):
        detail |= {"unaudited": found.counts["rows"], "first": found.problems[0].text}
    return record(db, clock, actor, "audit_baseline", "audit_log", detail)


def start_check(db: Database) -> Problem | None:
    """E4/S2 at every start, in a few queries (the full `check` reads every row and is left
    to `kiosk audit verify`): the newest entry is signed with this centre's key, no entry
    was deleted from the end, and the newest anchor of this database in the anchor file
    names an entry the chain still has, with the same signature. The first problem found,
    or None."""
    binding = binding_of(db)
    top = db.execute("SELECT id, at, actor, action, subject, detail, prev_hash, hash,"
                     " row_digests FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    seq = db.execute("SELECT seq FROM main.sqlite_sequence WHERE name = 'audit_log'").fetchone()
    last_id = top[0] if top else 0
    if seq and seq[0] > last_id:
        return Problem("sequence", last_id + 1, f"entries {last_id + 1}..{seq[0]} are missing"
                       " (deleted from the end)")
    ident = identity(db)
    if top is not None:
        entry_id, at, actor, action, subject, detail, prev, stored, rows = top
        if not hmac.compare_digest(_mac(binding.key, prev, entry_id, at, actor, action,
                                        subject, detail, rows, ident), stored):
            return Problem("key", entry_id, f"entry {entry_id} is not signed with this"
                           " centre's audit key (edited, forged, or the key was replaced)")
    newest = None
    for line in read_anchor_lines(binding.anchor_path):
        found = parse_anchor(line)
        if found is not None and found.identity == ident and found.signed_by(binding.key):
            newest = found
    if newest is None:
        return None
    row = db.execute("SELECT hash FROM audit_log WHERE id = ?", (newest.entry_id,)).fetchone()
    if row is None:
        return Problem("anchor", newest.entry_id, f"the chain ends at entry {last_id} but the"
                       f" anchor file names entry {newest.entry_id} (entries removed)")
    if row[0] != newest.hash:
        return Problem("anchor", newest.entry_id, f"entry {newest.entry_id} differs from its"
                       " anchor: the log was rewritten")
    return None
