"""What the kiosk checks before its first screen, with the standard library only.

`kiosk` with no subcommand shows the sign-in screen before it loads pydantic, sqlite_utils
or the rest of the domain (kiosk/startup.py): it reads config/kiosk.toml as plain TOML here
for the little the first screen needs, and refuses to start when a QR signing key file can
be read by group or others (Q1), as `booking.qr.Keyring` refuses to use one. The settings are
validated afterwards by booking.settings, which reads the file with `read_config` too.
"""

from __future__ import annotations

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


def exposed_key_refusal(path: Path) -> tuple[str, str]:
    """The refusal of a key file others can read, with the fix (Chinese, English)."""
    return (f"二维码签名密钥文件{path}可被其他用户读取，已拒绝使用。请执行：chmod 600 {path}",
            f"the QR signing key file {path} is readable by group or others and is refused."
            f" Fix: chmod 600 {path}")


def exposed_key(folder: Path) -> tuple[str, str] | None:
    """The refusal for the first key file in `folder` that others can read, or None."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.key")):
        if readable_by_others(path):
            return exposed_key_refusal(path)
    return None
