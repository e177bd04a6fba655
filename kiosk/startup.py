"""Starting the kiosk: the sign-in screen first, the domain while the officer types.

`kiosk` with no subcommand (kiosk/cli.py) loads only click, Textual and the sign-in screen
before the first frame. Before it, the config file is read as plain TOML (booking.preflight)
for the centre's name, its time zone and the QR key folder, and a key file that group or
others can read refuses the start with the fix, exit code 2 (Q1). `KioskApp.starting` then
shows the sign-in screen and, once its first frame is on the terminal, runs `Startup.load`
in a thread: the settings validated (pydantic), the QR keys checked as `kiosk doctor` checks
them, the database opened and upgraded, the rooms synchronised, and the modules a sign-in
and an officer's desk need imported. A sign-in submitted before that waits for it. When it
fails, the kiosk ends and prints why, Chinese and English, with a non-zero exit code: 2 for
the settings and the keys, as before the first screen, 3 for a database that is damaged
(PRAGMA quick_check and the audit's start check, run here before anything is written), not
the kiosk's, read-only or newer (E4), 1 for anything else. A damaged database is also shown
to the officer on the screen, which stays until Ctrl+Q (kiosk/screens/damaged.py): the
kiosk never got the database, so no use case can write to it.

This module itself imports only the standard library and the two light modules below.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from booking.clock import SHANGHAI, SystemClock
from booking.preflight import key_folder_of

if TYPE_CHECKING:
    from sqlite_utils import Database

    from booking.settings import Settings

log = logging.getLogger(__name__)

ACTOR = "cli"  # who synchronises the rooms with the config in the audit log, as kiosk/cli.py


@dataclass(frozen=True)
class Preview:
    """What the sign-in screen shows before the settings are validated, from the TOML as
    written; a value that is not what the settings expect gives way to a neutral one (the
    validation then stops the kiosk naming the key)."""

    centre_name: str
    zone: tzinfo
    key_folder: Path | None

    @classmethod
    def of(cls, config: dict[str, Any]) -> Preview:
        centre = config.get("centre")
        centre = centre if isinstance(centre, dict) else {}
        name = centre.get("name")
        try:
            zone: tzinfo = ZoneInfo(centre.get("timezone", "Asia/Shanghai"))
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            zone = SHANGHAI
        return cls(name if isinstance(name, str) else "", zone, key_folder_of(config))


@dataclass(frozen=True)
class Loaded:
    """What the desk needs after a sign-in: KioskApp's settings, database and clock."""

    settings: Settings
    db: Database
    clock: SystemClock


class StartupFailure(Exception):
    """The kiosk cannot start: `text` says why and what to do (Chinese, then English).
    `damaged`: the database failed its checks (E4); the officer is told on the screen
    (kiosk/screens/damaged.py), not only in the terminal after the kiosk has gone."""

    def __init__(self, text: str, code: int, *, damaged: tuple[str, str] | None = None
                 ) -> None:
        super().__init__(text)
        self.text = text
        self.code = code
        self.damaged = damaged
        """What is damaged, in Chinese and English, when the database failed its checks."""


def damaged_database(path: Path, finding: str) -> StartupFailure:
    """E4: the database failed PRAGMA quick_check or the audit's start check; nothing has
    been written to it, and nothing will be: what to do, with the commands."""
    return StartupFailure(
        f"数据库{path}已损坏或被改动（{finding}），终端未写入任何数据，也不会办理任何业务。请管理员："
        f"1. 运行 kiosk doctor 逐项检查；2. 从最近一次备份恢复：kiosk restore 备份文件；"
        f"3. 恢复后再运行 kiosk audit verify 核对审计记录\n"
        f"the database {path} is damaged or was altered ({finding}); nothing was written to"
        " it and no business can be done on it. Administrator: 1. run kiosk doctor;"
        " 2. restore the last backup: kiosk restore BACKUP-FILE; 3. then run kiosk audit"
        " verify", 3, damaged=(f"数据库{path}已损坏或被改动：{finding}",
                               f"the database {path} is damaged or was altered: {finding}"))


@dataclass(frozen=True)
class Startup:
    """How the `kiosk` command starts the screens: the config and database files, and the
    preview read before the first screen."""

    config_path: Path
    db_path: Path | None
    preview: Preview
    desk: str | None = None
    """The desk profile (config [desks.NAME]) whose printer this kiosk prints on."""

    def load(self) -> Loaded:
        """Everything the first screen did without (runs in the start-up thread)."""
        try:
            return self._load()
        except StartupFailure:
            raise
        except Exception as exc:
            log.exception("the kiosk could not start")
            detail = f"{type(exc).__name__}: {exc}"
            raise StartupFailure(
                f"终端无法启动（{detail}）。请联系管理员，可用 kiosk doctor 逐项检查\n"
                f"the kiosk could not start ({detail}). Call the administrator;"
                " kiosk doctor checks each part", 1) from exc

    def _load(self) -> Loaded:
        from booking import audit
        from booking.errors import DomainError
        from booking.files import file_printer_folders, tighten_install
        from booking.health import key_findings
        from booking.notices import forget_lawyer_phones
        from booking.rooms import sync_rooms
        from booking.settings import ConfigError, load_settings
        from booking.storage import open_database, quick_check

        try:
            settings = load_settings(self.config_path).for_desk(self.desk)
        except ConfigError as exc:
            raise StartupFailure(str(exc), 2) from None
        clock = SystemClock(settings.zone)
        for finding in key_findings(settings, clock):
            if finding.status == "fault":  # S3/Q1: never run with a key that cannot be trusted
                raise StartupFailure(f"{finding.zh}\n{finding.en}", 2)
        path = Path(self.db_path or settings.database.path)
        damage = quick_check(path) if path.is_file() else None
        if damage:  # E4: a damaged database is reported before anything is written to it
            raise damaged_database(path, f"PRAGMA quick_check: {damage}")
        tighten_install(path, file_printer_folders(settings), clock)  # S2 files, an older install
        try:
            db = open_database(path, handed_over=True, key_folder=settings.qr.key_folder,
                               anchor_every=settings.audit.anchor_every)
        except DomainError as exc:  # E4: not the kiosk's, read-only, newer
            raise StartupFailure(f"{exc.zh}\n{exc.en}", 3) from None
        problem = audit.start_check(db)
        if problem is not None:  # S2: a truncated or rewritten log, before the first write
            db.conn.close()
            raise damaged_database(path, f"audit: {problem.text}")
        sync_rooms(db, clock, ACTOR, settings.rooms)
        forget_lawyer_phones(db, clock, settings)  # P2: kept no longer than config says
        import booking.staff  # noqa: F401  the sign-in (argon2)
        import kiosk.screens.verify  # noqa: F401  an officer's desk after it
        return Loaded(settings, db, clock)
