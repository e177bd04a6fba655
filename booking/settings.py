"""The kiosk's one settings model, read from config/kiosk.toml (tomllib, then pydantic).

Only the file is read: no environment variables or other sources override it."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .preflight import DEFAULT_CONFIG, DEFAULT_KEY_FOLDER, ConfigError, read_config

__all__ = ["DEFAULT_CONFIG", "ConfigError", "Settings", "load_settings", "parse_session"]

_SESSION = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Centre(_Strict):
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"
    # The centre's code in the city's exchange of reports (`centre` in every report's JSON;
    # `kiosk city-report` refuses two files of one code). Empty: the name stands for it.
    code: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,32}$")
    # C6: where a lawyer may complain (the procuratorate at the same or the next level);
    # printed on every refusal slip, 情况说明 and permission-refusal notice.
    procuratorate_name: str = Field("", max_length=60)
    procuratorate_address: str = Field("", max_length=100)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Database(_Strict):
    path: Path = Path("var/kiosk.db")


ROOM_KINDS_EN = {"meeting": "Meeting room", "video": "Video terminal",
                 "interrogation": "Interrogation room"}


class Room(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")
    name: str = Field(min_length=1)
    kind: Literal["meeting", "video", "interrogation"]
    # The name the English screens show; unset: the kind and the number the name ends
    # with ("会见室1" -> "Meeting room 1"), else the kind and the id. Paper shows `name`.
    name_en: str = ""

    @model_validator(mode="before")
    @classmethod
    def _english_name(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("name_en") and data.get("kind") in \
                ROOM_KINDS_EN:
            number = re.search(r"(\d+)$", str(data.get("name", "")))
            data = {**data, "name_en": f"{ROOM_KINDS_EN[data['kind']]} "
                                      f"{number.group(1) if number else data.get('id', '')}"}
        return data


Session = tuple[time, time]


def parse_session(text: str) -> Session:
    """'08:30-11:30' -> (08:30, 11:30); raises ValueError naming the text."""
    match = _SESSION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from exc
    if start >= end:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


class Hours(_Strict):
    monday: list[str]
    tuesday: list[str]
    wednesday: list[str]
    thursday: list[str]
    friday: list[str]
    saturday: list[str]
    sunday: list[str] = []
    sunday_open: bool = False
    holidays_closed: bool = True

    @field_validator("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    @classmethod
    def _sessions(cls, value: list[str]) -> list[str]:
        sessions = sorted(parse_session(s) for s in value)
        for (_, end), (start, _) in zip(sessions, sessions[1:], strict=False):
            if start < end:
                raise ValueError("sessions overlap")
        return value

    def sessions_for_weekday(self, weekday: int) -> list[Session]:
        """Sessions of a weekday (0 = Monday) from config, Sunday switch applied."""
        names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        if weekday == 6 and not self.sunday_open:
            return []
        return sorted(parse_session(s) for s in getattr(self, names[weekday]))


class Meetings(_Strict):
    lengths: list[Annotated[int, Field(gt=0, le=480)]] = Field([45, 60, 90], min_length=1)
    default_length: int = 60
    grid_minutes: int = Field(15, ge=5, le=60)
    late_minutes: int = Field(15, ge=0, le=120)
    # B3/E3: how far ahead a platform booking may be (a row for 9999-12-31 is a typing error).
    booking_horizon_days: int = Field(30, ge=1, le=366)
    early_start_minutes: int = Field(15, ge=0, le=120)  # B11: start at most this early

    @model_validator(mode="after")
    def _default_is_offered(self) -> Meetings:
        off_grid = [n for n in self.lengths if n % self.grid_minutes]
        if off_grid:  # B3: a meeting ends on the grid its start is on
            raise ValueError(f"lengths {off_grid} are not multiples of grid_minutes"
                             f" ({self.grid_minutes})")
        if self.default_length not in self.lengths:
            raise ValueError("default_length must be one of lengths")
        return self


class Printer(_Strict):
    kind: Literal["file", "network", "usb", "serial"] = "file"
    folder: Path = Path("var/printer")
    paper_mm: Literal[58, 80] = 80
    host: str = "127.0.0.1"
    port: int = Field(9100, ge=1, le=65535)
    timeout_seconds: float = Field(3.0, gt=0, le=60)
    # T2: Chinese text is sent in the printer's Chinese mode in this encoding; a line the
    # printer font cannot show (rare characters, emoji) is printed as a picture instead.
    encoding: Literal["GB18030", "GBK"] = "GB18030"
    qr: Literal["native", "image"] = "native"   # native: the printer draws it (GS ( k)
    font: str = ""                              # CJK font file for pictures and previews
    status_check: bool = True                   # ask for paper/cover status (DLE EOT)
    usb_vendor_id: int = Field(0, ge=0, le=0xFFFF)
    usb_product_id: int = Field(0, ge=0, le=0xFFFF)
    serial_device: str = "/dev/ttyUSB0"
    baudrate: int = Field(9600, ge=1200, le=921600)

    @model_validator(mode="after")
    def _usb_ids(self) -> Printer:
        if self.kind == "usb" and not (self.usb_vendor_id and self.usb_product_id):
            raise ValueError("a usb printer needs usb_vendor_id and usb_product_id")
        return self


class QrCodes(_Strict):
    """Q1: where the signing keys live and how long codes and retired keys stay valid."""

    key_folder: Path = DEFAULT_KEY_FOLDER
    valid_hours_after_start: int = Field(12, ge=1, le=48)
    grace_days: int = Field(30, ge=0, le=365)


class Security(_Strict):
    max_pin_attempts: int = Field(5, ge=1, le=20)
    min_pin_length: int = Field(6, ge=4, le=32)
    idle_lock_minutes: int = Field(5, ge=1, le=240)


class Serve(_Strict):
    """`kiosk serve`: where the desks' browsers and the lobby board connect. 127.0.0.1 by
    default: only this machine; a LAN address is set on purpose (docs/installer-guide.md)."""

    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8000, ge=1, le=65535)


class Desk(_Strict):
    """A desk's profile: `kiosk --desk NAME` (and a served desk at /desk/NAME) prints on its
    own printer. The section is a whole [printer]: keys not given take the printer defaults
    (the file printer), not the values of the shared [printer] section."""

    printer: Printer = Printer()


class Privacy(_Strict):
    # P2: days a lawyer's phone number is kept after the request was opened, once the
    # request is no longer open (it is erased then; never printed, officer screens only).
    lawyer_phone_days: int = Field(30, ge=1, le=365)


class Audit(_Strict):
    """S2/S4: how often the audit head is anchored beside the database, and how many
    databases a restore keeps aside."""

    anchor_every: int = Field(50, ge=1, le=10_000)
    keep_before_restore: int = Field(5, ge=1, le=100)


class Settings(_Strict):
    """Everything config/kiosk.toml may say; unknown keys are errors."""

    centre: Centre
    database: Database = Database()
    rooms: list[Room]
    hours: Hours
    meetings: Meetings = Meetings()
    printer: Printer = Printer()
    qr: QrCodes = QrCodes()
    security: Security = Security()
    audit: Audit = Audit()
    privacy: Privacy = Privacy()
    serve: Serve = Serve()
    desks: dict[str, Desk] = {}

    @model_validator(mode="after")
    def _desk_names(self) -> Settings:
        for name in self.desks:
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", name):
                raise ValueError(f"desk name {name!r}: 1-16 letters, digits, - or _")
        return self

    def for_desk(self, name: str | None) -> Settings:
        """The settings a desk runs with: its profile's printer in place of [printer]; the
        shared settings for no name. ConfigError for a desk the config does not name."""
        if not name:
            return self
        desk = self.desks.get(name)
        if desk is None:
            known = ", ".join(sorted(self.desks)) or "-"
            raise ConfigError(f"配置文件中没有窗口{name!r}（已配置：{known}）\n"
                              f"no desk {name!r} in the config's [desks] (configured: {known})")
        return self.model_copy(update={"printer": desk.printer})

    @model_validator(mode="after")
    def _rooms_unique(self) -> Settings:
        ids = [room.id for room in self.rooms]
        if len(ids) != len(set(ids)):
            raise ValueError("room ids must be unique")
        if not any(room.kind == "meeting" for room in self.rooms):
            raise ValueError("at least one meeting room is needed")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.centre.timezone)


def load_settings(path: Path | str = DEFAULT_CONFIG) -> Settings:
    """The validated settings; ConfigError naming each wrong key (`meetings.grid_minute:
    Extra inputs are not permitted`), or the file missing or not TOML."""
    path = Path(path)
    data = read_config(path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        lines = [f"配置文件有误 / config file {path} is invalid:"]
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            lines.append(f"  {key}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None

