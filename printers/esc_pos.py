"""Documents as ESC/POS on a python-escpos printer, with Chinese text (T2).

python-escpos 3.1's text() encodes through single-byte code pages and never switches a
Chinese printer into its double-byte mode, so the text path is ours: FS & selects Chinese
mode, each line goes out as GB18030 (or GBK) bytes through `_raw`, and a line holding a
character the printer's font lacks is sent as a picture drawn with a CJK font instead.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from escpos.capabilities import Profile
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos

from .documents import COLUMNS, DOTS, Document, Feed, Qr, Text, printable
from .pictures import find_font, line_picture, qr_picture

CHINESE_MODE_ON = b"\x1c\x26"  # FS &: double-byte (Chinese) characters
QR_MODULE_DOTS = {58: 5, 80: 6}


@cache
def profile_for(paper_mm: int) -> Profile:
    """python-escpos' default profile with this paper's width, so pictures are checked and
    centred against it."""
    data = copy.deepcopy(Profile.profile_data)
    data["media"] = {"width": {"mm": paper_mm, "pixels": DOTS[paper_mm]}}
    kind = type(f"Kiosk{paper_mm}mmProfile", (Profile,), {"profile_data": data})
    return kind(columns=COLUMNS[paper_mm], features=data["features"])


def printer_can_show(ch: str, encoding: str) -> bool:
    """A character the printer's own font has: anything in GBK; with GB18030 also CJK
    extension A, which GB18030 printers must carry. Extension B and beyond (rare names),
    emoji and other symbols outside GBK are printed as pictures."""
    try:
        ch.encode("gbk")
        return True
    except UnicodeEncodeError:
        return encoding == "GB18030" and 0x3400 <= ord(ch) <= 0x4DBF


class ChineseWriter:
    """Writes documents to one python-escpos printer (Dummy, File, Network, Usb, Serial)."""

    def __init__(self, printer: Escpos, paper_mm: int, encoding: str, qr: str, font: str = ""):
        self.printer = printer
        self.paper_mm = paper_mm
        self.encoding = encoding
        self.native_qr = qr == "native"
        self.font = font
        self._font_path: Path | None = None

    def write(self, documents: Sequence[Document]) -> None:
        self.printer.hw("INIT")  # ESC @
        self.printer._raw(CHINESE_MODE_ON)
        for document in documents:
            for block in document.blocks:
                if isinstance(block, Text):
                    self._line(block)
                elif isinstance(block, Qr):
                    self._qr(block.payload)
                elif isinstance(block, Feed):
                    self.printer._raw(b"\n" * block.lines)
            self.printer.cut()

    def _line(self, line: Text) -> None:
        line = replace(line, text=printable(line.text))
        if all(printer_can_show(ch, self.encoding) for ch in line.text):
            # GS ! (custom size) scales Chinese characters too; ESC ! would not.
            scale = 2 if line.large else 1
            self.printer.set(align=line.align, bold=line.bold, custom_size=True, width=scale,
                             height=scale)
            self.printer._raw(line.text.encode(self.encoding) + b"\n")
        else:  # the picture holds its own alignment and size
            self.printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
            self.printer.image(line_picture(line, self._font(), self.paper_mm))

    def _qr(self, payload: str) -> None:
        size = QR_MODULE_DOTS[self.paper_mm]
        self.printer.set(align="center", bold=False, custom_size=True, width=1, height=1)
        if self.native_qr:
            self.printer.qr(payload, ec=QR_ECLEVEL_M, size=size, native=True)
            self.printer._raw(b"\n")
        else:  # the same picture as the preview's; python-escpos' own would add ESC t
            self.printer.image(qr_picture(payload, size), center=True)
        self.printer.set(align="left")

    def _font(self) -> Path:
        if self._font_path is None:
            self._font_path = find_font(self.font)
        return self._font_path
