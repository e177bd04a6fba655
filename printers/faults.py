"""T4/E1: a printer fault the officer sees: what is wrong and what to do, in Chinese and
English. The technical detail (the error the system gave, e.g. "[Errno 111] Connection
refused") is kept apart, for the log and the audit entry, never as the message itself."""

from __future__ import annotations

import errno
import socket
from typing import Literal

from escpos.exceptions import DeviceNotFoundError

FaultKind = Literal["offline", "timeout", "closed", "paper_out", "cover_open", "printer_error",
                    "no_device", "folder", "font", "setup"]
Connection = Literal["file", "network", "usb", "serial"]

# cause: (kind, (what is wrong, what to do) in Chinese, the same in English). {where} is the
# printer's address or device, {cable_*} the cable it hangs on, {device_*} the kind of
# printer, {package} a missing library and {install} how to install it.
MESSAGES: dict[str, tuple[FaultKind, tuple[str, str], tuple[str, str]]] = {
    "refused": ("offline",
                ("打印机未连接（{where}）", "请检查打印机电源和网线"),
                ("printer not reachable ({where})", "check its power and network cable")),
    "unreachable": ("offline",
                    ("网络上找不到打印机（{where}）", "请检查打印机电源、网线和IP地址"),
                    ("printer not on the network ({where})",
                     "check its power, network cable and IP address")),
    "unknown_host": ("setup",
                     ("打印机地址无效（{where}）", "请检查设置中的打印机地址 printer.host"),
                     ("printer address not found ({where})",
                      "check the printer address printer.host in the settings")),
    "timeout": ("timeout",
                ("打印机无响应（{where}）", "请检查打印机电源和{cable_zh}"),
                ("printer not responding ({where})", "check its power and {cable_en}")),
    "closed": ("closed",
               ("打印中打印机断开了连接（{where}）", "请检查打印机电源和{cable_zh}"),
               ("printer dropped the connection while printing ({where})",
                "check its power and {cable_en}")),
    "paper_out": ("paper_out",
                  ("打印机缺纸", "请装入新纸卷并合上打印机盖"),
                  ("printer out of paper", "load a new roll and close the cover")),
    "cover_open": ("cover_open",
                   ("打印机盖未关好", "请合上打印机盖"),
                   ("printer cover open", "close the cover")),
    "printer_error": ("printer_error",
                      ("打印机报错（切刀卡纸或过热）", "请清除卡纸，待打印机冷却后关机再开机"),
                      ("printer reports an error (cutter jam or overheating)",
                       "clear the jam, let it cool, then switch it off and on")),
    "usb_missing": ("no_device",
                    ("找不到USB打印机（{where}）", "请检查打印机电源和USB线"),
                    ("USB printer not found ({where})", "check its power and USB cable")),
    "serial_missing": ("no_device",
                       ("无法打开串口打印机（{where}）",
                        "请检查打印机电源、串口线和设置中的串口 printer.serial_device"),
                       ("serial printer not available ({where})",
                        "check its power, serial cable and printer.serial_device in the"
                        " settings")),
    "no_permission": ("setup",
                      ("没有权限使用打印机（{where}）", "请管理员开放该设备的使用权限"),
                      ("no permission to use the printer ({where})",
                       "ask the administrator to allow access to the device")),
    "driver_missing": ("setup",
                       ("{device_zh}打印机缺少程序库 {package}", "请管理员安装（{install}）并检查设备权限"),
                       ("the {device_en} printer needs the library {package}",
                        "ask the administrator to install it ({install}) and check device"
                        " permissions")),
    "folder": ("folder",
               ("无法写入打印文件夹（{where}）", "请检查该文件夹存在、可以写入且磁盘有空间"),
               ("cannot write to the printer folder ({where})",
                "check it exists, is writable and the disk has space")),
    "font_missing": ("font",
                     ("找不到配置的中文字体（printer.font = {where}）",
                      "请检查该字体文件，或把 printer.font 留空以使用系统字体"),
                     ("the configured CJK font is missing (printer.font = {where})",
                      "check the font file, or leave printer.font empty to use a system font")),
    "no_font": ("font",
                ("系统中没有中文字体", "请重新安装本程序（会带上 Noto Sans CJK 字体），或在 printer.font 中指定字体文件"),
                ("no CJK font on this system",
                 "reinstall the kiosk (it brings the Noto Sans CJK font), or set printer.font"
                 " to a font file")),
    "failed": ("printer_error",
               ("打印失败（{where}）", "请检查打印机；仍不行请联系技术人员"),
               ("printing failed ({where})",
                "check the printer; if it keeps failing, call technical support")),
}

CABLES = {"network": ("网线", "network cable"), "usb": ("USB线", "USB cable"),
          "serial": ("串口线", "serial cable")}
DEVICES = {"network": ("网络", "network"), "usb": ("USB", "USB"), "serial": ("串口", "serial"),
           "file": ("文件", "file")}
INSTALL = {"pyusb": "pip install 'lawyer-meeting-kiosk[usb]' / .venv/bin/pip install pyusb",
           "pyserial": "pip install 'lawyer-meeting-kiosk[serial]' / .venv/bin/pip install"
                       " pyserial",
           "libusb": "apt install libusb-1.0-0"}


class PrintFault(Exception):
    """The job did not print. The booking is untouched; record the fault and reprint.

    zh / en: what is wrong and what to do ("打印机缺纸：请装入新纸卷…"); problem: the first
    half alone, for a short status line; detail: what the system said, one line, for the log,
    the audit entry and a last line under the officer's notification, never the message."""

    def __init__(self, kind: FaultKind, problem: tuple[str, str], action: tuple[str, str],
                 detail: str = ""):
        self.kind = kind
        self.problem = problem
        self.action = action
        self.zh = f"{problem[0]}：{action[0]}"
        self.en = f"{problem[1]}: {action[1]}"
        self.detail = " ".join(detail.split())  # one line, whatever the library wrote
        super().__init__(f"{self.zh} / {self.en}")

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def with_reprint(self, key: str | None = None) -> tuple[str, str]:
        """(zh, en), ending with how to print again: with key (F9) on the kiosk."""
        if key:
            return f"{self.zh}，然后按{key}重新打印", f"{self.en}, then press {key} to reprint"
        return f"{self.zh}，然后重新打印", f"{self.en}, then print again"


def sentence(text: str) -> str:
    """English text to open a sentence with: "printer out of paper" → "Printer out of paper"."""
    return text[:1].upper() + text[1:]


def fault(cause: str, detail: str = "", *, where: str = "", connection: str = "network",
          package: str = "") -> PrintFault:
    """The fault for a cause of MESSAGES."""
    kind, (problem_zh, action_zh), (problem_en, action_en) = MESSAGES[cause]
    cable_zh, cable_en = CABLES.get(connection, ("连线", "cable"))
    device_zh, device_en = DEVICES.get(connection, (connection, connection))
    values = dict(where=where, cable_zh=cable_zh, cable_en=cable_en, device_zh=device_zh,
                  device_en=device_en, package=package,
                  install=INSTALL.get(package, f"pip install {package}"))
    return PrintFault(kind, (problem_zh.format(**values), problem_en.format(**values)),
                      (action_zh.format(**values), action_en.format(**values)), detail)


def detail_of(exc: BaseException) -> str:
    """What the system said, e.g. "ConnectionRefusedError: [Errno 111] Connection refused"."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fault_from_error(exc: BaseException, connection: Connection, where: str) -> PrintFault:
    """The fault for an error raised while opening a printer or sending it a job.

    python-escpos turns every failure to open into DeviceNotFoundError, keeping the system's
    error only as text; the error itself is the exception's context, and that says why (and
    is the detail: "ConnectionRefusedError: [Errno 111] Connection refused")."""
    cause = exc
    if isinstance(exc, DeviceNotFoundError) and exc.__context__ is not None:
        cause = exc.__context__
    detail = detail_of(cause)

    def made(name: str, **values) -> PrintFault:
        return fault(name, detail, where=where, connection=connection, **values)

    code = getattr(cause, "errno", None)
    name = type(cause).__name__
    if isinstance(cause, TimeoutError) or "Timeout" in name or code == errno.ETIMEDOUT:
        return made("timeout")
    if isinstance(cause, socket.gaierror):
        return made("unknown_host")
    if isinstance(cause, ConnectionRefusedError):
        return made("refused")
    if isinstance(cause, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
        return made("closed")
    if code in (errno.EACCES, errno.EPERM):
        return made("folder" if connection == "file" else "no_permission")
    if name == "NoBackendError":  # pyusb without libusb
        return made("driver_missing", package="libusb")
    if connection == "file" and isinstance(cause, OSError):
        return made("folder")
    if connection == "network" and code in (errno.EHOSTUNREACH, errno.ENETUNREACH,
                                            errno.EHOSTDOWN, errno.ENETDOWN):
        return made("unreachable")
    if isinstance(exc, DeviceNotFoundError):
        return made({"network": "refused", "usb": "usb_missing", "serial": "serial_missing",
                     "file": "folder"}[connection])
    return made("failed")
