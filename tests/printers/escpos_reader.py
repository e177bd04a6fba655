"""Reads ESC/POS bytes back into what a printer would do: text lines (decoded from GB18030),
QR codes stored with GS ( k, raster pictures (GS v 0) and cuts. Knows the commands the kiosk
sends; anything else is an error, so a stray command shows up in a test."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageOps


@dataclass
class Line:
    text: str
    align: int
    large: bool
    bold: bool


@dataclass
class Printout:
    chinese_mode: bool = False
    lines: list[Line] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    pictures: list[Image.Image] = field(default_factory=list)
    cuts: int = 0
    status_requests: int = 0

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def read(data: bytes, encoding: str = "gb18030") -> Printout:
    out = Printout()
    align, size, bold = 0, 0, False
    text = bytearray()
    i = 0

    def flush() -> None:
        if text:
            out.lines.append(Line(bytes(text).decode(encoding), align, size == 0x11, bold))
            text.clear()

    while i < len(data):
        b = data[i]
        two = data[i:i + 2]
        if two == b"\x1b@":
            i += 2
        elif two == b"\x1c&":
            out.chinese_mode = True
            i += 2
        elif two == b"\x1c.":
            out.chinese_mode = False
            i += 2
        elif two == b"\x1d!":
            size = data[i + 2]
            i += 3
        elif two == b"\x1b!":
            i += 3
        elif two == b"\x1bE":
            bold = bool(data[i + 2])
            i += 3
        elif two == b"\x1ba":
            align = data[i + 2]
            i += 3
        elif two == b"\x1bd":
            flush()
            i += 3
        elif two == b"\x1dV":
            flush()
            out.cuts += 1
            i += 4 if data[i + 2] in (65, 66) else 3
        elif two == b"\x10\x04":
            out.status_requests += 1
            i += 3
        elif data[i:i + 3] == b"\x1d(k":
            length = data[i + 3] + 256 * data[i + 4]
            body = data[i + 5:i + 5 + length]
            if body[:3] == b"1P0":  # store the code's data
                out.qr_codes.append(body[3:].decode("utf-8"))
            i += 5 + length
        elif data[i:i + 3] == b"\x1dv0":
            width_bytes = data[i + 4] + 256 * data[i + 5]
            height = data[i + 6] + 256 * data[i + 7]
            raster = data[i + 8:i + 8 + width_bytes * height]
            # 1 bits are black dots: invert into a white-paper picture
            picture = Image.frombytes("1", (width_bytes * 8, height), raster)
            out.pictures.append(ImageOps.invert(picture.convert("L")))
            i += 8 + width_bytes * height
        elif b == 0x0A:
            flush()
            i += 1
        elif b < 0x20:
            raise ValueError(f"unexpected control byte {b:#04x} at {i}: {data[i:i + 8]!r}")
        else:
            text.append(b)
            i += 1
    flush()
    return out
