"""T4: a printer fault the officer sees, in both languages, with what to do."""

from __future__ import annotations

from typing import Literal

FaultKind = Literal["offline", "closed", "paper_out", "cover_open", "printer_error", "font",
                    "setup"]


class PrintFault(Exception):
    """The job did not print. The booking is untouched; record the fault and reprint."""

    def __init__(self, kind: FaultKind, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.kind = kind
        self.zh = zh
        self.en = en

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en
