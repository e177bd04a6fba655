"""C6: the complaint line every refusal slip, 情况说明 and permission-refusal notice carries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .settings import Settings

ANSWER_WITHIN_DAYS = 10  # seed 五(五): the procuratorate answers in writing within 10 days


class ComplaintLine(BaseModel):
    """C6: where and how the lawyer may complain, in both languages."""

    model_config = ConfigDict(frozen=True)

    zh: str
    en: str


def complaint_line(settings: Settings) -> ComplaintLine:
    """C6: the lawyer may complain to the procuratorate at the same or the next level, which
    answers in writing within 10 days; its name and address come from config."""
    name = settings.centre.procuratorate_name.strip()
    address = settings.centre.procuratorate_address.strip()
    where_zh = f"（{name}" + (f"，地址：{address}" if address else "") + "）" if name else ""
    where_en = f" ({name}" + (f", {address}" if address else "") + ")" if name else ""
    return ComplaintLine(
        zh=f"如认为本所或办案机关阻碍您依法执业，可向同级或者上一级人民检察院{where_zh}提出申诉或者控告，"
           f"检察院应于{ANSWER_WITHIN_DAYS}日内书面答复。",
        en=f"If you find that the centre or the case unit obstructs your rights, you may complain"
           f" to the procuratorate at the same or the next level{where_en}; it must answer in"
           f" writing within {ANSWER_WITHIN_DAYS} days.")
