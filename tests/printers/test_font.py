"""T2: Chinese prints on a fresh machine: the CJK font comes with the install (noto-cjk-sans-otc)
and is used when printer.font is unset and the system has no CJK font."""

from __future__ import annotations

import pytest
from PIL import Image

from printers import pictures
from printers.documents import Text
from printers.faults import PrintFault


@pytest.fixture
def no_system_font(monkeypatch):
    """A machine with no CJK font: none of the known files, no fontconfig."""
    monkeypatch.setattr(pictures, "KNOWN_FONTS", ())
    monkeypatch.setattr(pictures.shutil, "which", lambda name: None)
    pictures._system_font.cache_clear()
    yield
    pictures._system_font.cache_clear()


def test_T2_packaged_font_used_when_the_system_has_none(no_system_font):
    font = pictures.find_font("")
    assert font.name == "NotoSansCJK-Regular.ttc"
    assert "noto_cjk_sans_otc" in font.parts


def test_T2_collection_draws_with_its_simplified_chinese_face(no_system_font):
    font = pictures.find_font("")
    assert pictures._font(font, 24).getname()[0] == "Noto Sans CJK SC"


def test_T2_packaged_font_draws_chinese_not_empty_boxes(no_system_font):
    """Two different characters give two different pictures (a missing glyph draws the same
    empty box for both)."""
    font = pictures.find_font("")

    def picture(text: str) -> bytes:
        return pictures.line_picture(Text(text), font, 80).tobytes()

    assert picture("会见") != picture("律师")
    inked = pictures.line_picture(Text("会见室"), font, 80).convert("L")
    assert Image.eval(inked, lambda v: 255 - v).getbbox() is not None


def test_T2_configured_font_that_is_missing_is_still_a_fault(no_system_font, tmp_path):
    with pytest.raises(PrintFault):
        pictures.find_font(str(tmp_path / "missing.ttc"))


def test_T2_latin_descenders_are_not_cut_off_by_a_tall_cjk_font(no_system_font):
    """Noto CJK's ascent is taller than a printed line's 32 dots: lines are drawn on one
    baseline, so g/p/y keep their tails (the ink stops above the line's last row)."""
    font = pictures.find_font("")
    for text in ("gjpqy", "预约号 Booking"):
        picture = pictures.line_picture(Text(text), font, 80).convert("L")
        _left, top, _right, bottom = Image.eval(picture, lambda v: 255 - v).getbbox()
        assert top > 0 and bottom < picture.height
