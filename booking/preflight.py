"""What the kiosk checks before its first screen, with the standard library only.

`kiosk` with no subcommand shows the sign-in screen before it loads pydantic, sqlite_utils
or the rest of the domain (kiosk/startup.py): it reads config/kiosk.toml as plain TOML here
for the little the first screen needs, and refuses to start when a QR signing key file can
be read by group or others (Q1), as `booking.qr.Keyring` refuses to use one. The settings are
validated afterwards by booking.settings, which reads the file with `read_config` too.
"""

from __future__ import annotations

import getpass
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path("config/kiosk.toml")
DEFAULT_KEY_FOLDER = Path("var/keys")  # qr.key_folder when the config does not say


class ConfigError(Exception):
    """config/kiosk.toml cannot be used; the message names the key and the fault."""


def read_config(path: Path | str = DEFAULT_CONFIG) -> dict[str, Any]:
    """The config file as TOML, not validated; ConfigError when missing or not TOML."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"配置文件不存在 / config file not found: {path}")
    try:
        with path.open("rb") as source:
            return tomllib.load(source)
    except ValueError as exc:  # TOML syntax, or not UTF-8
        raise ConfigError(f"配置文件有误 / config file {path} is invalid: {exc}") from None
    except RecursionError:  # E4: [[[[...]]]] nested thousands deep
        raise ConfigError(f"配置文件嵌套过深 / config file {path} is invalid: nested too"
                          " deep") from None
    except OSError as exc:
        raise ConfigError(f"配置文件无法读取 / config file {path} cannot be read:"
                          f" {exc.strerror}") from None


def key_folder_of(config: dict[str, Any]) -> Path | None:
    """qr.key_folder as the unvalidated config says it; None when it is not a path (the
    settings' validation then names the fault)."""
    qr = config.get("qr", {})
    folder = qr.get("key_folder", DEFAULT_KEY_FOLDER) if isinstance(qr, dict) else None
    return Path(folder) if isinstance(folder, str | Path) else None


def readable_by_others(path: Path) -> bool:
    """Q1: group or others have any permission on the key file."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _kind(path: Path) -> tuple[str, str]:
    """What the key file is, Chinese and English: the audit key (S2) or a QR key (Q1)."""
    if path.suffix == ".secret":
        return "审计密钥文件", "audit key file"
    return "二维码签名密钥文件", "QR signing key file"


def exposed_key_refusal(path: Path) -> tuple[str, str]:
    """The refusal of a key file others can read, with the fix (Chinese, English)."""
    zh, en = _kind(path)
    return (f"{zh}{path}可被其他用户读取，已拒绝使用。请执行：chmod 600 {path}",
            f"the {en} {path} is readable by group or others and is refused."
            f" Fix: chmod 600 {path}")


def untrusted_key(path: Path) -> tuple[str, str] | None:
    """Q1/S2/S3: the refusal of a key file others can read, or one another user owns (a key
    planted by someone else signs codes, or audit entries, the kiosk would accept), with the
    fix; or None."""
    if readable_by_others(path):
        return exposed_key_refusal(path)
    if path.stat().st_uid != os.geteuid():
        zh, en = _kind(path)
        return (f"{zh}{path}不属于终端用户，已拒绝使用。请确认该文件可信后执行："
                f"chown {getpass.getuser()} {path}",
                f"the {en} {path} is owned by another user and is refused."
                f" If it is genuine: chown {getpass.getuser()} {path}")
    return None


def untrusted_key_folder(folder: Path) -> tuple[str, str] | None:
    """Q1/S3: the key folder must be the kiosk user's and owner-only (0700): in a folder
    others can write, anyone could plant a key."""
    info = folder.stat()
    if info.st_uid != os.geteuid():
        return (f"二维码密钥文件夹{folder}不属于终端用户，已拒绝使用。请执行："
                f"chown {getpass.getuser()} {folder} && chmod 700 {folder}",
                f"the QR key folder {folder} is owned by another user and is refused. Fix:"
                f" chown {getpass.getuser()} {folder} && chmod 700 {folder}")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (f"二维码密钥文件夹{folder}的权限为{stat.S_IMODE(info.st_mode):o}，其他用户可访问，"
                f"已拒绝使用。请执行：chmod 700 {folder}",
                f"the QR key folder {folder} has mode {stat.S_IMODE(info.st_mode):o}: others"
                f" can reach it, and it is refused. Fix: chmod 700 {folder}")
    return None


def exposed_key(folder: Path) -> tuple[str, str] | None:
    """The refusal for the key folder, or the first key file in it, that cannot be trusted
    (see untrusted_key_folder, untrusted_key), or None."""
    if not folder.is_dir():
        return None
    refusal = untrusted_key_folder(folder)
    for path in sorted([*folder.glob("*.key"), *folder.glob("*.secret")]):
        refusal = refusal or untrusted_key(path)
    return refusal
