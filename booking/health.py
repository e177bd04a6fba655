"""Health checks of the domain's parts for `kiosk doctor`: each says what to do when wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlite_utils import Database

from . import audit
from .calendar import OpeningCalendar
from .charges import charge_code
from .clock import Clock
from .errors import DomainError
from .qr import Keyring
from .settings import Settings

Status = Literal["ok", "warning", "fault"]


@dataclass(frozen=True)
class Finding:
    part: str
    status: Status
    zh: str
    en: str


def database_findings(db: Database) -> list[Finding]:
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    findings = [Finding("database", "ok" if result == "ok" else "fault",
                        "数据库完整" if result == "ok" else f"数据库损坏：{result}；请从备份恢复（kiosk restore）",
                        "database intact" if result == "ok" else
                        f"database damaged: {result}; restore a backup (kiosk restore)")]
    chain = audit.verify(db)
    findings.append(Finding("audit", "ok" if chain.ok else "fault",
                            f"审计链完整（{chain.entries}条）" if chain.ok else
                            f"审计链在第{chain.broken_at}条断裂：数据被改动，请报告所领导并从备份核对",
                            f"audit chain intact ({chain.entries} entries)" if chain.ok else
                            f"audit chain broken at entry {chain.broken_at}: report to the warden"
                            " and compare with a backup"))
    findings.append(roster_finding(db))
    return findings


def migration_finding(pending: list[str], unknown: list[str]) -> Finding:
    """The schema as it was before doctor opened the file (storage.schema_state). Opening
    applies pending migrations (every kiosk command does), so they are reported as applied
    now; migrations this version does not know mean a newer kiosk upgraded the file, which
    doctor then does not open for writing."""
    if unknown:
        names = ", ".join(unknown)
        return Finding("migrations", "fault",
                       f"数据库已被更新版本的终端升级（{names}）：请安装该版本，或恢复升级前的备份",
                       f"the database was upgraded by a newer kiosk version ({names}): install"
                       " that version, or restore the backup taken before the upgrade")
    if pending:
        names = ", ".join(pending)
        return Finding("migrations", "warning",
                       f"数据库有待执行的升级，已在本次检查打开数据库时执行：{names}",
                       f"migrations were pending and were applied as doctor opened the"
                       f" database: {names}")
    return Finding("migrations", "ok", "数据库结构为最新", "schema up to date")


def file_mode_findings(paths: list, folders: list = ()) -> list[Finding]:
    """S2 files: the database, its anchors and logs, backups and printer output hold names,
    ID numbers or codes: owner-only files (0600) in owner-only folders (0700). The kiosk
    tightens its own at start (booking.files); what is still loose is named with the fix."""
    loose = [p for p in paths if p.is_file() and p.stat().st_mode & 0o077]
    open_folders = [f for f in folders if f.is_dir() and f.stat().st_mode & 0o077]
    if not loose and not open_folders:
        return [Finding("file_modes", "ok", "数据库、备份及打印文件仅所有者可读写（文件600，文件夹700）",
                        "database, backup and printer files are owner-only (files 600,"
                        " folders 700)")]
    fixes = []
    if loose:
        fixes.append(f"chmod 600 {' '.join(str(p) for p in loose)}")
    if open_folders:
        fixes.append(f"chmod 700 {' '.join(str(f) for f in open_folders)}")
    fix = " && ".join(fixes)
    return [Finding("file_modes", "warning",
                    f"以下文件或文件夹其他用户可访问（含身份证号或签到码）：请以终端用户执行：{fix}",
                    f"files or folders group or others can reach (they hold ID numbers or"
                    f" codes); fix, as the kiosk's user: {fix}")]


def roster_finding(db: Database) -> Finding:
    """P1: a charge category the import would refuse (kept from before the import checked
    it) could hide a permission case: the roster should be imported again."""
    unknown = sorted({category for (category,) in db.execute(
        "SELECT DISTINCT charge_category FROM detainees") if charge_code(category) is None})
    if not unknown:
        return Finding("roster", "ok", "在押人员名册罪名类别均可识别",
                       "every charge category of the roster is known")
    shown = "、".join(unknown[:5]) + ("…" if len(unknown) > 5 else "")
    return Finding("roster", "warning",
                   f"名册中有无法识别的罪名类别：{shown}；无法判断是否须侦查机关许可，请按安装指南更正后重新导入名册",
                   f"unknown charge categories in the roster: {', '.join(unknown[:5])}; whether"
                   " the investigating authority's permission is needed cannot be told: correct"
                   " them as the installer guide says and import the roster again")


def key_findings(settings: Settings, clock: Clock) -> list[Finding]:
    """Q1: the signing keys exist and only their owner can read them."""
    keyring = Keyring.from_settings(settings)
    try:
        keys = keyring.keys()
    except DomainError as exc:
        return [Finding("qr_key", "fault", exc.zh, exc.en)]
    if not keys:
        return [Finding("qr_key", "warning", "二维码签名密钥尚未生成（首次预约时自动生成）",
                        "no QR signing key yet (made with the first booking)")]
    return [Finding("qr_key", "ok", f"二维码签名密钥{len(keys)}个，权限正确",
                    f"{len(keys)} QR signing key(s), owner-only")]


def calendar_findings(db: Database, settings: Settings, clock: Clock) -> list[Finding]:
    """B2: warn while this year or, from December, next year has no official schedule."""
    calendar = OpeningCalendar.from_settings(db, settings)
    today = clock.now().date()
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    missing = [y for y in years if not calendar.covers(y)]
    if not missing:
        return [Finding("calendar", "ok", "官方节假日安排已载入", "official holiday schedule loaded")]
    years_text = "、".join(str(y) for y in missing)
    return [Finding("calendar", "warning",
                    f"{years_text}年官方节假日安排未载入，按每周开放时间办理；公布后请执行"
                    " kiosk calendar import FILE",
                    f"no official schedule for {', '.join(str(y) for y in missing)}: weekly hours"
                    " apply; import it with kiosk calendar import FILE when announced")]
