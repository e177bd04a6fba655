"""Every label the kiosk shows, in Chinese and English: one table, one lookup."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

LABELS: dict[str, dict[Language, str]] = {
    # keys (Footer)
    "key.language": {"zh": "English", "en": "中文"},
    "key.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "key.verify": {"zh": "核验", "en": "Verify"},
    "key.clear": {"zh": "清空", "en": "Clear"},
    # header
    "header.officer": {"zh": "当班民警", "en": "Officer"},
    "header.not_signed_in": {"zh": "未登录", "en": "not signed in"},
    # sign-in screen
    "sign_in.title": {"zh": "民警登录", "en": "Staff sign-in"},
    "sign_in.hint": {"zh": "请输入警号和PIN，按回车登录",
                     "en": "Enter your staff number and PIN, then press Enter"},
    "sign_in.staff_no": {"zh": "警号", "en": "Staff number"},
    "sign_in.pin": {"zh": "PIN", "en": "PIN"},
    "sign_in.submit": {"zh": "登录", "en": "Sign in"},
    # verify screen
    "verify.title": {"zh": "核验律师会见材料", "en": "Check the lawyer's documents"},
    "verify.certificate": {"zh": "律师执业证书", "en": "Practice certificate"},
    "verify.cert_no": {"zh": "执业证号", "en": "Certificate number"},
    "verify.inspected": {"zh": "已当面核验执业证书", "en": "Certificate inspected in person"},
    "verify.firm_letter": {"zh": "律师事务所证明", "en": "Law-firm letter"},
    "verify.firm_code": {"zh": "律所统一社会信用代码", "en": "Firm's credit code"},
    "verify.letter_lawyer": {"zh": "证明所载律师姓名", "en": "Lawyer named"},
    "verify.letter_detainee": {"zh": "证明所载在押人员姓名", "en": "Detainee named"},
    "verify.detainee": {"zh": "在押人员", "en": "Detainee"},
    "verify.roster_no": {"zh": "在押人员编号", "en": "Roster number"},
    "verify.basis": {"zh": "委托依据", "en": "Basis"},
    "verify.power_of_attorney": {"zh": "委托书", "en": "Power of attorney"},
    "verify.aid_letter": {"zh": "法律援助公函", "en": "Legal-aid letter"},
    "verify.poa_relation": {"zh": "委托人身份", "en": "Signed by (relation)"},
    "verify.poa_signed_by": {"zh": "委托人姓名", "en": "Signer's name"},
    "verify.choose": {"zh": "请选择", "en": "Choose"},
    "verify.aid_letter_no": {"zh": "公函编号", "en": "Letter number"},
    "verify.submit": {"zh": "核验", "en": "Verify"},
    "verify.clear": {"zh": "清空", "en": "Clear"},
    "verify.missing": {"zh": "请填写：", "en": "Please fill in: "},
    "verify.hint": {"zh": "Tab 下一项 · 最后一项回车或 Ctrl+S 核验",
                    "en": "Tab next · Enter on the last field or Ctrl+S verifies"},
    # result panel
    "result.status": {"zh": "结果", "en": "Result"},
    "result.rule": {"zh": "规则", "en": "Rule"},
    "result.document": {"zh": "材料", "en": "Document"},
    "result.reason": {"zh": "说明", "en": "Reason"},
    "result.passed": {"zh": "核验通过 — 会见申请已登记", "en": "Documents accepted — meeting request registered"},
    "result.reused": {"zh": "核验通过 — 已有未结会见申请，未重复登记",
                      "en": "Documents accepted — an open request exists already, none added"},
    "result.request": {"zh": "申请号", "en": "request"},
    "result.deadline": {"zh": "48小时时限", "en": "48-hour deadline"},
    "result.awaiting_permission": {"zh": "待侦查机关许可，48小时时限尚未起算",
                                   "en": "awaiting the investigating authority's permission;"
                                         " the 48-hour clock has not started"},
    "result.refused": {"zh": "核验未通过 — 已记录", "en": "Documents refused — recorded"},
    "result.refusal": {"zh": "拒绝记录", "en": "refusal"},
    "result.failed_rules": {"zh": "未通过规则", "en": "failed rules"},
    # errors not raised by the domain
    "error.invalid_input": {"zh": "输入有误：", "en": "Invalid input: "},
    "error.unexpected": {"zh": "系统出错，未保存任何内容。请重试；如仍出错请联系管理员。",
                         "en": "Something went wrong and nothing was saved."
                               " Try again; if it happens again, call the administrator."},
}


def label(key: str, lang: Language) -> str:
    """The text of a label in a language; a missing key shows itself, so it is noticed."""
    entry = LABELS.get(key)
    return entry[lang] if entry else key


def other(lang: Language) -> Language:
    return "en" if lang == "zh" else "zh"
