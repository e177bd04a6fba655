"""T2, C3, B5, S3: what a queue ticket, a 情况说明 and a consent form say, gathered from the
database for the printers. The detainee's name is masked; the ID number is never included."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from .clock import Clock, parse_iso
from .complaints import ComplaintLine, complaint_line
from .errors import DomainError, NotFound
from .meetings import DELAY_REASONS, get_booking
from .qr import code_for
from .queue import ticket_of
from .settings import Settings
from .storage import one


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Explanation(_Model):
    """C3: why the meeting is not now, for the printed 情况说明."""

    reason: str
    reason_zh: str
    reason_en: str
    text: str | None
    requested_at: datetime
    booked_start: datetime
    deadline: datetime
    deferred_by_lawyer: bool
    earliest_offer_at: datetime | None
    complaint: ComplaintLine | None = None  # C6: where the lawyer may complain


class TicketData(_Model):
    """T2: everything a ticket shows. queue_label is None until the lawyer is queued (a booking
    for later gets a slip with its QR code, to be scanned on arrival)."""

    centre: str
    booking_id: int
    queue_label: str | None
    priority: bool
    issued_at: datetime
    lawyer_name: str
    firm_name: str
    detainee_masked: str
    roster_no: str
    room_id: str
    room_name: str
    room_kind: str
    start: datetime
    end: datetime
    deadline: datetime
    qr_code: str
    explanation: Explanation | None
    consent_form: bool  # B5: an interrogation room, used with the lawyer's signed consent


class ConsentData(_Model):
    """B5: the consent form printed before an interrogation room is booked."""

    centre: str
    lawyer_name: str
    cert_no: str
    firm_name: str
    detainee_masked: str
    roster_no: str
    room_name: str
    start: datetime
    end: datetime
    printed_at: datetime


def mask_name(name: str) -> str:
    """S3: 张三丰 -> 张*丰, 李四 -> 李*, 欧阳娜娜 -> 欧**娜; the first and last characters stay."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# An 18-character resident ID number, or an old 15-digit one, standing alone.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")


def _for_the_lawyer(text: str | None, name: str) -> str | None:
    """S3: words an officer typed (the reason "other") go on the lawyer's 情况说明 with the
    detainee's name masked and any ID number starred out."""
    if not text:
        return text
    name = name.strip()
    if len(name) > 1:
        text = text.replace(name, mask_name(name))
    return _ID_NUMBER.sub(lambda found: "*" * len(found.group()), text)


def _people(db: Database, cert_no: str, roster_no: str) -> tuple[dict, dict]:
    lawyer = one(db, "SELECT name, firm_name FROM lawyers WHERE cert_no = ?", (cert_no,))
    detainee = one(db, "SELECT name FROM detainees WHERE roster_no = ?", (roster_no,))
    return (lawyer or {"name": "", "firm_name": ""}), (detainee or {"name": ""})


def ticket_for(db: Database, clock: Clock, settings: Settings, booking_id: int) -> TicketData:
    """T2: the data of a booking's ticket (and 情况说明 when the meeting is not now). Reads only,
    apart from creating the QR signing key on first use."""
    booking = get_booking(db, clock, booking_id)
    request = one(db, "SELECT presented_at FROM meeting_requests WHERE id = ?",
                  (booking.request_id,))
    room = one(db, "SELECT name FROM rooms WHERE id = ?", (booking.room_id,))
    lawyer, detainee = _people(db, booking.cert_no, booking.roster_no)
    ticket = ticket_of(db, clock, booking_id)
    explanation = None
    if not booking.immediate:
        reason = booking.delay_reason or "other"
        zh, en = DELAY_REASONS.get(reason, DELAY_REASONS["other"])
        explanation = Explanation(
            reason=reason, reason_zh=zh, reason_en=en,
            text=_for_the_lawyer(booking.delay_text, detainee["name"]),
            requested_at=parse_iso(request["presented_at"], clock.zone),
            booked_start=booking.start, deadline=booking.deadline,
            deferred_by_lawyer=booking.deferred_by_lawyer,
            earliest_offer_at=booking.earliest_offer_at, complaint=complaint_line(settings))
    return TicketData(
        centre=settings.centre.name, booking_id=booking.id,
        queue_label=ticket.label if ticket else None, priority=booking.priority,
        issued_at=ticket.issued_at if ticket else clock.now(),
        lawyer_name=lawyer["name"], firm_name=lawyer["firm_name"],
        detainee_masked=mask_name(detainee["name"]), roster_no=booking.roster_no,
        room_id=booking.room_id, room_name=room["name"] if room else booking.room_id,
        room_kind=booking.room_kind, start=booking.start, end=booking.end,
        deadline=booking.deadline, qr_code=code_for(settings, clock, booking),
        explanation=explanation, consent_form=booking.room_kind == "interrogation")


def consent_for(db: Database, clock: Clock, settings: Settings, request_id: int, room_id: str,
                start: datetime, length: int | None = None) -> ConsentData:
    """B5: the consent form for an interrogation-room offer, printed for the lawyer to sign
    before `book(..., consent_signed=True)`. Reads only."""
    request = one(db, "SELECT cert_no, roster_no FROM meeting_requests WHERE id = ?",
                  (request_id,))
    if request is None:
        raise NotFound("C1", f"无此会见申请{request_id}", f"no meeting request {request_id}")
    room = one(db, "SELECT name, kind FROM rooms WHERE id = ?", (room_id,))
    if room is None or room["kind"] != "interrogation":
        raise DomainError("B5", f"{room_id}不是讯问室，无须同意书",
                          f"{room_id} is not an interrogation room: no consent form needed")
    lawyer, detainee = _people(db, request["cert_no"], request["roster_no"])
    start = start.astimezone(clock.zone)
    minutes = length or settings.meetings.default_length
    return ConsentData(
        centre=settings.centre.name, lawyer_name=lawyer["name"], cert_no=request["cert_no"],
        firm_name=lawyer["firm_name"], detainee_masked=mask_name(detainee["name"]),
        roster_no=request["roster_no"], room_name=room["name"], start=start,
        end=start + timedelta(minutes=minutes), printed_at=clock.now())
