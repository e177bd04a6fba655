"""E3/T2: what a typed or imported text field may hold. One check serves the imports and
the desk's forms, so a value refused in a file is refused on a screen too.

Every field, of every kind:
- NUL, control characters (C0, DEL, C1), zero-width and other invisible format characters
  (U+200B-U+200F, U+2060, U+FEFF, bidi overrides, variation selectors, Hangul fillers),
  lone surrogates, private-use and unassigned code points are refused, with the position
  and code point named: such a character could reach a printer as a command (ESC @, GS V,
  DLE DC4) or make two keys that look the same.
- The value is then NFKC-normalised: a full-width letter or digit (２０２６ → 2026), a
  CJK compatibility ideograph or an ideographic space is the same character as its normal
  form and is stored as that.
- After NFKC a digit must be an ASCII digit 0-9: Arabic-Indic, Devanagari and other
  look-alike digits are refused, not folded (they are different characters that only look
  alike, and would make twin numbers).
- A value longer than its kind's limit (after NFKC) is refused, with the limit named.

Kinds: `key` (a number that identifies a row: roster, letter, staff, case; no spaces, no
combining marks), `name` (a person's or a firm's name) and `text` (free text: a reason, a
case unit). Certificate numbers, credit codes and ID numbers have their own checks in
booking.identifiers and pass through `clean` first.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

FieldKind = Literal["key", "name", "text"]
LIMITS: dict[str, int] = {"key": 64, "name": 100, "text": 200}

# Invisible characters that are letters or marks by category, not format characters.
INVISIBLE = frozenset({0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D,
                       0x180E, 0x180F, 0x2800, 0x3164, 0xFFA0,
                       *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)})
# Cc control, Cf format (zero-width, bidi), Cs surrogate, Co private use, Cn unassigned,
# Zl/Zp line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class FieldError(ValueError):
    """A value a field may not hold; str() is the bilingual reason (zh / en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


def shown(value: str) -> str:
    """The value as it may be echoed in a message: refused characters as \\uXXXX."""
    return "".join(f"\\u{ord(ch):04x}" if _refused(ch) else ch for ch in value)


def _refused(ch: str) -> bool:
    return ord(ch) in INVISIBLE or unicodedata.category(ch) in REFUSED_CATEGORIES


def _what(ch: str) -> tuple[str, str]:
    code = ord(ch)
    if code == 0:
        return "空字符NUL", "a NUL character"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "控制字符", "a control character"
    if category == "Cs":
        return "无效字符（单独的代理项）", "an invalid character (a lone surrogate)"
    if category in ("Co", "Cn"):
        return "无效字符（私用或未分配）", "an invalid character (private-use or unassigned)"
    return "不可见字符（零宽或格式字符）", "an invisible (zero-width or format) character"


def clean(value: str, kind: FieldKind = "text", limit: int | None = None) -> str:
    """The value stripped and NFKC-normalised, or FieldError saying what is wrong."""
    for position, ch in enumerate(value, start=1):
        if _refused(ch):
            zh, en = _what(ch)
            raise FieldError(f"第{position}个字符U+{ord(ch):04X}是{zh}，请删去后重新输入",
                             f"character {position} (U+{ord(ch):04X}) is {en}: delete it and"
                             " type the value again")
    value = unicodedata.normalize("NFKC", value).strip()
    for ch in value:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            raise FieldError(f"“{ch}”（U+{ord(ch):04X}）不是阿拉伯数字0-9，请用0-9输入",
                             f"'{ch}' (U+{ord(ch):04X}) only looks like a digit: use the"
                             " digits 0-9")
    if kind == "key":
        if any(ch.isspace() for ch in value):
            raise FieldError("编号中不能有空格", "a number has no spaces inside")
        if any(unicodedata.category(ch).startswith("M") for ch in value):
            raise FieldError("编号中不能有组合符号", "a number has no combining marks")
    limit = LIMITS[kind] if limit is None else limit
    if len(value) > limit:
        raise FieldError(f"过长：最多{limit}个字符，现为{len(value)}个",
                         f"too long: at most {limit} characters, this has {len(value)}")
    return value


def clean_key(value: str) -> str:
    return clean(value, "key")


def clean_name(value: str) -> str:
    return clean(value, "name")


def clean_text(value: str) -> str:
    return clean(value, "text")


def typed(value: str, kind: FieldKind, what_zh: str, what_en: str, rule: str = "E3") -> str:
    """clean() for a value typed on a form: a refusal is a DomainError naming the field."""
    from .errors import DomainError

    try:
        return clean(value, kind)
    except FieldError as exc:
        raise DomainError(rule, f"{what_zh}：{exc.zh}", f"{what_en}: {exc.en}") from None
