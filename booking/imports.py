"""E3: import the lawyer registry (V4), the detainee roster (V8, B12), legal-aid letters (V7),
legal-help notices and the centre's duty roster (V10).

A file is CSV (UTF-8 with a header row) or JSON (a list of objects with the same keys).
Every row is checked; a file with a bad row imports nothing unless the caller asks to skip
bad rows. The good rows are upserted by key in one transaction with one audit entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from sqlite_utils import Database

from . import audit
from .charges import charge_code, unknown_charge_message
from .clock import Clock, iso
from .errors import DomainError
from .fields import clean_key, clean_name, clean_text, shown
from .identifiers import law_firm_code, practice_cert_format, resident_id
from .roster_changes import apply_roster_changes, roster_snapshot
from .storage import transaction

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class RowError:
    line: int  # CSV: physical line (header = 1); JSON: 1-based position in the list
    field: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    imported: int
    inserted: int
    updated: int
    errors: list[RowError] = field(default_factory=list)


# --- what a good row is -------------------------------------------------------------------

def _no_formula(value: str) -> str:
    if value.startswith(FORMULA_START):
        raise ValueError("以=、+、-、@开头，可能是电子表格公式，请删去该字符"
                         " / starts with =, +, - or @ like a spreadsheet formula: remove it")
    return value


def _required(value: str) -> str:
    if not value:
        raise ValueError("必填，不能为空 / required: must not be empty")
    return value


def _no_spaces(value: str) -> str:
    if any(ch.isspace() for ch in value):
        raise ValueError("编号中不能有空格 / a number has no spaces inside")
    return value


def _cert_no(value: str) -> str:
    fmt, checked = practice_cert_format(value)
    if fmt == "invalid":
        raise ValueError(f"{checked.zh} / {checked.en}")
    return checked.value


def _firm_code(value: str) -> str:
    checked = law_firm_code(value)
    if not checked.ok:
        raise ValueError(f"{checked.zh} / {checked.en}")
    return checked.value


def _id_no(value: str) -> str:
    checked = resident_id(value)
    if not checked.ok:
        raise ValueError(f"{checked.zh} / {checked.en}")
    return checked.value


def _year(value: str) -> int | None:
    value = clean_key(value)
    if value == "":
        return None
    if not (value.isascii() and value.isdigit() and 1980 <= int(value) <= 2100):
        raise ValueError("应为1980至2100之间的年份，或留空 / a year from 1980 to 2100, or empty")
    return int(value)


def _iso_date(value: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("应为日期 YYYY-MM-DD，如 2026-03-01 / a date as YYYY-MM-DD,"
                         " e.g. 2026-03-01") from None
    return value


def _optional_date(value: str) -> str | None:
    return _iso_date(value) if value else None


def _charge_category(value: str) -> str:
    """P1: a code or a Chinese name of booking.charges, stored as its code; any other value
    is a row error, so no spelling of a permission case passes as an ordinary charge."""
    code = charge_code(value)
    if code is None:
        raise ValueError(unknown_charge_message(value))
    return code


# E3/T2: booking.fields.clean runs first on every text cell (controls, NUL, zero-width and
# look-alike digits refused, NFKC, the kind's length limit), as it does for typed fields.
Text = Annotated[str, AfterValidator(clean_text), AfterValidator(_required),
                 AfterValidator(_no_formula)]
Name = Annotated[str, AfterValidator(clean_name), AfterValidator(_required),
                 AfterValidator(_no_formula)]
Key = Annotated[str, AfterValidator(clean_key), AfterValidator(_required),
                AfterValidator(_no_formula), AfterValidator(_no_spaces)]
CertNo = Annotated[str, AfterValidator(clean_key), AfterValidator(_required),
                   AfterValidator(_cert_no)]
Stage = Literal["investigation", "prosecution", "trial"]


class ImportRow(BaseModel):
    """One row of an imported file (E3): a register's row type, or the platform's (B7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # cells arrive stripped


class LawyerRow(ImportRow):
    cert_no: CertNo
    name: Name
    firm_name: Name
    firm_code: Annotated[str, AfterValidator(clean_key), AfterValidator(_required),
                         AfterValidator(_firm_code)]
    status: Literal["active", "suspended", "revoked"]
    assessed_year: Annotated[int | None, BeforeValidator(_year)]


class DetaineeRow(ImportRow):
    roster_no: Key
    name: Name
    id_no: Annotated[str, AfterValidator(clean_key), AfterValidator(_required),
                     AfterValidator(_id_no)]
    case_no: Text
    charge_category: Annotated[Text, AfterValidator(_charge_category)]
    stage: Stage
    case_unit: Text
    status: Literal["in_custody", "released", "transferred"]
    # B12: the procuratorate's deadline in a fast-track case (速裁); an optional column.
    case_deadline: Annotated[str | None, BeforeValidator(_optional_date)] = None


class AidLetterRow(ImportRow):
    letter_no: Key
    centre: Text
    cert_no: CertNo
    roster_no: Key
    stage: Stage
    issued_on: Annotated[str, AfterValidator(clean_key), AfterValidator(_required),
                         AfterValidator(_iso_date)]
    status: Literal["active", "terminated", "reassigned"]


class DutyNoticeRow(ImportRow):
    """V10: a legal-help notice (法律帮助通知书) naming a duty lawyer for a detainee."""

    notice_no: Key
    issuer: Text
    cert_no: CertNo
    roster_no: Key
    issued_on: Annotated[str, AfterValidator(_required), AfterValidator(_iso_date)]
    status: Literal["active", "withdrawn"]


class DutyRosterRow(ImportRow):
    """V10: a lawyer on the centre's duty roster on a date."""

    cert_no: CertNo
    date: Annotated[str, AfterValidator(_required), AfterValidator(_iso_date)]


@dataclass(frozen=True)
class Register:
    """Where one kind of file goes: its row model, table, key (one column or several), and
    columns it always sets."""

    row: type[ImportRow]
    table: str
    key: str | tuple[str, ...]
    fixed: dict

    @property
    def columns(self) -> list[str]:
        return list(self.row.model_fields)

    @property
    def optional(self) -> list[str]:
        """Columns a file may leave out (B12's case_deadline): they keep what they held."""
        return [name for name, info in self.row.model_fields.items() if not info.is_required()]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else self.key


REGISTERS: dict[str, Register] = {
    # An upsert over an 'in_person' lawyer makes them a registry lawyer (V4).
    "lawyers": Register(LawyerRow, "lawyers", "cert_no", {"source": "registry"}),
    "detainees": Register(DetaineeRow, "detainees", "roster_no", {}),
    "aid-letters": Register(AidLetterRow, "aid_letters", "letter_no", {}),
    "duty-notices": Register(DutyNoticeRow, "duty_notices", "notice_no", {}),
    "duty-roster": Register(DutyRosterRow, "duty_roster", ("cert_no", "date"), {}),
}


# --- reading the file ---------------------------------------------------------------------

def _file_error(path: Path, zh: str, en: str) -> DomainError:
    return DomainError("E3", f"{path.name}：{zh}", f"{path.name}: {en}")


def _read_text(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _file_error(path, f"无法读取文件（{exc.strerror}）", f"cannot read the file"
                          f" ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise _file_error(path, "不是UTF-8编码（可能是GBK）：请在Excel中另存为“CSV UTF-8”后再导入",
                          "not UTF-8 (perhaps GBK): save it as 'CSV UTF-8' and import again"
                          ) from None
    if not text.strip():
        raise _file_error(path, "文件是空的：请检查是否选错了文件",
                          "the file is empty: check that it is the right file")
    return text


def _check_columns(path: Path, register: Register, header: list[str]) -> None:
    wanted = register.columns
    missing = [c for c in wanted if c not in header and c not in register.optional]
    extra = [shown(c) for c in header if c not in wanted]
    repeated = sorted({shown(c) for c in header if header.count(c) > 1})
    if missing or extra or repeated:
        zh, en = [], []
        if missing:
            zh.append(f"缺少列 {', '.join(missing)}")
            en.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            zh.append(f"多出列 {', '.join(extra)}")
            en.append(f"unknown column(s) {', '.join(extra)}")
        if repeated:
            zh.append(f"重复列 {', '.join(repeated)}")
            en.append(f"repeated column(s) {', '.join(repeated)}")
        columns = ",".join(wanted)
        raise _file_error(path, "；".join(zh) + f"。表头应为：{columns}",
                          "; ".join(en) + f". The header must be: {columns}")


Cells = dict[str, str]


def _csv_rows(path: Path, text: str, register: Register) -> list[tuple[int, Cells | RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader)]
    _check_columns(path, register, header)
    rows: list[tuple[int, Cells | RowError]] = []
    line = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            if len(cells) != len(header):
                rows.append((line, RowError(line, "row",
                                            f"该行有{len(cells)}列，表头有{len(header)}列"
                                            f" / this row has {len(cells)} cells, the header"
                                            f" {len(header)}")))
            else:
                rows.append((line, dict(zip(header, cells, strict=True))))
        line = reader.line_num + 1
    return rows


def _json_cell(value: object) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _json_object_problem(number: int, item: dict, register: Register) -> RowError | None:
    columns = register.columns
    for name in columns:
        if name not in item and name not in register.optional:
            return RowError(number, name, "缺少此项 / missing")
    for name in item:
        if name not in columns:
            return RowError(number, shown(str(name)), "未知的项 / unknown key")
    for name in columns:
        if name in item and _json_cell(item[name]) is None:
            return RowError(number, name, "应为文本或整数 / must be text or a whole number")
    return None


def _json_rows(path: Path, text: str, register: Register) -> list[tuple[int, Cells | RowError]]:
    try:
        items = json.loads(text)
    except RecursionError:  # E4: hostile nesting ([[[[...]]]] 100 000 deep)
        raise _file_error(path, "JSON嵌套过深，不是名册文件：请检查文件",
                          "the JSON is nested too deep to be a register: check the file"
                          ) from None
    except json.JSONDecodeError as exc:
        raise _file_error(path, f"不是有效的JSON（第{exc.lineno}行第{exc.colno}列）：请检查文件是否"
                          "完整，或改用CSV导入",
                          f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}):"
                          " check that the file is complete, or import a CSV file") from None
    if not isinstance(items, list):
        raise _file_error(path, "JSON应为对象列表 [ {...}, ... ]",
                          "the JSON must be a list of objects [ {...}, ... ]")
    rows: list[tuple[int, Cells | RowError]] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rows.append((number, RowError(number, "row", "应为对象 {...} / must be an object")))
            continue
        rows.append((number, _json_object_problem(number, item, register)
                     or {name: _json_cell(item[name]) for name in register.columns
                         if name in item}))
    return rows


def read_rows(path: Path, register: Register) -> list[tuple[int, Cells | RowError]]:
    """E3: the file's rows by line, as cells or the error that stops a row being read."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise _file_error(path, "只能导入 .csv 或 .json 文件", "only .csv or .json files can be imported")
    text = _read_text(path)
    try:
        rows = (_csv_rows if suffix == ".csv" else _json_rows)(path, text, register)
    except csv.Error as exc:
        raise _file_error(path, f"CSV格式有误（{exc}）：请用Excel另存为“CSV UTF-8”",
                          f"the CSV is malformed ({exc}): save it again as 'CSV UTF-8'") from None
    if not rows:
        raise _file_error(path, "文件中没有数据行：请检查是否选错了文件",
                          "the file has no data rows: check that it is the right file")
    return rows


# --- checking and importing ---------------------------------------------------------------

def _reason(error: dict) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "literal_error":
        return f"应为以下之一 / must be one of: {error['ctx']['expected']}"
    return error["msg"]


def validate_rows(register: Register, rows: list[tuple[int, Cells | RowError]]
              ) -> tuple[list[ImportRow], list[RowError]]:
    """E3: the rows that pass the register's row type, and an error for each that does not."""
    good: list[ImportRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, cells in rows:
        if isinstance(cells, RowError):
            errors.append(cells)
            continue
        try:
            row = register.row(**{name: cell.strip() for name, cell in cells.items()})
        except ValidationError as exc:
            errors += [RowError(line, str(e["loc"][0]) if e["loc"] else "row", _reason(e))
                       for e in exc.errors()]
            continue
        key = tuple(getattr(row, name) for name in register.keys)
        if key in first_line:
            errors.append(RowError(line, ",".join(register.keys), f"与第{first_line[key]}行重复"
                                                       f" / duplicates line {first_line[key]}"))
            continue
        first_line[key] = line
        good.append(row)
    return good, errors


def _end_defence_by_inactive_letters(db: Database, clock: Clock, actor: str) -> int:
    """V6/V7: a terminated or reassigned aid letter ends that lawyer's defence (reason
    aid_ended, dated the day of the import: the register gives no date of its own), so the
    lawyer no longer counts towards the detainee's two defenders. Returns how many ended."""
    return db.execute(
        "UPDATE defenders SET ended_at = ?, end_reason = 'aid_ended', ended_on = ?,"
        " ended_by = ? WHERE ended_at IS NULL AND basis = 'aid_letter'"
        " AND document_no IN (SELECT letter_no FROM aid_letters WHERE status != 'active')",
        (iso(clock.now()), clock.now().date().isoformat(), actor)).rowcount


# V7/V10: the registers whose rows an officer may also enter by hand, and what of a row an
# import must repeat to confirm the hand entry (anything else contradicts it).
HAND_ENTERED = {"aid_letters": ("letter_no", "aid_letter"),
                "duty_notices": ("notice_no", "duty_notice")}


def _pending_hand_entries(db: Database, table: str, records: list[dict]) -> list[dict]:
    """V7/V10: the hand-entered rows, still to confirm, that this import speaks of (read
    before the upsert overwrites them)."""
    key, _ = HAND_ENTERED[table]
    imported = {record[key] for record in records}
    return [row for row in db.query(
        f"SELECT {key}, cert_no, roster_no FROM {table} WHERE entered_by IS NOT NULL"
        " AND confirmed_at IS NULL AND contradicted_at IS NULL") if row[key] in imported]


def _settle_hand_entries(db: Database, clock: Clock, table: str, records: list[dict],
                         pending: list[dict]) -> dict:
    """V7/V10: an imported row that says what the officer entered by hand (active, same
    lawyer, same detainee) confirms it; one that differs (terminated, withdrawn, reassigned,
    another lawyer or detainee) contradicts it, and the requests opened on it go on the
    watch list (booking.watch). Runs after the upsert, inside the import's transaction."""
    key, basis = HAND_ENTERED[table]
    imported = {record[key]: record for record in records}
    now = iso(clock.now())
    settled: dict[str, list[str]] = {"confirmed": [], "contradicted": []}
    for row in pending:
        record = imported[row[key]]
        agrees = (record["status"] == "active" and record["cert_no"] == row["cert_no"]
                  and record["roster_no"] == row["roster_no"])
        column = "confirmed_at" if agrees else "contradicted_at"
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (now, row[key]))
        settled["confirmed" if agrees else "contradicted"].append(row[key])
    if settled["contradicted"]:
        marks = ", ".join("?" for _ in settled["contradicted"])
        settled["requests_to_watch"] = [str(request_id) for (request_id,) in db.execute(
            f"SELECT id FROM meeting_requests WHERE basis = ? AND document_no IN ({marks})"
            " AND state IN ('open', 'booked', 'awaiting_permission')",
            (basis, *settled["contradicted"]))]
    return settled


def import_file(db: Database, clock: Clock, actor: str, kind: str, path: Path,
                skip_bad: bool = False) -> ImportReport:
    """E3: check every row of the file; upsert the good rows by key unless a row is bad
    and skip_bad is False. Raises DomainError("E3") when the file as a whole is unusable."""
    register = REGISTERS.get(kind)
    if register is None:
        raise DomainError("E3", f"未知的导入类型{kind}", f"unknown import kind {kind!r}"
                          f" (one of: {', '.join(REGISTERS)})")
    path = Path(path)
    good, errors = validate_rows(register, read_rows(path, register))
    if (errors and not skip_bad) or not good:
        return ImportReport(imported=0, inserted=0, updated=0, errors=errors)
    # A column the file leaves out (B12's case_deadline) keeps what the table holds.
    records = [{**row.model_dump(exclude_unset=True), **register.fixed} for row in good]
    keys = register.keys
    with transaction(db):
        existing = set(db.execute(f"SELECT {', '.join(keys)} FROM {register.table}"))
        updated = sum(tuple(record[k] for k in keys) in existing for record in records)
        hand = register.table in HAND_ENTERED
        pending = _pending_hand_entries(db, register.table, records) if hand else []
        roster = [r["roster_no"] for r in records] if register.table == "detainees" else []
        before = roster_snapshot(db, roster)
        db.table(register.table).upsert_all(records, pk=register.key)
        if roster:  # C7 closing, P1-P3 judged again
            apply_roster_changes(db, clock, actor, before, roster)
        settled = (_settle_hand_entries(db, clock, register.table, records, pending)
                   if hand else {})
        ended = (_end_defence_by_inactive_letters(db, clock, actor)
                 if register.table == "aid_letters" else 0)
        audit.record(db, clock, actor, f"import_{kind.replace('-', '_')}", f"file:{path.name}",
                     {"inserted": len(records) - updated, "updated": updated,
                      "skipped": len(errors), **settled}
                     | ({"defences_ended": ended} if ended else {}))
    return ImportReport(imported=len(records), inserted=len(records) - updated, updated=updated,
                        errors=errors)
