"""The printed documents (T2, C3, B5, V9, P2, C6): queue ticket, 情况说明, consent form, refusal
slip, permission notice and test page, laid out as lines for a paper width. The same lines go
to the printer and to the PNG preview."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from booking.complaints import ComplaintLine
from booking.notices import PermissionNotice, RefusalSlip
from booking.tickets import ConsentData, TicketData

Align = Literal["left", "center", "right"]

# Printable dots and characters per line of ESC/POS font A (12x24 dots; a Chinese character
# takes two columns) on 58 mm and 80 mm paper at 203 dpi.
DOTS = {58: 384, 80: 576}
COLUMNS = {58: 32, 80: 48}
NO_LINE_START = "）)］]」』】，,。.、；;：:！!？?"


# Cc: C0 (ESC, GS, DLE, NUL ...), DEL and C1; Cf: zero-width and bidi; Cs: lone surrogates.
NOT_PRINTED = frozenset({"Cc", "Cf", "Cs"})


def printable(text: str) -> str:
    """T2/E3, defence in depth: the text without any control, format or surrogate character.
    Imports and forms refuse them (booking.fields); whatever still carries one (an old row, a
    hand edit) never reaches a printer as a command such as ESC @, GS V or DLE DC4, nor breaks
    the preview's text layout. Applied when a line is laid out and again before its bytes."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in NOT_PRINTED)


@dataclass(frozen=True)
class Text:
    """One printed line (already wrapped to the paper)."""

    text: str
    align: Align = "left"
    large: bool = False  # double width and height
    bold: bool = False


@dataclass(frozen=True)
class Qr:
    payload: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | Qr | Feed


@dataclass(frozen=True)
class Document:
    kind: str  # ticket, explanation, consent, test_page: also the job's file name
    blocks: tuple[Block, ...]


def display_width(text: str) -> int:
    """Columns the text takes on the printer: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int) -> list[str]:
    """Break text into lines of at most `columns` printer columns; Chinese breaks anywhere,
    a run of Latin letters and digits is kept whole when it fits on a line."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if display_width(line + token) <= columns:
            line += token
            continue
        carried = ""
        if token[0] in NO_LINE_START and len(line.rstrip()) > 1:  # keep "）" off a line start
            line = line.rstrip()
            line, carried = line[:-1], line[-1]
        if line.strip():
            lines.append(line.rstrip())
        line = carried + token.lstrip()
        while display_width(line) > columns:  # a token longer than a line
            cut = max(n for n in range(1, len(line) + 1) if display_width(line[:n]) <= columns)
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for ch in text:
        if tokens and ch.isascii() and not ch.isspace() and tokens[-1][-1:].isascii() \
                and not tokens[-1][-1].isspace():
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


@dataclass
class _Sheet:
    kind: str
    columns: int
    blocks: list[Block] = field(default_factory=list)

    def line(self, text: str, align: Align = "left", large: bool = False,
             bold: bool = False) -> None:
        width = self.columns // 2 if large else self.columns
        for part in wrap(printable(text), width):
            self.blocks.append(Text(part, align, large, bold))

    def rule(self) -> None:
        self.blocks.append(Text("-" * self.columns))

    def qr(self, payload: str) -> None:
        self.blocks.append(Qr(payload))

    def feed(self, lines: int = 1) -> None:
        self.blocks.append(Feed(lines))

    def heading(self, centre: str, zh: str, en: str) -> None:
        self.line(centre, "center", bold=True)
        self.line(zh, "center", large=True)
        self.line(en, "center")
        self.rule()

    def document(self) -> Document:
        return Document(self.kind, tuple(self.blocks))


def when(moment: datetime) -> str:
    return f"{moment:%Y}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def queue_ticket(data: TicketData, paper_mm: int) -> Document:
    """T2: the queue ticket, or for a booking not yet queued, the booking slip with its QR."""
    sheet = _Sheet("ticket", COLUMNS[paper_mm])
    if data.queue_label:
        sheet.heading(data.centre, "律师会见排队号", "Queue ticket")
        sheet.line(data.queue_label + ("  优先" if data.priority else ""), "center", large=True)
        sheet.line(f"取号时间：{when(data.issued_at)}")
    else:
        sheet.heading(data.centre, "律师会见预约单", "Booking slip")
        sheet.line(f"打印时间：{when(data.issued_at)}")
    sheet.line(f"律师：{data.lawyer_name}")
    sheet.line(f"律所：{data.firm_name}")
    sheet.line(f"在押人员：{data.detainee_masked}（编号{data.roster_no}）")
    sheet.line(f"会见室：{data.room_name}")
    sheet.line(f"预约时间：{when(data.start)}-{data.end:%H:%M}")
    sheet.line(f"48小时期限：{when(data.deadline)}", bold=True)
    sheet.rule()
    sheet.qr(data.qr_code)
    sheet.line(f"预约号 Booking {data.booking_id}", "center")
    if data.queue_label:
        sheet.line("请留意叫号屏幕 Please watch the screen", "center")
    else:
        sheet.line("请于预约时间到窗口扫码签到", "center")
        sheet.line("Scan this code at the desk when you come", "center")
    return sheet.document()


def ticket_documents(data: TicketData, paper_mm: int) -> list[Document]:
    """T2/C3: a booking's ticket, followed by its 情况说明 when the meeting is not now."""
    documents = [queue_ticket(data, paper_mm)]
    if data.explanation is not None:
        documents.append(explanation(data, paper_mm))
    return documents


def explanation(data: TicketData, paper_mm: int) -> Document:
    """C3: the 情况说明 for a meeting that cannot start at once."""
    info = data.explanation
    if info is None:
        raise ValueError("the meeting is immediate: no 情况说明")
    sheet = _Sheet("explanation", COLUMNS[paper_mm])
    sheet.heading(data.centre, "情况说明", "Written explanation")
    reason = info.reason_zh + (f"（{info.text}）" if info.text else "")
    sheet.line(f"{data.lawyer_name}律师：")
    sheet.line(f"　　您于{when(info.requested_at)}提出会见在押人员{data.detainee_masked}"
               f"（编号{data.roster_no}）的申请，因{reason}，不能当即安排会见。")
    sheet.line(f"　　现安排于{when(info.booked_start)}在{data.room_name}会见。")
    if info.deferred_by_lawyer and info.earliest_offer_at:
        sheet.line(f"　　本所可安排的最早时间为{when(info.earliest_offer_at)}，"
                   "您选择了较晚的时间。")
    else:
        sheet.line("　　该时间早于48小时期限。")
    sheet.line(f"预约时间：{when(info.booked_start)}")
    sheet.line(f"48小时期限：{when(info.deadline)}", bold=True)
    sheet.line(f"Reason: {info.reason_en}" + (f" ({info.text})" if info.text else ""))
    if info.complaint is not None:
        complaint(sheet, info.complaint)
    sheet.feed()
    sheet.line(data.centre, "right")
    sheet.line(when(data.issued_at), "right")
    return sheet.document()


def complaint(sheet: _Sheet, line: ComplaintLine) -> None:
    """C6: the complaint line, set apart under a rule."""
    sheet.rule()
    sheet.line("申诉、控告 Complaints", bold=True)
    sheet.line(line.zh)
    sheet.line(line.en)


def refusal_slip(data: RefusalSlip, paper_mm: int) -> Document:
    """V9/C6: why the documents did not pass, and where the lawyer may complain."""
    sheet = _Sheet("refusal", COLUMNS[paper_mm])
    sheet.heading(data.centre, "不予安排会见告知书", "Meeting refused: the reasons")
    sheet.line(f"律师：{data.lawyer_name}（执业证号{data.cert_no}）" if data.lawyer_name
               else f"执业证号：{data.cert_no}")
    sheet.line(f"在押人员：{data.detainee_masked}（编号{data.roster_no}）" if data.detainee_masked
               else f"在押人员编号：{data.roster_no}")
    sheet.line(f"核验时间：{when(data.at)}")
    sheet.line(f"未通过规则 Rules not met：{'、'.join(data.rules)}", bold=True)
    sheet.line(f"原因：{data.reason_zh}")
    sheet.line(f"Reason: {data.reason_en}")
    sheet.line("补齐或更正材料后可再次申请，48小时自材料齐全时起算。")
    sheet.line("You may come again with the documents corrected; the 48 hours start when they"
               " pass.")
    complaint(sheet, data.complaint)
    sheet.feed()
    sheet.line(f"记录号 Record {data.refusal_id}", "right")
    sheet.line(when(data.printed_at), "right")
    return sheet.document()


def permission_notice(data: PermissionNotice, paper_mm: int) -> Document:
    """P2: the investigating authority's decision, told to the lawyer at the desk."""
    sheet = _Sheet("permission_notice", COLUMNS[paper_mm])
    if data.granted:
        sheet.heading(data.centre, "许可会见通知", "Meeting permitted")
    else:
        sheet.heading(data.centre, "不许可会见通知", "Meeting not permitted")
    sheet.line(f"{data.lawyer_name}律师：")
    decision = "许可" if data.granted else "不许可"
    sheet.line(f"　　您申请会见在押人员{data.detainee_masked}（编号{data.roster_no}），侦查机关已于"
               f"{when(data.decided_at)}作出{decision}会见的决定，文号：{data.reference}。")
    sheet.line(f"The investigating authority decided ({data.reference}): meeting "
               + ("permitted." if data.granted else "not permitted."))
    if data.granted and data.clock_start is not None and data.deadline is not None:
        sheet.line(f"　　48小时会见期限自{when(data.clock_start)}起算，本所将于"
                   f"{when(data.deadline)}前安排会见。")
        sheet.line(f"48小时期限：{when(data.deadline)}", bold=True)
        sheet.line("The 48-hour clock started when permission was recorded; the meeting is"
                   " arranged before the deadline above.")
    if data.complaint is not None:
        complaint(sheet, data.complaint)
    sheet.feed()
    sheet.line(f"申请号 Request {data.request_id}", "right")
    sheet.line(when(data.printed_at), "right")
    return sheet.document()


def consent_form(data: ConsentData, paper_mm: int) -> Document:
    """B5: the lawyer's written consent to meet in an interrogation room, to sign at the desk."""
    sheet = _Sheet("consent", COLUMNS[paper_mm])
    sheet.heading(data.centre, "使用讯问室会见同意书", "Consent to meet in an interrogation room")
    sheet.line(f"　　本人{data.lawyer_name}（执业证号{data.cert_no}，{data.firm_name}）因本所会见室"
               f"不足，同意于{when(data.start)}-{data.end:%H:%M}在{data.room_name}会见在押人员"
               f"{data.detainee_masked}（编号{data.roster_no}）。")
    sheet.line("　　看守所确认：会见开始前关闭该讯问室的录音、录像、监听设备，会见不被监听。", bold=True)
    sheet.line("The centre confirms that the recording and monitoring devices in this room will"
               " be switched off before the meeting starts.")
    sheet.feed()
    sheet.line("律师签名 Lawyer's signature：")
    sheet.feed()
    sheet.line("________________________")
    sheet.line("日期 Date：____________")
    sheet.line("经办民警 Officer：____________")
    sheet.feed()
    sheet.line(f"打印时间：{when(data.printed_at)}", "right")
    return sheet.document()


def printer_test_page(centre: str, paper_mm: int, encoding: str,
                      printed_at: datetime) -> Document:
    """`kiosk print-test`: width, Chinese text, a line the printer font lacks, a QR code."""
    columns = COLUMNS[paper_mm]
    sheet = _Sheet("test_page", columns)
    sheet.heading(centre, "打印测试", "Printer test page")
    sheet.line(f"纸宽 Paper：{paper_mm} mm，每行{columns}字符 columns")
    sheet.line(f"编码 Encoding：{encoding}")
    sheet.blocks.append(Text(("1234567890" * 5)[:columns]))
    sheet.line("中文：会见室 情况说明 排队号 四十八小时")
    sheet.line("生僻字（以图片打印）：𠮷 䶮 堃 ☺")
    sheet.line("显示方框：字体缺此字 (box: the font lacks it)")
    sheet.line("加粗 Bold", bold=True)
    sheet.line("A001", "center", large=True)
    sheet.qr("TEST")
    sheet.line(when(printed_at), "right")
    return sheet.document()
