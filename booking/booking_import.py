"""B7/E3: meetings booked on the online booking platform, imported from its CSV or JSON export
(`external_ref,cert_no,roster_no,start,room_kind`) and booked through `meetings.book`.

What the kiosk checks of a platform booking (the platform has seen the lawyer's documents; the
kiosk has not, and the row does not carry them):

- V2/V4: the certificate number is well formed and in the registry, and the lawyer is active.
  A lawyer the registry does not know must come to the desk (an officer's in-person acceptance
  cannot happen online).
- V8: the detainee is held here. P1/P2: a case that needs the investigating authority's
  permission cannot be booked online. V6: no third defence lawyer. V7: the basis is the
  legal-aid letter on file when an active one names this lawyer, detainee and stage;
  otherwise a power of attorney the platform checked (document number `platform:<ref>`).
- V1, V3, V5 and the signer of the power of attorney are the platform's checks.
- B1-B5, C3: the time goes through `book` like any other: opening hours, free room of the
  kind asked (meeting or video; an interrogation room needs consent signed at the desk), no
  overlap, before the 48-hour deadline unless the lawyer chose a later time (C4: deferred
  by lawyer). The 48-hour clock starts when the booking reaches the centre (the import).

A file with a bad row imports nothing unless the caller skips bad rows. "Bad" includes rows
that `book` would refuse: the whole file is first booked on a copy of the database, so every
refusal is found, with its line, before anything is written.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from sqlite_utils import Database

from . import audit
from .charges import needs_permission
from .clock import Clock, iso
from .errors import DomainError
from .imports import CertNo, ImportRow, Key, Register, RowError, read_rows, validate_rows
from .meetings import Booking, RoomKind, book, custody_refusal, free_room, get_booking
from .settings import Settings
from .states import LIVE_STATES, RequestState, in_list
from .storage import one, transaction
from .verification import (
    current_request,
    defender_limit_refusal,
    open_request,
    registry_lawyer,
    roster_detainee,
)

PLATFORM_DOCUMENT = "platform:"  # document_no of a power of attorney checked by the platform
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_START = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?")
# Which column a refused row is reported against, by the rule that refused it.
_FIELD_OF_RULE = {"V2": "cert_no", "V4": "cert_no", "V6": "roster_no", "V7": "roster_no",
                  "V8": "roster_no", "P1": "roster_no", "P2": "roster_no", "B1": "room_kind",
                  "B5": "room_kind", "E3": "external_ref"}


def _reference(value: str) -> str:
    if not _REF.fullmatch(value):
        raise ValueError("应为1-64位字母、数字、.、_ 或 -，以字母或数字开头（用作二维码文件名）"
                         " / 1-64 letters, digits, '.', '_' or '-', starting with a letter or"
                         " digit (it names the QR file)")
    return value


def _start(value: object) -> object:
    if isinstance(value, str):
        if not _START.fullmatch(value):
            raise ValueError("应为日期时间，如 2026-11-25 09:00 或 2026-11-25T09:00:00+08:00"
                             " / a date and time, e.g. 2026-11-25 09:00 or"
                             " 2026-11-25T09:00:00+08:00")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("日期或时间不存在 / no such date or time") from None
    return value


def _platform_room(value: str) -> str:
    if value == "interrogation":
        raise ValueError("讯问室须律师到窗口当面签署同意书（B5），不能网上预约：请预约会见室"
                         " / an interrogation room needs the lawyer's consent signed at the"
                         " desk (B5): book a meeting room")
    if value not in ("meeting", "video"):
        raise ValueError("应为 meeting（会见室）或 video（视频会见） / must be meeting or video")
    return value


class PlatformBookingRow(ImportRow):
    external_ref: Annotated[str, AfterValidator(_reference)]
    cert_no: CertNo
    roster_no: Key
    start: Annotated[datetime, BeforeValidator(_start)]  # without an offset: centre time
    room_kind: Annotated[str, AfterValidator(_platform_room)]

    def start_in(self, zone: tzinfo) -> datetime:
        return self.start if self.start.tzinfo else self.start.replace(tzinfo=zone)


PLATFORM_BOOKINGS = Register(PlatformBookingRow, "platform_bookings", "external_ref", {})


@dataclass(frozen=True)
class ImportedBooking:
    line: int
    external_ref: str
    booking: Booking
    new: bool  # False: this reference was imported before; nothing was booked again


@dataclass(frozen=True)
class BookingImport:
    bookings: list[ImportedBooking] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def booked(self) -> int:
        return sum(b.new for b in self.bookings)


# --- one row --------------------------------------------------------------------------------


def _basis(db: Database, cert_no: str, roster_no: str, stage: str,
           external_ref: str) -> tuple[str, str]:
    """V7: an active aid letter on file for this lawyer, detainee and stage is the basis;
    otherwise the power of attorney the platform checked."""
    letter = one(db, "SELECT letter_no FROM aid_letters WHERE cert_no = ? AND roster_no = ?"
                     " AND stage = ? AND status = 'active' ORDER BY issued_on DESC",
                 (cert_no, roster_no, stage))
    if letter:
        return "aid_letter", letter["letter_no"]
    return "power_of_attorney", PLATFORM_DOCUMENT + external_ref


def _platform_request(db: Database, clock: Clock, officer: str, row: PlatformBookingRow,
                      file_name: str) -> int:
    """Inside a transaction: the meeting request of a platform booking (V4, V6-V8, P1),
    recorded under the platform's reference. An open request of the same lawyer for the same
    detainee (verified at the desk, not yet booked) is used as it is, deadline and all; a new
    one is opened as at the desk (verification.open_request)."""
    lawyer = registry_lawyer(db, row.cert_no)
    if lawyer is None:
        raise DomainError("V4", "律师名册中无此执业证号：网上预约须为名册在册律师，请律师持证到窗口办理",
                          "this certificate number is not in the lawyer registry: an online"
                          " booking needs a registry lawyer; the lawyer can come to the desk"
                          " with the certificate")
    if lawyer.status != "active":
        zh, en = {"suspended": ("停止执业", "suspended"),
                  "revoked": ("吊销执业证书", "revoked")}[lawyer.status]
        raise DomainError("V4", f"律师{lawyer.name}已被{zh}，不能会见", f"lawyer {lawyer.name} is"
                          f" {en} and cannot meet detainees")
    detainee = roster_detainee(db, row.roster_no)
    if detainee is None:
        raise DomainError("V8", f"本所无在押人员编号{row.roster_no}",
                          f"no detainee with roster number {row.roster_no} here")
    refusal = custody_refusal(db, row.roster_no)
    if refusal is not None:
        raise refusal
    if needs_permission(detainee.charge_category, detainee.stage):
        raise DomainError("P1", "本案须经侦查机关许可才能会见，不能网上预约：请律师到窗口办理",
                          "this case needs the investigating authority's permission: it cannot"
                          " be booked online; the lawyer comes to the desk")
    existing = current_request(db, row.cert_no, row.roster_no)
    if existing and existing["state"] == RequestState.AWAITING_PERMISSION:
        raise DomainError("P2", f"该律师会见此人的申请{existing['id']}正待侦查机关许可",
                          f"this lawyer's request {existing['id']} for this detainee awaits the"
                          " authority's permission")
    if existing and existing["state"] == RequestState.BOOKED:
        live = one(db, "SELECT id, starts_at FROM bookings WHERE request_id = ? AND state IN"
                       f" {in_list(LIVE_STATES)}", (existing["id"], *LIVE_STATES))
        when = live["starts_at"][:16].replace("T", " ") if live else ""
        raise DomainError("B4", f"该律师会见此人已有预约{live['id'] if live else ''}（{when}），"
                          "会见结束后才能再约", f"this lawyer already has booking"
                          f" {live['id'] if live else ''} ({when}) with this detainee: book the"
                          " next meeting after it")
    if existing:
        request_id = existing["id"]
    else:
        limit = defender_limit_refusal(db, row.roster_no, row.cert_no)
        if limit is not None:
            raise DomainError("V6", *limit)
        basis, document_no = _basis(db, row.cert_no, row.roster_no, detainee.stage,
                                    row.external_ref)
        request_id = open_request(db, clock, officer, cert_no=row.cert_no,
                                  roster_no=row.roster_no, firm_code=lawyer.firm_code.upper(),
                                  basis=basis, document_no=document_no,
                                  detail={"external_ref": row.external_ref})
    db.table("platform_bookings").insert({
        "external_ref": row.external_ref, "request_id": request_id, "booking_id": None,
        "imported_at": iso(clock.now()), "imported_by": officer, "file": file_name})
    audit.record(db, clock, officer, "open_platform_request", f"request:{request_id}", {
        "external_ref": row.external_ref, "cert_no": row.cert_no, "roster_no": row.roster_no,
        "reused": bool(existing), "file": file_name})
    return request_id


def _free_room(db: Database, clock: Clock, kind: RoomKind, start: datetime,
               end: datetime) -> str:
    room = free_room(db, kind, start, end, clock.now())
    if room is None:
        what = {"meeting": ("会见室", "meeting room"), "video": ("视频会见终端", "video terminal")}
        zh, en = what[kind]
        raise DomainError("B4", f"{start:%Y-%m-%d %H:%M}没有空闲的{zh}",
                          f"no {en} is free at {start:%Y-%m-%d %H:%M}")
    return room.id


def _same(booking: Booking, row: PlatformBookingRow, start: datetime) -> bool:
    return (booking.cert_no, booking.roster_no, booking.start) == (row.cert_no, row.roster_no,
                                                                   start)


def _check_platform_start(clock: Clock, settings: Settings, start: datetime) -> None:
    """B3/E3: a platform booking starts on the start grid, within the booking horizon."""
    grid, horizon = settings.meetings.grid_minutes, settings.meetings.booking_horizon_days
    if start.minute % grid or start.second:
        raise DomainError("B3", f"开始时间{start:%H:%M}不在每{grid}分钟的时间格上（如09:00、09:{grid:02d}）",
                          f"the start {start:%H:%M} is not on the {grid}-minute grid (e.g. 09:00,"
                          f" 09:{grid:02d})")
    last = clock.now().date() + timedelta(days=horizon)
    if start.date() > last:
        raise DomainError("B3", f"开始日期{start:%Y-%m-%d}超出可预约范围（{horizon}天内，至{last}）",
                          f"the date {start:%Y-%m-%d} is beyond the booking horizon ({horizon}"
                          f" days, until {last})")


def _import_row(db: Database, clock: Clock, settings: Settings, officer: str,
                row: PlatformBookingRow, line: int, file_name: str) -> ImportedBooking:
    start = row.start_in(clock.zone)
    known = one(db, "SELECT * FROM platform_bookings WHERE external_ref = ?",
                (row.external_ref,))
    if known and known["booking_id"] is None:  # an import cut short: its request may be booked
        live = one(db, "SELECT id FROM bookings WHERE request_id = ? AND state IN"
                       f" {in_list(LIVE_STATES)}", (known["request_id"], *LIVE_STATES))
        if live:
            with transaction(db):
                db.execute("UPDATE platform_bookings SET booking_id = ? WHERE external_ref = ?",
                           (live["id"], row.external_ref))
                audit.record(db, clock, officer, "link_platform_booking",
                             f"booking:{live['id']}", {"external_ref": row.external_ref})
            known = {**known, "booking_id": live["id"]}
    if known and known["booking_id"] is not None:
        booking = get_booking(db, clock, known["booking_id"])
        if not _same(booking, row, start):
            when = f"{booking.start:%Y-%m-%d %H:%M}"
            raise DomainError("E3", f"{row.external_ref}已导入为预约{booking.id}（{when}），"
                              "本行内容不同：改约请到窗口办理",
                              f"{row.external_ref} was imported as booking {booking.id}"
                              f" ({when}) and this row differs: changes are made at the desk")
        return ImportedBooking(line, row.external_ref, booking, new=False)
    if known is None:
        _check_platform_start(clock, settings, start)
        with transaction(db):
            request_id = _platform_request(db, clock, officer, row, file_name)
    else:
        request_id = known["request_id"]
    length = settings.meetings.default_length
    room_id = _free_room(db, clock, row.room_kind, start, start + timedelta(minutes=length))
    # C3: the lawyer chose the time on the platform; it is printed on the 情况说明.
    booking = book(db, clock, settings, officer, request_id, room_id, start, length,
                   delay_reason="lawyer_choice")
    with transaction(db):
        db.execute("UPDATE platform_bookings SET booking_id = ? WHERE external_ref = ?",
                   (booking.id, row.external_ref))
        audit.record(db, clock, officer, "import_platform_booking", f"booking:{booking.id}",
                     {"external_ref": row.external_ref, "file": file_name})
    return ImportedBooking(line, row.external_ref, booking, new=True)


def _import_rows(db: Database, clock: Clock, settings: Settings, officer: str,
                 rows: list[tuple[int, PlatformBookingRow]], file_name: str) -> BookingImport:
    result = BookingImport()
    for line, row in rows:
        try:
            result.bookings.append(_import_row(db, clock, settings, officer, row, line,
                                               file_name))
        except DomainError as exc:
            result.errors.append(RowError(line, _FIELD_OF_RULE.get(exc.rule, "start"),
                                          f"{exc.rule} {exc.zh} / {exc.en}"))
    return result


# --- the file -------------------------------------------------------------------------------


def _trial_copy(db: Database, folder: Path) -> Database:
    """A copy of the database to try the whole file on (sqlite's online backup)."""
    conn = sqlite3.connect(folder / "trial.db", isolation_level=None)
    db.conn.backup(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    trial = Database(conn)
    audit.bind_scratch_copy(db, trial)
    return trial


def _lines(rows: list[tuple[int, object]]) -> dict[str, int]:
    """The line of each reference's first row (later duplicates are errors)."""
    lines: dict[str, int] = {}
    for line, cells in rows:
        if isinstance(cells, dict):
            lines.setdefault(cells.get("external_ref", "").strip(), line)
    return lines


def import_bookings(db: Database, clock: Clock, settings: Settings, officer: str, path: Path,
                    skip_bad: bool = False) -> BookingImport:
    """B7/E3: check every row of a platform export, then book each (see the module docstring).
    A reference imported before is returned again, not booked twice. With a bad row and
    skip_bad False nothing is written. Raises DomainError("E3") when the file as a whole is
    unusable and ("S1") when `officer` is not a staff number."""
    if one(db, "SELECT 1 AS x FROM staff WHERE staff_no = ?", (officer,)) is None:
        raise DomainError("S1", f"无此警号{officer}：请写明接收网上预约的民警警号",
                          f"no staff number {officer}: give the number of the officer who"
                          " takes the online bookings")
    path = Path(path)
    cells = read_rows(path, PLATFORM_BOOKINGS)
    good, errors = validate_rows(PLATFORM_BOOKINGS, cells)
    lines = _lines(cells)
    rows = [(lines[row.external_ref], row) for row in good]
    with tempfile.TemporaryDirectory(prefix="kiosk-import-") as folder:
        trial_db = _trial_copy(db, Path(folder))
        try:
            trial = _import_rows(trial_db, clock, settings, officer, rows, path.name)
        finally:
            trial_db.conn.close()
    errors = sorted(errors + trial.errors, key=lambda e: e.line)
    if errors and not skip_bad:
        return BookingImport(errors=errors)
    refused = {e.line for e in trial.errors}
    done = _import_rows(db, clock, settings, officer,
                        [(line, row) for line, row in rows if line not in refused], path.name)
    # Only a desk booking made between the trial and now can refuse a row here.
    return BookingImport(bookings=done.bookings,
                         errors=sorted(errors + done.errors, key=lambda e: e.line))
