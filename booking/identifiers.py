"""Document numbers (V2, V3, A2): practice and trainee certificates, credit codes, resident IDs.

Credit codes (GB 32100-2015) and resident IDs (GB 11643-1999) are checked by python-stdnum;
certificate numbers follow SPEC V2/A2, since no library knows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

LAW_FIRM_PREFIX = "31"  # 3 = justice administration, 1 = lawyers' practice body


@dataclass(frozen=True)
class Checked:
    """A checked number: its normal form, or why it is not valid (zh and en)."""

    value: str
    ok: bool
    zh: str = ""
    en: str = ""


def _bad(value: str, zh: str, en: str) -> Checked:
    return Checked(value, False, zh, en)


CertFormat = Literal["current", "old", "invalid"]


def practice_cert_format(number: str) -> tuple[CertFormat, Checked]:
    """V2: 17 digits, type digit 1; 12-14-digit old numbers only through the registry."""
    value = number.strip()
    if not value.isascii() or not value.isdigit():
        return "invalid", _bad(value, "执业证号只能由数字组成", "a certificate number has digits only")
    if len(value) == 17:
        if value[0] != "1":
            return "invalid", _bad(value, "执业证号第1位应为1（执业证类别）",
                                   "digit 1 (certificate type) must be 1")
        return "current", Checked(value, True)
    if 12 <= len(value) <= 14:
        return "old", Checked(value, True)
    return "invalid", _bad(value, f"执业证号应为17位数字，现为{len(value)}位",
                           f"a certificate number has 17 digits, this one has {len(value)}")


def credit_code(code: str) -> Checked:
    """V3: a unified social credit code, upper-cased, with a valid check character."""
    value = code.strip().upper()
    try:
        value = uscc.validate(value)
    except StdnumError as exc:
        if len(value) != 18:
            return _bad(value, f"统一社会信用代码应为18位，现为{len(value)}位",
                        f"a credit code has 18 characters, this one has {len(value)}")
        if type(exc).__name__ == "InvalidChecksum":
            return _bad(value, "统一社会信用代码校验位不符，请核对是否抄错",
                        "the check character does not match: look for a typing error")
        return _bad(value, "统一社会信用代码含有不允许的字符（不用I、O、S、V、Z）",
                    "the credit code has a character that is not allowed (no I, O, S, V, Z)")
    return Checked(value, True)


def law_firm_code(code: str) -> Checked:
    """V3: a credit code that belongs to a law firm (prefix 31)."""
    checked = credit_code(code)
    if checked.ok and not checked.value.startswith(LAW_FIRM_PREFIX):
        return _bad(checked.value, "该统一社会信用代码不属于律师事务所（应以31开头）",
                    "this credit code is not a law firm's (a law firm's starts with 31)")
    return checked


def resident_id(number: str) -> Checked:
    """V3: a resident identity number with a valid birth date and check character."""
    value = number.strip().upper()
    try:
        value = ric.validate(value)
    except StdnumError as exc:
        if type(exc).__name__ == "InvalidComponent" and _known_place_any_year(value):
            # stdnum wants the area code to exist in the birth year, but numbers are
            # given at registration: a 1979 birth may carry a 1983 code (test vectors).
            return Checked(value, True)
        if type(exc).__name__ == "InvalidChecksum":
            return _bad(value, "身份证号校验位不符", "the ID number's check character does not match")
        if type(exc).__name__ == "InvalidLength":
            return _bad(value, "身份证号应为18位", "an ID number has 18 characters")
        return _bad(value, "身份证号的出生日期或格式无效", "the ID number's birth date or format is invalid")
    return Checked(value, True)


def _known_place_any_year(value: str) -> bool:
    try:
        ric.get_birth_date(value)
    except StdnumError:
        return False
    return any("county" in props for _, props in numdb.get("cn/loc").info(value[:6]))


# GB/T 2260 province-level codes (the first two digits of an administrative division code).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54"
    " 61 62 63 64 65 71 81 82".split())


def trainee_cert(number: str) -> Checked:
    """A2: trainee certificate, 14 digits: province 2, city 2, YYMM 4, sex 1, full/part 1, serial 4."""
    value = number.strip()
    if not value.isascii() or not value.isdigit() or len(value) != 14:
        return _bad(value, "实习证号应为14位数字", "a trainee certificate number has 14 digits")
    if value[:2] not in PROVINCE_CODES:
        return _bad(value, f"实习证号前两位{value[:2]}不是省级行政区划代码",
                    f"the first two digits {value[:2]} are not a province code (GB/T 2260)")
    if value[2:4] == "00":
        return _bad(value, "实习证号第3-4位（市）不能为00",
                    "digits 3-4 (the city) cannot be 00")
    month = int(value[6:8])
    if not 1 <= month <= 12:
        return _bad(value, "实习证号中的年月无效", "the year-month in the trainee number is invalid")
    if value[8] not in "12" or value[9] not in "12":
        return _bad(value, "实习证号中的性别或专兼职位无效",
                    "the sex or full/part-time digit of the trainee number is invalid")
    return Checked(value, True)
