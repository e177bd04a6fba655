"""E1/E3/Q2 by property: every parser and form takes any input and answers with a clear
error or a result; a refused input changes nothing. Hypothesis finds the inputs."""

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from support import OFFICER, presentation

from booking import identifiers
from booking.calendar import parse_day
from booking.errors import DomainError
from booking.imports import import_file
from booking.qr import read_code
from booking.settings import parse_session
from booking.storage import open_database
from booking.verification import verify_documents

FAST = hsettings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])
TABLES = ("lawyers", "detainees", "aid_letters", "meeting_requests", "refusals", "defenders",
          "audit_log", "staff")

any_text = st.text(max_size=40)
digits = st.text(alphabet=string.digits, min_size=0, max_size=20)
codeish = st.text(alphabet=string.ascii_uppercase + string.digits + ".-", max_size=60)


def snapshot(db):
    return {t: list(db.query(f"SELECT * FROM {t} ORDER BY rowid")) for t in TABLES}


@FAST
@given(st.one_of(any_text, digits))
def test_v2_certificate_parser_never_crashes(text):
    fmt, checked = identifiers.practice_cert_format(text)
    assert fmt in ("current", "old", "invalid")
    assert checked.ok == (fmt != "invalid")
    if not checked.ok:
        assert checked.zh and checked.en


@FAST
@given(st.one_of(any_text, st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYabcIOSVZ",
                                   min_size=16, max_size=20)))
def test_v3_credit_code_parser_never_crashes(text):
    checked = identifiers.credit_code(text)
    assert checked.ok or (checked.zh and checked.en)
    if checked.ok:
        assert len(checked.value) == 18 and checked.value == checked.value.upper()


@FAST
@given(st.one_of(any_text, st.text(alphabet=string.digits + "Xx", min_size=17, max_size=19)))
def test_v3_resident_id_parser_never_crashes(text):
    checked = identifiers.resident_id(text)
    assert checked.ok or (checked.zh and checked.en)


@FAST
@given(st.one_of(any_text, digits))
def test_a2_trainee_parser_never_crashes(text):
    checked = identifiers.trainee_cert(text)
    assert checked.ok or (checked.zh and checked.en)


@FAST
@given(any_text)
def test_b2_dates_and_sessions_give_clear_errors(text):
    for parse in (parse_session, parse_day):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc)


@FAST
@given(text=st.one_of(codeish, any_text,
                      st.builds(lambda a, b, c, d: f"K1.{a}.{b}.{c}.{d}",
                                st.integers(0, 10**13), digits, codeish, codeish)))
def test_q2_any_scanned_text_is_refused_cleanly(text, settings, clock):
    try:
        read_code(settings, clock, text)
    except DomainError as exc:
        assert exc.rule == "Q2" and exc.zh and exc.en
    else:
        pytest.fail(f"accepted a code nobody signed: {text!r}")


@FAST
@given(cert_no=st.one_of(digits, any_text), firm=any_text, lawyer=any_text,
       detainee=any_text, roster=any_text, relation=st.sampled_from(
           ["self", "spouse", "friend", "", "parent"]), signer=any_text)
def test_e1_any_form_gives_checks_or_a_clear_error(registers, clock, cert_no, firm, lawyer,
                                                   detainee, roster, relation, signer):
    before = registers.table("meeting_requests").count
    try:
        result = verify_documents(registers, clock, OFFICER, presentation(
            cert_no=cert_no, letter_firm_code=firm, letter_lawyer_name=lawyer,
            letter_detainee_name=detainee, roster_no=roster, poa_relation=relation,
            poa_signed_by=signer))
    except DomainError as exc:
        assert exc.zh and exc.en
        assert registers.table("meeting_requests").count == before
        return
    for check in result.checks:
        assert check.zh and check.en
    assert result.passed or result.refusal_id


HEADER = "cert_no,name,firm_name,firm_code,status,assessed_year"
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25)


@FAST
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=7), max_size=6),
       bom=st.booleans(), encoding=st.sampled_from(["utf-8", "gbk", "utf-16"]))
def test_e3_any_csv_file_gives_line_errors_or_imports(tmp_path_factory, clock, rows, bom,
                                                      encoding):
    folder = tmp_path_factory.mktemp("imp")
    db = open_database(folder / "k.db")
    path = Path(folder / "lawyers.csv")
    lines = [HEADER] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        return
    before = snapshot(db)
    try:
        report = import_file(db, clock, "test", "lawyers", path)
    except DomainError as exc:
        assert exc.rule == "E3" and exc.zh and exc.en
        assert snapshot(db) == before
        return
    if report.errors:
        assert report.imported == 0 and snapshot(db) == before
        for error in report.errors:
            assert error.line >= 2 and error.field and error.reason
    for lawyer in db.query("SELECT name, firm_name FROM lawyers"):
        for value in lawyer.values():  # E3: nothing that a spreadsheet would run
            assert not value.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3"])
def test_e3_formula_injection_in_a_name_is_a_row_error(db, clock, tmp_path, name):
    path = tmp_path / "lawyers.csv"
    path.write_text(f"{HEADER}\n13101200910123456,\"{name}\",上海申正律师事务所,"
                    "3131010142QXJNP17A,active,2025\n", encoding="utf-8")
    report = import_file(db, clock, "test", "lawyers", path)
    assert report.errors and report.errors[0].field == "name"
    assert db.table("lawyers").count == 0


def test_e3_huge_file_is_refused_or_reported_without_a_traceback(db, clock, tmp_path):
    path = tmp_path / "lawyers.csv"
    row = "13101200910123456,王建国,上海申正律师事务所,3131010142QXJNP17A,active,2025\n"
    path.write_text(HEADER + "\n" + row * 20000 + "x" * 1_000_000 + "\n", encoding="utf-8")
    try:
        report = import_file(db, clock, "test", "lawyers", path)
    except DomainError as exc:
        assert exc.zh and exc.en
    else:
        assert report.errors and report.imported == 0
    assert db.table("lawyers").count == 0
