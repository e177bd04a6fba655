"""T4/E1: every printer fault says, in Chinese and in English, what is wrong and what to do;
the system's own words ("[Errno 111] Connection refused") are kept as the detail, for the log
and the audit entry, never as the message. The errors are made here as python-escpos, the
socket module, pyusb and pyserial raise them."""

from __future__ import annotations

import errno
import re
import socket

import pytest
from escpos.exceptions import DeviceNotFoundError

from kiosk.printing import fault_message
from printers.faults import MESSAGES, PrintFault, detail_of, fault, fault_from_error

NET = "192.168.1.50:9100"
USB = "USB 0416:5011"
SERIAL = "/dev/ttyUSB0"


class USBError(OSError):        # as pyusb's usb.core.USBError: an IOError with an errno
    pass


class USBTimeoutError(USBError):
    pass


class NoBackendError(ValueError):  # pyusb without libusb
    pass


class SerialException(OSError):  # pyserial's serial.SerialException
    pass


class SerialTimeoutException(SerialException):
    pass


def opening(cause: BaseException, message: str) -> DeviceNotFoundError:
    """What python-escpos raises when a printer does not open: its own error, with the
    system's error as context and, in its text, over two lines."""
    try:
        try:
            raise cause
        except Exception as exc:
            raise DeviceNotFoundError(f"{message}:\n{exc}")  # noqa: B904 - as escpos does
    except DeviceNotFoundError as wrapped:
        return wrapped


def assert_clear(fault: PrintFault) -> None:
    """E1: one line each, what is wrong then what to do, no raw system text."""
    problem_zh, problem_en = fault.problem
    action_zh, action_en = fault.action
    assert fault.zh == f"{problem_zh}：{action_zh}" and action_zh.startswith("请")
    assert fault.en == f"{problem_en}: {action_en}"
    for text in (fault.zh, fault.en):
        assert "\n" not in text and "{" not in text
        assert not re.search(r"Errno|Error|Device not found|Could not open", text)
    assert re.search(r"[\u4e00-\u9fff]", fault.zh)  # the Chinese is Chinese
    assert not re.search(r"[\u4e00-\u9fff]", fault.en)


@pytest.mark.parametrize("cause", sorted(MESSAGES))
def test_e1_every_fault_message_says_what_is_wrong_and_what_to_do(cause):
    made = fault(cause, "the system's words", where="WHERE", connection="network",
                 package="pyusb")
    assert made.kind == MESSAGES[cause][0]
    assert made.detail == "the system's words"
    assert_clear(made)
    if "{where}" in MESSAGES[cause][1][0]:
        assert "WHERE" in made.zh and "WHERE" in made.en


def test_t4_the_offline_network_printer_message_with_f9():
    exc = opening(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
                  "Could not open socket for 192.168.1.50")
    made = fault_from_error(exc, "network", NET)
    assert made.kind == "offline"
    assert made.with_reprint("F9") == (
        "打印机未连接（192.168.1.50:9100）：请检查打印机电源和网线，然后按F9重新打印",
        "printer not reachable (192.168.1.50:9100): check its power and network cable, then"
        " press F9 to reprint")
    assert made.with_reprint() == (
        "打印机未连接（192.168.1.50:9100）：请检查打印机电源和网线，然后重新打印",
        "printer not reachable (192.168.1.50:9100): check its power and network cable, then"
        " print again")
    # the detail: what the system said (escpos' own wrapping of it, over two lines, adds
    # nothing)
    assert made.detail == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert str(made) == f"{made.zh} / {made.en}"  # what the ticket keeps


@pytest.mark.parametrize("error, connection, where, kind, zh, en", [
    (opening(TimeoutError("timed out"), "Could not open socket for 192.168.1.50"),
     "network", NET, "timeout",
     "打印机无响应（192.168.1.50:9100）：请检查打印机电源和网线",
     "printer not responding (192.168.1.50:9100): check its power and network cable"),
    (TimeoutError("timed out"), "network", NET, "timeout",  # while sending the job
     "打印机无响应（192.168.1.50:9100）：请检查打印机电源和网线",
     "printer not responding (192.168.1.50:9100): check its power and network cable"),
    (opening(OSError(errno.EHOSTUNREACH, "No route to host"), "Could not open socket"),
     "network", NET, "offline",
     "网络上找不到打印机（192.168.1.50:9100）：请检查打印机电源、网线和IP地址",
     "printer not on the network (192.168.1.50:9100): check its power, network cable and IP"
     " address"),
    (opening(socket.gaierror(-2, "Name or service not known"), "Could not open socket"),
     "network", "printer.local:9100", "setup",
     "打印机地址无效（printer.local:9100）：请检查设置中的打印机地址 printer.host",
     "printer address not found (printer.local:9100): check the printer address printer.host"
     " in the settings"),
    (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), "network", NET,
     "closed", "打印中打印机断开了连接（192.168.1.50:9100）：请检查打印机电源和网线",
     "printer dropped the connection while printing (192.168.1.50:9100): check its power and"
     " network cable"),
    (BrokenPipeError(errno.EPIPE, "Broken pipe"), "network", NET, "closed",
     "打印中打印机断开了连接（192.168.1.50:9100）：请检查打印机电源和网线",
     "printer dropped the connection while printing (192.168.1.50:9100): check its power and"
     " network cable"),
    (opening(AssertionError("Device (1046, 20497) not found or cable not plugged in."),
             "Unable to open USB printer on (1046, 20497)"),
     "usb", USB, "no_device",
     "找不到USB打印机（USB 0416:5011）：请检查打印机电源和USB线",
     "USB printer not found (USB 0416:5011): check its power and USB cable"),
    (opening(USBError(errno.EACCES, "Access denied (insufficient permissions)"),
             "Unable to open USB printer on (1046, 20497)"),
     "usb", USB, "setup",
     "没有权限使用打印机（USB 0416:5011）：请管理员开放该设备的使用权限",
     "no permission to use the printer (USB 0416:5011): ask the administrator to allow access"
     " to the device"),
    (USBTimeoutError(errno.ETIMEDOUT, "Operation timed out"), "usb", USB, "timeout",
     "打印机无响应（USB 0416:5011）：请检查打印机电源和USB线",
     "printer not responding (USB 0416:5011): check its power and USB cable"),
    (NoBackendError("No backend available"), "usb", USB, "setup",
     "USB打印机缺少程序库 libusb：请管理员安装（apt install libusb-1.0-0）并检查设备权限",
     "the USB printer needs the library libusb: ask the administrator to install it (apt"
     " install libusb-1.0-0) and check device permissions"),
    (opening(SerialException(errno.ENOENT, "could not open port /dev/ttyUSB0: [Errno 2] No"
                                           " such file or directory"),
             "Unable to open serial printer on /dev/ttyUSB0"),
     "serial", SERIAL, "no_device",
     "无法打开串口打印机（/dev/ttyUSB0）：请检查打印机电源、串口线和设置中的串口 printer.serial_device",
     "serial printer not available (/dev/ttyUSB0): check its power, serial cable and"
     " printer.serial_device in the settings"),
    (opening(SerialException(errno.EACCES, "could not open port /dev/ttyUSB0: [Errno 13]"
                                           " Permission denied"),
             "Unable to open serial printer on /dev/ttyUSB0"),
     "serial", SERIAL, "setup",
     "没有权限使用打印机（/dev/ttyUSB0）：请管理员开放该设备的使用权限",
     "no permission to use the printer (/dev/ttyUSB0): ask the administrator to allow access"
     " to the device"),
    (SerialTimeoutException("Write timeout"), "serial", SERIAL, "timeout",
     "打印机无响应（/dev/ttyUSB0）：请检查打印机电源和串口线",
     "printer not responding (/dev/ttyUSB0): check its power and serial cable"),
    (PermissionError(errno.EACCES, "Permission denied"), "file", "var/printer", "folder",
     "无法写入打印文件夹（var/printer）：请检查该文件夹存在、可以写入且磁盘有空间",
     "cannot write to the printer folder (var/printer): check it exists, is writable and the"
     " disk has space"),
    (OSError(errno.ENOSPC, "No space left on device"), "file", "var/printer", "folder",
     "无法写入打印文件夹（var/printer）：请检查该文件夹存在、可以写入且磁盘有空间",
     "cannot write to the printer folder (var/printer): check it exists, is writable and the"
     " disk has space"),
    (ValueError("something else"), "network", NET, "printer_error",
     "打印失败（192.168.1.50:9100）：请检查打印机；仍不行请联系技术人员",
     "printing failed (192.168.1.50:9100): check the printer; if it keeps failing, call"
     " technical support"),
], ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None)
def test_t4_each_error_gets_its_message_and_keeps_the_detail(error, connection, where, kind,
                                                            zh, en):
    made = fault_from_error(error, connection, where)
    assert (made.kind, made.zh, made.en) == (kind, zh, en)
    assert_clear(made)
    cause = error.__context__ if isinstance(error, DeviceNotFoundError) else error
    assert made.detail == detail_of(cause) and "\n" not in made.detail


def test_t4_the_status_faults_read_from_the_printer():
    assert fault("paper_out").with_reprint("F9") == (
        "打印机缺纸：请装入新纸卷并合上打印机盖，然后按F9重新打印",
        "printer out of paper: load a new roll and close the cover, then press F9 to reprint")
    assert fault("cover_open").with_reprint("F9") == (
        "打印机盖未关好：请合上打印机盖，然后按F9重新打印",
        "printer cover open: close the cover, then press F9 to reprint")


def test_t4_the_officer_is_told_the_booking_and_queue_number_are_kept():
    offline = fault("refused", "ConnectionRefusedError: [Errno 111] Connection refused",
                    where=NET)
    assert fault_message(("排队号A001", "ticket A001"), offline, "ticket") == (
        "排队号A001未打印。打印机未连接（192.168.1.50:9100）：请检查打印机电源和网线，"
        "然后按F9重新打印。预约已保存，排队号不变。",
        "Ticket A001 did not print. Printer not reachable (192.168.1.50:9100): check its power"
        " and network cable, then press F9 to reprint. The booking is kept, so is the queue"
        " number.")
    assert fault_message(("预约1的预约单", "the slip of booking 1"), offline, "booking")[0] \
        .endswith("然后按F9重新打印。预约已保存。")
    zh, en = fault_message(("同意书", "the consent form"), fault("paper_out"), None)
    assert zh == "同意书未打印。打印机缺纸：请装入新纸卷并合上打印机盖，然后按F9重新打印。"
    assert en == ("The consent form did not print. Printer out of paper: load a new roll and"
                  " close the cover, then press F9 to reprint.")


@pytest.mark.parametrize("connection, package, extra", [("usb", "pyusb", "usb"),
                                                         ("serial", "pyserial", "serial")])
def test_e1_a_missing_printer_library_names_the_install_command(connection, package, extra):
    import tomllib
    from pathlib import Path

    made = fault("driver_missing", f"{package} is not installed", connection=connection,
                 package=package)
    for text in (made.zh, made.en):
        assert f"pip install 'lawyer-meeting-kiosk[{extra}]'" in text
        assert f".venv/bin/pip install {package}" in text
    assert_clear(made)
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"][extra]
    assert any(req.startswith(package) for req in extras)
