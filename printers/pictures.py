"""Drawing with a CJK font (Pillow): lines the printer's own font cannot show, and the PNG
preview of a whole job."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .documents import DOTS, Document, Feed, Qr, Text, display_width
from .faults import fault

# Where common systems keep a CJK font; fc-list is asked when none of these exists.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
FONT_DOTS = 24        # ESC/POS font A: 12x24, Chinese 24x24
COLUMN_DOTS = 12
LINE_DOTS = 32        # a printed line with its spacing
MARGIN = 16           # preview only: white paper edge
BASELINE = 0.88       # of the font size below the glyph box's top: CJK ideographs sit on it


def find_font(configured: str = "") -> Path:
    """The CJK font for pictures: the configured file, else one found on the system, else the
    Noto Sans CJK that the install brings (so a fresh machine prints Chinese with no setup)."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise fault("font_missing", f"{configured} is not a file", where=configured)
        return path
    return _system_font()


@cache
def _system_font() -> Path:
    for candidate in KNOWN_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-list"):
        found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                               check=False).stdout.split()
        files = sorted(f.rstrip(":") for f in found if f.rstrip(":").endswith((".ttc", ".ttf",
                                                                                ".otf")))
        if files:
            return Path(files[0])
    packaged = _packaged_font()
    if packaged is not None:
        return packaged
    raise fault("no_font", "no known CJK font file, fc-list found none, no packaged font")


def _packaged_font() -> Path | None:
    """Noto Sans CJK from the noto-cjk-sans-otc dependency (SIL OFL), when it is installed."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return None
    path = Path(str(FONT_PATH))
    return path if path.is_file() else None


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=_simplified_face(path))


@cache
def _simplified_face(path: Path) -> int:
    """In a font collection, the Simplified Chinese face: the first face of Noto Sans CJK is
    Japanese, whose glyph shapes differ from the mainland's (e.g. 直, 骨). Else the first."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and family.split()[-1] == "SC":
            return index
    return 0


@cache
def _fonts_having(ch: str) -> tuple[Path, ...]:
    """Font files that have a glyph for ch, as fontconfig knows them."""
    if not shutil.which("fc-list"):
        return ()
    listed = subprocess.run(["fc-list", f":charset={ord(ch):x}", "file"], capture_output=True,
                            text=True, check=False).stdout.split()
    # shortest name first: DejaVuSans.ttf before DejaVuSans-BoldOblique.ttf
    return tuple(sorted((Path(f.rstrip(":")) for f in listed), key=lambda p: (len(p.name), p)))


def _font_for(ch: str, main: Path) -> Path:
    """The main CJK font, or for a rare character it lacks (extension B, symbols) another
    installed font that has it; none: the main font's empty box shows what is missing."""
    try:
        ch.encode("gbk")
        return main
    except UnicodeEncodeError:
        having = _fonts_having(ch)
        return main if not having or main in having else having[0]


def _draw_text(draw: ImageDraw.ImageDraw, font_path: Path, line: Text, left: int, top: int,
               width: int) -> int:
    """Draw one line at `top` within [left, left + width) on the printer's character grid
    (12 dots a column, Chinese two columns), so the picture lines up as the paper does.
    Returns the line's height."""
    scale = 2 if line.large else 1
    size, height, column = FONT_DOTS * scale, LINE_DOTS * scale, COLUMN_DOTS * scale
    text_width = display_width(line.text) * column
    x = {"left": left, "center": left + (width - text_width) // 2,
         "right": left + width - text_width}[line.align]
    # One baseline for every font: a font's own ascent (Noto CJK's is tall) never pushes a
    # Latin descender (g, p, y) below the line.
    baseline = top + (height - size) // 2 + round(size * BASELINE)
    for ch in line.text:
        font = _font(_font_for(ch, font_path), size)
        cell = display_width(ch) * column
        glyph = draw.textlength(ch, font=font)
        for shift in (0, 1) if line.bold else (0,):  # bold as the printer does: struck twice
            draw.text((x + (cell - glyph) / 2 + shift, baseline), ch, font=font, fill=0,
                      anchor="ls")
        x += cell
    return height


def line_picture(line: Text, font_path: Path, paper_mm: int) -> Image.Image:
    """One line as a 1-bit picture the full printable width, aligned inside it."""
    width = DOTS[paper_mm]
    image = Image.new("L", (width, LINE_DOTS * (2 if line.large else 1)), 255)
    _draw_text(ImageDraw.Draw(image), font_path, line, 0, 0, width)
    return image.point(lambda v: 0 if v < 128 else 255, mode="1")


def qr_picture(payload: str, module_dots: int) -> Image.Image:
    """The QR code as the printer draws it: module_dots per module, a 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_dots,
                         border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def preview(documents: Sequence[Document], paper_mm: int, font_path: Path,
            module_dots: int) -> Image.Image:
    """The job as printed: one dot per pixel, a dashed cut line between documents."""
    width = DOTS[paper_mm]
    parts: list[Image.Image] = []
    for n, document in enumerate(documents):
        if n:
            parts.append(_cut_line(width))
        for block in document.blocks:
            if isinstance(block, Text):
                parts.append(line_picture(block, font_path, paper_mm).convert("L"))
            elif isinstance(block, Qr):
                code = qr_picture(block.payload, module_dots)
                row = Image.new("L", (width, code.height), 255)
                row.paste(code, ((width - code.width) // 2, 0))
                parts.append(row)
            elif isinstance(block, Feed):
                parts.append(Image.new("L", (width, LINE_DOTS * block.lines), 255))
    height = sum(p.height for p in parts) + 2 * MARGIN
    page = Image.new("L", (width + 2 * MARGIN, height), 255)
    top = MARGIN
    for part in parts:
        page.paste(part, (MARGIN, top))
        top += part.height
    return page


def _cut_line(width: int) -> Image.Image:
    image = Image.new("L", (width, LINE_DOTS), 255)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 12):
        draw.line((x, LINE_DOTS // 2, x + 6, LINE_DOTS // 2), fill=0, width=1)
    return image
