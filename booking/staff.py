"""S1: officers and wardens, their PINs (argon2 hashes) and the lock after wrong PINs."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from . import audit
from .clock import Clock, iso
from .errors import DomainError, SignInError
from .fields import FieldError, clean, shown, typed
from .models import Role, StaffMember
from .storage import one, transaction

_hasher = PasswordHasher()
# S1: an unknown staff number is checked against this hash, so it costs the same time as
# a known one with a wrong PIN (no enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-pin: unknown staff number")
WRONG = ("警号或PIN错误", "wrong staff number or PIN")


def staff_number(value: str) -> str:
    """E3/S1: a staff number as stored: NFKC (full-width digits are the same number), then
    ASCII letters and digits only (Arabic-Indic and other look-alike digits refused), so no
    two accounts can have numbers that look the same."""
    value = typed(value, "key", "警号", "staff number", "S1")
    if not (value.isascii() and value.isalnum()):
        raise DomainError("S1", "警号只能含字母和数字0-9", "a staff number has letters and digits"
                          " 0-9 only")
    return value


def _member(row: dict) -> StaffMember:
    return StaffMember(staff_no=row["staff_no"], name=row["name"], role=row["role"],
                       locked=row["locked_at"] is not None)


def _check_pin_shape(pin: str, min_length: int) -> None:
    if not pin.isascii() or not pin.isdigit() or len(pin) < min_length:
        raise DomainError("S1", f"PIN须为至少{min_length}位数字",
                          f"a PIN has at least {min_length} digits")


def add_staff(db: Database, clock: Clock, actor: str, staff_no: str, name: str, role: Role,
              pin: str, min_pin_length: int = 6) -> StaffMember:
    staff_no = staff_number(staff_no)
    name = typed(name, "name", "姓名", "name", "S1")
    if not staff_no or not name:
        raise DomainError("S1", "警号只能含字母和数字，姓名不能为空",
                          "a staff number has letters and digits only; the name is required")
    if role not in ("officer", "warden"):
        raise DomainError("S1", "角色须为 officer 或 warden", "role must be officer or warden")
    _check_pin_shape(pin, min_pin_length)
    with transaction(db):
        if one(db, "SELECT 1 FROM staff WHERE staff_no = ?", (staff_no,)):
            raise DomainError("S1", f"警号{staff_no}已存在", f"staff number {staff_no} exists already")
        db.table("staff").insert({"staff_no": staff_no, "name": name, "role": role,
                                  "pin_hash": _hasher.hash(pin), "failed_attempts": 0,
                                  "locked_at": None})
        audit.record(db, clock, actor, "add_staff", f"staff:{staff_no}", {"role": role})
    return StaffMember(staff_no=staff_no, name=name, role=role)


def sign_in(db: Database, clock: Clock, staff_no: str, pin: str,
            max_attempts: int = 5) -> StaffMember:
    """Check the PIN. Wrong PINs count; the account locks at max_attempts (kept on disk).

    A wrong PIN is a change (the counter, the audit entry) that must be committed, so
    the refusal is raised after the transaction, not inside it. An unknown number (or one
    no account could have) gets the same words as a wrong PIN, after the same argon2 work
    against a dummy hash, and is audited too (S1).
    """
    try:
        staff_no = clean(staff_no, "key")
    except FieldError:
        staff_no = shown(staff_no)  # no account has it; audited as typed, escaped
    refusal: SignInError | None = None
    with transaction(db):
        row = one(db, "SELECT * FROM staff WHERE staff_no = ?", (staff_no,))
        if row is None:
            _pin_matches(_DUMMY_HASH, pin)
            audit.record(db, clock, "?", "sign_in_unknown", f"staff:{staff_no[:64]}")
            refusal = SignInError("S1", *WRONG)
        elif row["locked_at"]:
            _pin_matches(_DUMMY_HASH, pin)  # the same time as any other refusal
            refusal = SignInError("S1", "账户已锁定，请所领导解锁",
                                  "this account is locked: ask a warden to unlock it")
        elif not _pin_matches(row["pin_hash"], pin):
            refusal = _count_wrong_pin(db, clock, staff_no, row["failed_attempts"] + 1,
                                       max_attempts)
        else:
            db.execute("UPDATE staff SET failed_attempts = 0 WHERE staff_no = ?", (staff_no,))
            audit.record(db, clock, staff_no, "sign_in", f"staff:{staff_no}")
    if refusal is not None:
        raise refusal
    return _member(row)


def _pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _count_wrong_pin(db: Database, clock: Clock, staff_no: str, attempts: int,
                     max_attempts: int) -> SignInError:
    locked = attempts >= max_attempts
    db.execute("UPDATE staff SET failed_attempts = ?, locked_at = ? WHERE staff_no = ?",
               (attempts, iso(clock.now()) if locked else None, staff_no))
    audit.record(db, clock, staff_no, "sign_in_failed", f"staff:{staff_no}",
                 {"attempts": attempts, "locked": locked})
    if locked:
        return SignInError("S1", f"PIN连续错误{attempts}次，账户已锁定，请所领导解锁",
                           f"{attempts} wrong PINs: the account is locked; ask a warden to unlock it")
    return SignInError("S1", *WRONG)  # no "tries left": an unknown number has no count


def unlock(db: Database, clock: Clock, warden: str, staff_no: str,
           os_user: str | None = None) -> None:
    """S1: a warden unlocks an account; os_user: the operating-system user when the unlock
    is made on the command line (kept in the audit entry)."""
    staff_no = staff_number(staff_no)
    with transaction(db):
        actor = one(db, "SELECT role FROM staff WHERE staff_no = ?", (warden,))
        if actor is None or actor["role"] != "warden":
            raise DomainError("S1", "只有所领导可以解锁账户", "only a warden can unlock an account")
        if one(db, "SELECT 1 FROM staff WHERE staff_no = ?", (staff_no,)) is None:
            raise DomainError("S1", f"无警号{staff_no}", f"no staff number {staff_no}")
        db.execute("UPDATE staff SET failed_attempts = 0, locked_at = NULL WHERE staff_no = ?",
                   (staff_no,))
        audit.record(db, clock, warden, "unlock_staff", f"staff:{staff_no}",
                     {"os_user": os_user} if os_user else None)


def list_staff(db: Database) -> list[StaffMember]:
    return [_member(r) for r in db.query("SELECT * FROM staff ORDER BY staff_no")]
