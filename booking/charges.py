"""P1/V8: the detainee roster's charge category as a code.

Only cases of endangering national security (危害国家安全犯罪: Criminal Law part II
chapter 1, arts. 102-113) and of terrorist activity (恐怖活动犯罪: arts. 120-120-3) need
the investigating authority's permission while under investigation (Criminal Procedure
Law art. 39); in every other case nobody may ask for it (P3). The roster is written by
people, in codes or in Chinese, so the import maps every spelling it knows to a code and
refuses any other value as a row error: an unknown spelling of a permission case must
never slip through as an ordinary charge. `other` (其他) is the explicit answer for an
ordinary charge not listed here. docs/installer-guide.md lists the codes and names.

Matching ignores a leading 涉嫌, a trailing 罪 / 犯罪 / 案 / 案件, the punctuation 、，, and
spaces, and the case of codes (`National Security` is `national_security`).
"""

from __future__ import annotations

import re

NATIONAL_SECURITY = "national_security"
TERRORISM = "terrorism"
PERMISSION_CHARGES = frozenset({NATIONAL_SECURITY, TERRORISM})
OTHER = "other"

# code -> (Chinese name, further Chinese names that mean the same category)
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # P1: the investigating authority's permission is needed during investigation.
    NATIONAL_SECURITY: ("危害国家安全犯罪", (
        "危害国家安全", "国家安全", "危害国家安全类",
        # Criminal Law arts. 102-113
        "背叛国家罪", "分裂国家罪", "煽动分裂国家罪", "武装叛乱、暴乱罪", "武装叛乱罪",
        "武装暴乱罪", "颠覆国家政权罪", "煽动颠覆国家政权罪", "资助危害国家安全犯罪活动罪",
        "投敌叛变罪", "叛逃罪", "间谍罪", "为境外窃取、刺探、收买、非法提供国家秘密、情报罪",
        "资敌罪")),
    TERRORISM: ("恐怖活动犯罪", (
        "恐怖活动", "恐怖主义", "恐怖主义犯罪", "涉恐", "暴恐",
        # Criminal Law arts. 120-120-3
        "组织、领导、参加恐怖组织罪", "组织恐怖组织罪", "领导恐怖组织罪", "参加恐怖组织罪",
        "帮助恐怖活动罪", "准备实施恐怖活动罪",
        "宣扬恐怖主义、极端主义、煽动实施恐怖活动罪")),
    # Ordinary charges: no permission, and none may be asked for (P3).
    "fraud": ("诈骗罪", ("电信网络诈骗", "合同诈骗罪")),
    "theft": ("盗窃罪", ()),
    "robbery": ("抢劫罪", ()),
    "intentional_injury": ("故意伤害罪", ()),
    "assault": ("暴力伤害", ()),
    "intentional_homicide": ("故意杀人罪", ()),
    "rape": ("强奸罪", ()),
    "kidnapping": ("绑架罪", ()),
    "affray": ("聚众斗殴罪", ()),
    "picking_quarrels": ("寻衅滋事罪", ()),
    "extortion": ("敲诈勒索罪", ()),
    "drug_trafficking": ("走私、贩卖、运输、制造毒品罪", ("贩卖毒品罪", "运输毒品罪", "贩毒")),
    "drug_possession": ("非法持有毒品罪", ()),
    "dangerous_driving": ("危险驾驶罪", ("醉驾",)),
    "traffic_accident": ("交通肇事罪", ()),
    "illegal_fundraising": ("非法吸收公众存款罪", ("集资诈骗罪", "非法集资")),
    "bribery": ("受贿罪", ("行贿罪", "贿赂", "单位行贿罪", "利用影响力受贿罪")),
    "embezzlement": ("贪污罪", ("职务侵占罪",)),
    "misappropriation": ("挪用公款罪", ("挪用资金罪",)),
    "gambling_den": ("开设赌场罪", ()),
    "gambling": ("赌博罪", ()),
    "smuggling": ("走私普通货物、物品罪", ("走私",)),
    "cyber_crime_assistance": ("帮助信息网络犯罪活动罪", ("帮信罪",)),
    "personal_information": ("侵犯公民个人信息罪", ()),
    "obstructing_official_duty": ("妨害公务罪", ("袭警罪",)),
    "organised_crime": ("组织、领导、参加黑社会性质组织罪", ("涉黑",)),
    "pyramid_selling": ("组织、领导传销活动罪", ("传销",)),
    "counterfeit_goods": ("生产、销售伪劣产品罪", ()),
    OTHER: ("其他", ("其他罪名", "其他刑事犯罪", "普通刑事犯罪", "普通刑事")),
}

_SUFFIXES = (("案件", "案"), ("犯罪", "罪"))  # 危害国家安全犯罪案件 -> 危害国家安全
_IGNORED = re.compile(r"[\s、，,·　]+")


def _normal(value: str) -> str:
    text = _IGNORED.sub("", value.strip())
    if text.isascii():
        return re.sub(r"[\s-]+", "_", value.strip().lower())
    text = text.removeprefix("涉嫌")
    for group in _SUFFIXES:
        for suffix in group:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
    return text


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, (name, aliases) in CATEGORIES.items():
        for spelling in (code, name, *aliases):
            key = _normal(spelling)
            if index.setdefault(key, code) != code:  # pragma: no cover - a table mistake
                raise AssertionError(f"{spelling!r} means both {index[key]} and {code}")
    return index


_CODES = _index()


def charge_code(value: str) -> str | None:
    """The code of a roster's charge category, or None when the value is not known."""
    return _CODES.get(_normal(value)) if value.strip() else None


def needs_permission(charge_category: str, stage: str) -> bool:
    """P1: endangering national security or terrorism, under investigation. A value stored
    before the import mapped Chinese names to codes is read through the same table."""
    return stage == "investigation" and charge_code(charge_category) in PERMISSION_CHARGES


def unknown_charge_message(value: str) -> str:
    """The row error of a charge category that is not in the table (E3)."""
    return (f"未知的罪名类别“{value}”：请填写安装指南（docs/installer-guide.md 导入一节）所列的代码或"
            f"中文名称——危害国家安全犯罪填 {NATIONAL_SECURITY}，恐怖活动犯罪填 {TERRORISM}，其他罪名可填"
            f" {OTHER} / unknown charge category '{value}': use a code or Chinese name listed"
            f" in docs/installer-guide.md (import): {NATIONAL_SECURITY} for endangering"
            f" national security, {TERRORISM} for terrorism, {OTHER} for any other charge")
