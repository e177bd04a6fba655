"""Scenarios: small TOML overlays on config/kiosk.toml, deep-merged over its settings and
validated by the same model (a typo is an error naming the key), plus a `[whatif]` table for
the levers that are not settings (rooms added, interrogation consent, holiday duty). The
common ones are built in by name."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from booking.settings import Room, Settings

TODAY = "today"

# name -> (zh, en, TOML overlay). The overlays are what a warden would write in a file.
BUILT_IN: dict[str, tuple[str, str, str]] = {
    "sunday": ("周日开放", "Sunday switch on", "[hours]\nsunday_open = true\n"),
    "saturday-long": ("周六延长时间", "longer Saturday hours (08:00-12:00, 12:30-18:00)",
                      '[hours]\nsaturday = ["08:00-12:00", "12:30-18:00"]\n'),
    "plus-room": ("增加一间会见室", "one more meeting room",
                  "[whatif]\nextra_meeting_rooms = 1\n"),
    "plus-video": ("增加一台视频终端", "one more video terminal",
                   "[whatif]\nextra_video_terminals = 1\n"),
    "interrogation": ("讯问室（经律师同意）", "one more interrogation room, 85% consent (B5)",
                      "[whatif]\nextra_interrogation_rooms = 1\n"
                      "interrogation_consent_rate = 0.85\n"),
    "holiday-duty": ("节假日值班", "duty sessions on the coming holidays (B2)",
                     "[whatif]\nholiday_duty_sessions = true\n"),
}


class ScenarioError(Exception):
    """A scenario that cannot be used (message in zh and en)."""


class Levers(BaseModel):
    """The `[whatif]` table of an overlay: what the warden changes beyond the settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = ""
    extra_meeting_rooms: int = Field(0, ge=0, le=20)
    extra_video_terminals: int = Field(0, ge=0, le=20)
    extra_interrogation_rooms: int = Field(0, ge=0, le=20)
    interrogation_consent_rate: float | None = Field(None, ge=0, le=1)
    holiday_duty_sessions: bool = False
    # B2: the officer adds a duty session whenever nothing opens before a deadline
    duty_sessions_on_demand: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    zh: str
    en: str
    settings: Settings
    levers: Levers
    overlay: str  # the TOML text, shown and kept with the result


def deep_merge(base: dict, overlay: dict) -> dict:
    """Tables merge key by key; any other value (lists included) replaces the base's."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _invalid(name: str, exc: ValidationError, prefix: str = "") -> ScenarioError:
    lines = [f"情景 {name} 有误 / scenario {name} is invalid:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        lines.append(f"  {key}: {err['msg']}")
    return ScenarioError("\n".join(lines))


def _rooms_added(settings: Settings, levers: Levers) -> list[Room]:
    rooms = list(settings.rooms)
    for kind, count, zh in (("meeting", levers.extra_meeting_rooms, "会见室"),
                            ("video", levers.extra_video_terminals, "视频会见终端"),
                            ("interrogation", levers.extra_interrogation_rooms, "讯问室")):
        for n in range(1, count + 1):
            rooms.append(Room(id=f"WHATIF-{kind[0].upper()}{n}", name=f"假设{zh}{n}", kind=kind))
    return rooms


def build_scenario(name: str, overlay_text: str, base_config: dict,
                   zh: str = "", en: str = "") -> Scenario:
    """The overlay merged over the config's data and validated as Settings; the `[whatif]`
    table validated as Levers. ScenarioError names each wrong key."""
    try:
        overlay = tomllib.loads(overlay_text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"情景 {name} 不是有效的TOML / scenario {name} is not TOML: {exc}"
                            ) from None
    try:
        levers = Levers(**overlay.pop("whatif", {}))
    except ValidationError as exc:
        raise _invalid(name, exc, "whatif") from None
    try:
        settings = Settings(**deep_merge(base_config, overlay))
    except ValidationError as exc:
        raise _invalid(name, exc) from None
    if settings.hours.sunday_open and not settings.hours.sunday:  # the switch needs hours
        settings = settings.model_copy(update={"hours": settings.hours.model_copy(
            update={"sunday": settings.hours.saturday})})
    rooms = _rooms_added(settings, levers)
    if len(rooms) != len(settings.rooms):
        settings = Settings(**{**settings.model_dump(), "rooms": [r.model_dump() for r in rooms]})
    return Scenario(name=name, zh=zh or levers.label or name, en=en or levers.label or name,
                    settings=settings, levers=levers, overlay=overlay_text)


def today_scenario(base_config: dict) -> Scenario:
    return build_scenario(TODAY, "", base_config, "今日配置", "today's configuration")


def load_scenario(spec: str, base_config: dict) -> Scenario:
    """A built-in name (sunday, plus-room, ...) or a TOML file's path."""
    if spec in BUILT_IN:
        zh, en, text = BUILT_IN[spec]
        return build_scenario(spec, text, base_config, zh, en)
    path = Path(spec)
    if not path.is_file():
        names = ", ".join(BUILT_IN)
        raise ScenarioError(f"没有情景 {spec}：请用内置名称（{names}）或TOML文件路径"
                            f"\nno scenario {spec!r}: use a built-in name ({names})"
                            " or the path of a TOML file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"无法读取情景文件 cannot read {path}: {exc}") from None
    return build_scenario(path.stem, text, base_config)
