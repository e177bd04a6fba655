"""Q1-Q4: signed booking codes for the QR on tickets, and check-in by scanning one.

A code is ASCII in the QR alphanumeric set, with no personal data:
`K2.<stamp>.<booking id>.<expiry YYYYMMDDHHMM, centre time>.<key id>.<signature>`, the
signature being the first 80 bits of HMAC-SHA256 over everything before it, in base32. The
stamp (S4) is a short form of the database's identity that each restore renews: a code of
another database, or issued after the backup a restore went back to, is refused. Codes of the
version before stamps (`K1.<booking id>...`) are accepted only for the bookings that existed
when the database was upgraded, and only until a restore. Keys live one per file in the
configured folder, owner-only; a rotated key is still accepted for the grace period.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from . import audit
from .clock import Clock, iso, parse_iso
from .errors import DomainError, NotFound
from .meetings import Booking, get_booking
from .preflight import untrusted_key, untrusted_key_folder
from .queue import Ticket, admit
from .settings import Settings
from .storage import one, transaction

VERSION = "K2"
SIGNATURE_BYTES = 10  # 80 bits: 16 base32 characters, no padding
KEY_ID_CHARS = 4
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CODE = re.compile(r"^(?:K2\.([A-Z2-7]{4})|K1)\.([1-9][0-9]{0,11})\.([0-9]{12})\.([A-Z2-7]{4})"
                   r"\.([A-Z2-7]{16})$")
OLD_VERSION_STAMP = "K1"  # code_stamps row of codes printed before stamps existed
_EXPIRY = "%Y%m%d%H%M"

ASK_THE_DESK = ("请到窗口由民警核实预约", "please ask the officer at the desk to check the booking")


class KeyFileError(DomainError):
    """The signing key cannot be used safely; the message says how to fix it."""


@dataclass(frozen=True)
class SigningKey:
    id: str
    secret: bytes
    created: datetime
    retired: datetime | None
    path: Path

    def accepted_at(self, now: datetime, grace: timedelta) -> bool:
        return self.retired is None or now <= self.retired + grace


class Keyring:
    """The signing keys in one folder: one current key, retired ones accepted for the grace
    period. Key files are created 0600 and refused when group or others may read them."""

    def __init__(self, folder: Path, grace: timedelta, zone: tzinfo):
        self.folder = Path(folder)
        self.grace = grace
        self.zone = zone

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        return cls(settings.qr.key_folder, timedelta(days=settings.qr.grace_days), settings.zone)

    def keys(self) -> list[SigningKey]:
        if not self.folder.is_dir():
            return []
        refusal = untrusted_key_folder(self.folder)
        if refusal:
            raise KeyFileError("Q1", *refusal)
        return sorted((self._load(p) for p in self.folder.glob("*.key")),
                      key=lambda k: k.created)

    def find(self, key_id: str) -> SigningKey | None:
        path = self.folder / f"{key_id}.key"
        return self._load(path) if path.is_file() else None

    def current(self, now: datetime) -> SigningKey:
        """The key that signs new codes; created on first use."""
        live = [k for k in self.keys() if k.retired is None]
        if live:
            return live[-1]
        with self._locked():
            live = [k for k in self.keys() if k.retired is None]
            return live[-1] if live else self._create(now)

    def rotate(self, now: datetime) -> tuple[SigningKey | None, SigningKey]:
        """Retire the current key (still accepted for the grace period) and make a new one."""
        with self._locked():
            old = [k for k in self.keys() if k.retired is None]
            for key in old:
                self._write(key.path, key.id, key.secret, key.created, now, replace=True)
            return (old[-1] if old else None), self._create(now)

    # --- files ---

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise key creation between kiosks sharing the folder."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _create(self, now: datetime) -> SigningKey:
        while True:
            key_id = "".join(secrets.choice(_B32) for _ in range(KEY_ID_CHARS))
            path = self.folder / f"{key_id}.key"
            if not path.exists():
                break
        self._write(path, key_id, secrets.token_bytes(32), now, None, replace=False)
        return self._load(path)

    @staticmethod
    def _write(path: Path, key_id: str, secret: bytes, created: datetime,
               retired: datetime | None, replace: bool) -> None:
        body = json.dumps({"id": key_id, "created": iso(created),
                           "retired": iso(retired) if retired else None,
                           "secret": base64.b64encode(secret).decode("ascii")}, indent=1)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(body + "\n")
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the name was taken meanwhile
            os.unlink(tmp)

    def _load(self, path: Path) -> SigningKey:
        refusal = untrusted_key(path)
        if refusal:
            raise KeyFileError("Q1", *refusal)
        try:
            data = json.loads(path.read_text(encoding="ascii"))
            return SigningKey(id=data["id"], secret=base64.b64decode(data["secret"]),
                              created=parse_iso(data["created"], self.zone),
                              retired=parse_iso(data["retired"], self.zone)
                              if data["retired"] else None, path=path)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileError("Q1", f"二维码签名密钥文件{path}已损坏，请联系管理员",
                               f"the QR signing key file {path} is damaged ({exc}): call the"
                               " administrator") from None


# --- codes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedCode:
    booking_id: int
    expires_at: datetime
    key_id: str
    stamp: str  # OLD_VERSION_STAMP for a K1 code


def _sign(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii")


def expiry_for(settings: Settings, booking: Booking) -> datetime:
    expires = booking.start + timedelta(hours=settings.qr.valid_hours_after_start)
    return expires.astimezone(settings.zone).replace(second=0, microsecond=0)


def code_for(settings: Settings, clock: Clock, booking: Booking) -> str:
    """Q1: the booking's code, signed with the current key."""
    if not booking.code_stamp:
        raise RuntimeError("the booking carries no code stamp (read it with get_booking)")
    key = Keyring.from_settings(settings).current(clock.now())
    body = (f"{VERSION}.{booking.code_stamp}.{booking.id}"
            f".{expiry_for(settings, booking).strftime(_EXPIRY)}.{key.id}")
    return f"{body}.{_sign(key.secret, body)}"


def _refuse(zh: str, en: str) -> DomainError:
    return DomainError("Q2", f"{zh}；{ASK_THE_DESK[0]}", f"{en}; {ASK_THE_DESK[1]}")


def read_code(settings: Settings, clock: Clock, text: str) -> SignedCode:
    """Q2: check a scanned code's form, key, signature and expiry. Reads nothing else."""
    code = text.strip().upper()  # scanners in caps-lock or lower-case mode type either
    match = _CODE.match(code)
    if not match:
        raise _refuse("这不是本所的预约码（格式不符）", "this is not a booking code of this centre")
    stamp, booking_id, expiry, key_id, signature = match.groups()
    keyring = Keyring.from_settings(settings)
    key = keyring.find(key_id)
    now = clock.now()
    if key is None or not key.accepted_at(now, keyring.grace):
        raise _refuse("预约码的签名密钥未知或已停用（码可能伪造或过旧）",
                      "the code's signing key is unknown or retired (forged or too old)")
    body = code.rsplit(".", 1)[0]
    if not hmac.compare_digest(_sign(key.secret, body), signature):
        raise _refuse("预约码签名不符（码被改动或伪造）", "the code's signature does not match"
                      " (altered or forged)")
    try:
        expires_at = datetime.strptime(expiry, _EXPIRY).replace(tzinfo=settings.zone)
    except ValueError:
        raise _refuse("预约码有效期无法识别", "the code's expiry cannot be read") from None
    if now > expires_at:
        raise _refuse(f"预约码已于{expires_at:%Y-%m-%d %H:%M}过期",
                      f"the code expired at {expires_at:%Y-%m-%d %H:%M}")
    return SignedCode(booking_id=int(booking_id), expires_at=expires_at, key_id=key_id,
                      stamp=stamp or OLD_VERSION_STAMP)


def check_stamp(db: Database, signed: SignedCode) -> None:
    """S4: the code was issued by this database for a booking it still has from then."""
    row = one(db, "SELECT valid_up_to FROM code_stamps WHERE stamp = ?", (signed.stamp,))
    if row is None and signed.stamp == OLD_VERSION_STAMP:
        raise _refuse("这是旧版本的预约码，本数据库不再接受", "this is a code of the kiosk's"
                      " previous version, which this database no longer accepts")
    if row is None:
        raise _refuse("此预约码不是本数据库签发的（来自另一看守所或另一数据库，或签发于一次恢复之前的另一分支）",
                      "this code was not issued by this database (another centre's or another"
                      " copy's, or a branch undone by a restore)")
    if row["valid_up_to"] is not None and signed.booking_id > row["valid_up_to"]:
        raise _refuse("此预约码签发于数据库恢复所用备份之后，该预约已随恢复撤销，请重新预约",
                      "this code was issued after the backup the database was restored from;"
                      " its booking was undone by the restore: book again")


def rotate_key(db: Database, clock: Clock, settings: Settings, actor: str) -> str:
    """Q1: start signing with a new key; codes signed with the old one stay valid for
    qr.grace_days. Returns the new key id."""
    # E4: the write lock first (a read-only or locked database refuses here), so the keys
    # never rotate without their audit entry.
    with transaction(db):
        old, new = Keyring.from_settings(settings).rotate(clock.now())
        audit.record(db, clock, actor, "rotate_qr_key", "qr_keys",
                     {"retired": old.id if old else None, "new": new.id,
                      "grace_days": settings.qr.grace_days})
    return new.id


# --- check-in -------------------------------------------------------------------------------


class CheckInResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    booking: Booking
    ticket: Ticket
    repeat: bool  # Q4: scanned before; the same ticket, offer a reprint
    # Q3: for the officer to compare with the person at the desk
    lawyer_name: str
    cert_no: str
    firm_name: str


_CLOSED = {
    "cancelled": ("该预约已取消", "this booking was cancelled"),
    "no_show": ("该预约因律师未到已关闭", "this booking was closed as a no-show"),
    "released_late": ("律师迟到，该预约已释放，请重新预约（48小时期限不变）",
                      "the lawyer was late and the slot was released: book again (same"
                      " deadline)"),
}


def _check_booking(booking: Booking, has_ticket: bool, now: datetime) -> None:
    if booking.state in _CLOSED:
        raise _refuse(*_CLOSED[booking.state])
    if has_ticket:
        return
    if booking.state in ("in_progress", "done"):
        raise _refuse("该会见已开始或已结束", "this meeting has already started or ended")
    if booking.start.date() != now.date():
        raise _refuse(f"此预约码是{booking.start:%Y-%m-%d}的会见，不是今天",
                      f"this code is for the meeting on {booking.start:%Y-%m-%d}, not today")


def check_in_by_code(db: Database, clock: Clock, settings: Settings, officer: str,
                     code: str) -> CheckInResult:
    """Q2-Q4: a scanned code for today checks the lawyer in and queues the booking; a second
    scan returns the same ticket. A refused code changes nothing."""
    signed = read_code(settings, clock, code)
    check_stamp(db, signed)
    try:
        booking = get_booking(db, clock, signed.booking_id)
    except NotFound:
        raise _refuse("预约码对应的预约不存在", "the code's booking does not exist") from None
    has_ticket = one(db, "SELECT 1 AS x FROM tickets WHERE booking_id = ?", (booking.id,))
    _check_booking(booking, bool(has_ticket), clock.now())
    admission = admit(db, clock, settings, officer, booking.id)
    lawyer = one(db, "SELECT name, firm_name FROM lawyers WHERE cert_no = ?", (booking.cert_no,))
    return CheckInResult(
        booking=get_booking(db, clock, booking.id), ticket=admission.ticket,
        repeat=admission.repeat, lawyer_name=lawyer["name"] if lawyer else "",
        cert_no=booking.cert_no, firm_name=lawyer["firm_name"] if lawyer else "")
