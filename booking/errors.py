"""Domain errors: each carries a rule id and a bilingual message saying what to do."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action. Nothing was written when this is raised."""

    def __init__(self, rule: str, zh: str, en: str):
        super().__init__(f"[{rule}] {zh} / {en}")
        self.rule = rule
        self.zh = zh
        self.en = en

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class NotFound(DomainError):
    pass


class SignInError(DomainError):
    pass
