"""E3: importing the lawyer registry, the detainee roster and legal-aid letters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from booking import audit
from booking.errors import DomainError
from booking.imports import import_file
from booking.storage import transaction
from kiosk.cli import main

ROOT = Path(__file__).resolve().parents[2]

LAWYERS_HEADER = "cert_no,name,firm_name,firm_code,status,assessed_year"
WANG = "13101200910123456,王建国,上海申正律师事务所,3131010142QXJNP17A,active,2025"
ZHAO = "13101201510234567,赵敏,上海申正律师事务所,3131010142QXJNP17A,suspended,2024"
WU_OLD = "131012009101,吴德,上海浦江律师事务所,31310115t3kb1e2bda,active,"

DETAINEES_HEADER = "roster_no,name,id_no,case_no,charge_category,stage,case_unit,status"
LI = ("2026001,李四,310101198503121738,沪公黄刑立字〔2026〕0101号,fraud,prosecution,"
      "上海市黄浦区人民检察院,in_custody")
ZHENG = ("2026030,郑毅,31010119850312121x,沪国安立字〔2026〕030号,national_security,"
         "investigation,上海市国家安全局,in_custody")

LETTERS_HEADER = "letter_no,centre,cert_no,roster_no,stage,issued_on,status"
LETTER = "SHFY2026-0001,上海市黄浦区法律援助中心,11101200310523456,2026002,prosecution,2026-11-02,active"


def write(tmp_path: Path, name: str, *lines: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def table(db, name: str) -> list[dict]:
    return list(db.query(f"SELECT * FROM {name} ORDER BY 1"))


def audit_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM audit_log ORDER BY id"))


def test_e3_good_lawyer_csv_is_imported(db, clock, tmp_path):
    path = write(tmp_path, "registry.csv", LAWYERS_HEADER, WANG, ZHAO, WU_OLD)
    report = import_file(db, clock, "cli", "lawyers", path)
    assert (report.imported, report.inserted, report.updated, report.errors) == (3, 3, 0, [])
    rows = {r["cert_no"]: r for r in table(db, "lawyers")}
    assert rows["13101200910123456"]["name"] == "王建国"
    assert rows["13101200910123456"]["assessed_year"] == 2025
    assert rows["13101200910123456"]["source"] == "registry"
    # V2: an old 12-digit number is accepted through the registry; the firm code is upper-cased.
    assert rows["131012009101"]["firm_code"] == "31310115T3KB1E2BDA"
    assert rows["131012009101"]["assessed_year"] is None
    entry = audit_rows(db)[-1]
    assert (entry["actor"], entry["action"], entry["subject"]) == (
        "cli", "import_lawyers", "file:registry.csv")
    assert json.loads(entry["detail"]) == {"inserted": 3, "updated": 0, "skipped": 0}


def test_e3_good_json_is_imported(db, clock, tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps([
        {"cert_no": "13101200910123456", "name": "王建国", "firm_name": "上海申正律师事务所",
         "firm_code": "3131010142QXJNP17A", "status": "active", "assessed_year": 2025},
        {"cert_no": 13101201510234567, "name": " 赵敏 ", "firm_name": "上海申正律师事务所",
         "firm_code": "3131010142QXJNP17A", "status": "suspended", "assessed_year": None},
    ], ensure_ascii=False), encoding="utf-8")
    report = import_file(db, clock, "cli", "lawyers", path)
    assert (report.imported, report.inserted, report.errors) == (2, 2, [])
    zhao = next(db.query("SELECT * FROM lawyers WHERE cert_no = '13101201510234567'"))
    assert (zhao["name"], zhao["status"], zhao["assessed_year"]) == ("赵敏", "suspended", None)


def test_e3_detainees_and_aid_letters_are_imported(db, clock, tmp_path):
    report = import_file(db, clock, "cli", "detainees",
                         write(tmp_path, "roster.csv", DETAINEES_HEADER, LI, ZHENG))
    assert report.inserted == 2
    # V3: the ID number is stored in its normal form (lower-case x becomes X).
    assert next(db.query("SELECT id_no FROM detainees WHERE roster_no = '2026030'"))["id_no"] \
        == "31010119850312121X"
    report = import_file(db, clock, "cli", "aid-letters",
                         write(tmp_path, "letters.csv", LETTERS_HEADER, LETTER))
    assert report.inserted == 1
    assert audit_rows(db)[-1]["action"] == "import_aid_letters"


def test_e3_reimport_updates_by_key(db, clock, tmp_path):
    import_file(db, clock, "cli", "lawyers", write(tmp_path, "a.csv", LAWYERS_HEADER, WANG, ZHAO))
    revoked = WANG.replace("active,2025", "revoked,2026")
    report = import_file(db, clock, "cli", "lawyers",
                         write(tmp_path, "b.csv", LAWYERS_HEADER, revoked, WU_OLD))
    assert (report.imported, report.inserted, report.updated) == (2, 1, 1)
    assert len(table(db, "lawyers")) == 3
    wang = next(db.query("SELECT * FROM lawyers WHERE cert_no = '13101200910123456'"))
    assert (wang["status"], wang["assessed_year"]) == ("revoked", 2026)
    assert json.loads(audit_rows(db)[-1]["detail"]) == {"inserted": 1, "updated": 1, "skipped": 0}


def test_v4_registry_import_turns_in_person_lawyer_into_registry_lawyer(db, clock, tmp_path):
    with transaction(db):
        db.execute("INSERT INTO lawyers (cert_no, name, firm_name, firm_code, status, source)"
                   " VALUES ('13101200910123456', '王建国', '?', '3131010142QXJNP17A', 'active',"
                   " 'in_person')")
        audit.record(db, clock, "1001", "accept_in_person", "lawyer:13101200910123456")
    report = import_file(db, clock, "cli", "lawyers", write(tmp_path, "r.csv", LAWYERS_HEADER, WANG))
    assert (report.inserted, report.updated) == (0, 1)
    wang = table(db, "lawyers")[0]
    assert (wang["source"], wang["firm_name"]) == ("registry", "上海申正律师事务所")


def test_e3_bad_row_imports_nothing(db, clock, tmp_path):
    import_file(db, clock, "cli", "lawyers", write(tmp_path, "first.csv", LAWYERS_HEADER, ZHAO))
    before, log_before = table(db, "lawyers"), audit_rows(db)
    bad_cert = "1310120091012345,刘洋,上海申正律师事务所,3131010142QXJNP17A,active,2025"
    path = write(tmp_path, "bad.csv", LAWYERS_HEADER, WANG, bad_cert,
                 ZHAO.replace("suspended", "retired"))
    report = import_file(db, clock, "cli", "lawyers", path)
    assert (report.imported, report.inserted, report.updated) == (0, 0, 0)
    assert [(e.line, e.field) for e in report.errors] == [(3, "cert_no"), (4, "status")]
    assert "17" in report.errors[0].reason
    assert "active" in report.errors[1].reason
    assert table(db, "lawyers") == before
    assert audit_rows(db) == log_before


def test_e3_skip_bad_imports_the_good_rows(db, clock, tmp_path):
    bad_firm = WANG.replace("13101200910123456", "13101201210456781").replace(
        "3131010142QXJNP17A", "91110000600037341L")
    path = write(tmp_path, "mixed.csv", LAWYERS_HEADER, WANG, bad_firm, ZHAO)
    report = import_file(db, clock, "cli", "lawyers", path, skip_bad=True)
    assert (report.imported, report.inserted, report.updated) == (2, 2, 0)
    assert [(e.line, e.field) for e in report.errors] == [(3, "firm_code")]
    assert "31" in report.errors[0].reason  # V3: not a law firm's code
    assert [r["cert_no"] for r in table(db, "lawyers")] == ["13101200910123456",
                                                            "13101201510234567"]
    assert json.loads(audit_rows(db)[-1]["detail"]) == {"inserted": 2, "updated": 0, "skipped": 1}


def test_e3_skip_bad_with_no_good_row_writes_nothing(db, clock, tmp_path):
    path = write(tmp_path, "bad.csv", LAWYERS_HEADER, WANG.replace("active", "gone"))
    report = import_file(db, clock, "cli", "lawyers", path, skip_bad=True)
    assert (report.imported, len(report.errors)) == (0, 1)
    assert table(db, "lawyers") == [] and audit_rows(db) == []


def test_e3_row_errors_name_line_and_field(db, clock, tmp_path):
    rows = [
        "2026002,,310101198503121738,案1,fraud,prosecution,单位,in_custody",      # line 2: name
        "2026003,王磊,310101198503121230,案2,fraud,prosecution,单位,in_custody",  # 3: check char
        "2026004,刘芳,310101198502301235,案3,fraud,trial,单位,in_custody",        # 4: 30 Feb
        "2026005,陈杰,310101198503121738,案4,,trial,单位,in_custody",             # 5: charge
        "2026006,杨帆,310101198503121738,案5,theft,appeal,单位,in_custody",       # 6: stage
        "2026007,黄勇,310101198503121738,案6,theft,trial,单位",                   # 7: short row
        LI,                                                                       # 8: good
        LI.replace("李四", "李斯"),                                               # 9: duplicate
        "2026 008,赵刚,310101198503121738,案7,theft,trial,单位,in_custody",       # 10: roster_no
    ]
    report = import_file(db, clock, "cli", "detainees",
                         write(tmp_path, "roster.csv", DETAINEES_HEADER, *rows))
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "name"), (3, "id_no"), (4, "id_no"), (5, "charge_category"), (6, "stage"),
        (7, "row"), (9, "roster_no"), (10, "roster_no")]
    assert "8" in report.errors[6].reason  # the duplicate names the first occurrence
    assert table(db, "detainees") == []


def test_e3_csv_line_numbers_are_physical_lines(db, clock, tmp_path):
    """A quoted cell over two lines and a blank line still give the row's first line (the
    line feed inside a firm name is itself refused since E3/T2: it is a control character)."""
    path = write(tmp_path, "r.csv", LAWYERS_HEADER,
                 '13101200910123456,王建国,"上海申正\n律师事务所",3131010142QXJNP17A,active,2025',
                 "",
                 ZHAO.replace("suspended", "bad"))
    report = import_file(db, clock, "cli", "lawyers", path)
    assert [(e.line, e.field) for e in report.errors] == [(2, "firm_name"), (5, "status")]
    assert "U+000A" in report.errors[0].reason


def test_e3_aid_letter_date_must_be_iso(db, clock, tmp_path):
    path = write(tmp_path, "letters.csv", LETTERS_HEADER,
                 LETTER.replace("2026-11-02", "2026/11/02"),
                 LETTER.replace("0001", "0002").replace("2026-11-02", "2026-02-30"))
    report = import_file(db, clock, "cli", "aid-letters", path)
    assert [(e.line, e.field) for e in report.errors] == [(2, "issued_on"), (3, "issued_on")]
    assert "YYYY-MM-DD" in report.errors[0].reason


@pytest.mark.parametrize("field,cell", [("name", "=cmd|' /C calc'!A0"), ("firm_name", "@SUM(A1)"),
                                        ("name", "+王建国"), ("name", "-2+3")])
def test_e3_formula_injection_is_a_row_error(db, clock, tmp_path, field, cell):
    cells = WANG.split(",")
    cells[LAWYERS_HEADER.split(",").index(field)] = cell
    path = write(tmp_path, "r.csv", LAWYERS_HEADER, ZHAO, ",".join(cells))
    report = import_file(db, clock, "cli", "lawyers", path)
    assert [(e.line, e.field) for e in report.errors] == [(3, field)]
    assert "formula" in report.errors[0].reason
    assert table(db, "lawyers") == []


def test_e3_utf8_bom_is_accepted(db, clock, tmp_path):
    path = write(tmp_path, "excel.csv", LAWYERS_HEADER, WANG, bom=True)
    assert import_file(db, clock, "cli", "lawyers", path).inserted == 1


def test_e3_whitespace_around_cells_and_headers_is_stripped(db, clock, tmp_path):
    header = " cert_no , name,firm_name,firm_code,status,assessed_year "
    row = " 13101200910123456 , 王建国 ,上海申正律师事务所, 3131010142QXJNP17A , active , 2025 "
    report = import_file(db, clock, "cli", "lawyers", write(tmp_path, "r.csv", header, row))
    assert report.errors == []
    wang = table(db, "lawyers")[0]
    assert (wang["cert_no"], wang["name"], wang["status"]) == ("13101200910123456", "王建国",
                                                               "active")


def file_error(db, clock, path: Path, kind: str = "lawyers") -> DomainError:
    with pytest.raises(DomainError) as caught:
        import_file(db, clock, "cli", kind, path)
    assert caught.value.rule == "E3"
    assert table(db, "lawyers") == [] and audit_rows(db) == []
    return caught.value


def test_e3_wrong_extension_is_refused(db, clock, tmp_path):
    error = file_error(db, clock, write(tmp_path, "registry.xlsx", LAWYERS_HEADER, WANG))
    assert ".csv" in error.en and ".json" in error.en


def test_e3_missing_column_is_refused(db, clock, tmp_path):
    header = LAWYERS_HEADER.replace(",assessed_year", ",year")
    error = file_error(db, clock, write(tmp_path, "r.csv", header, WANG))
    assert "assessed_year" in error.zh and "year" in error.en
    assert LAWYERS_HEADER in error.en  # says what the header must be


def test_e3_invalid_json_is_refused(db, clock, tmp_path):
    path = tmp_path / "r.json"
    path.write_text('[{"cert_no": "13101200910123456",]', encoding="utf-8")
    assert "JSON" in file_error(db, clock, path).en
    path.write_text('{"cert_no": "13101200910123456"}', encoding="utf-8")
    assert "list" in file_error(db, clock, path).en


def test_e3_json_objects_with_wrong_keys_are_row_errors(db, clock, tmp_path):
    good = dict(zip(LAWYERS_HEADER.split(","), WANG.split(","), strict=True))
    missing = {k: v for k, v in good.items() if k != "status"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps([good, missing, {**good, "age": 40}, "text",
                                {**good, "assessed_year": 2025.5}]), encoding="utf-8")
    report = import_file(db, clock, "cli", "lawyers", path)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "status"), (3, "age"), (4, "row"), (5, "assessed_year")]


@pytest.mark.parametrize("content", [b"", b"   \n", LAWYERS_HEADER.encode() + b"\n", b"[]"])
def test_e3_empty_file_is_refused(db, clock, tmp_path, content):
    path = tmp_path / ("r.json" if content == b"[]" else "r.csv")
    path.write_bytes(content)
    file_error(db, clock, path)


def test_e3_gbk_file_is_refused_with_advice(db, clock, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(f"{LAWYERS_HEADER}\n{WANG}\n".encode("gbk"))
    error = file_error(db, clock, path)
    assert "UTF-8" in error.en and "UTF-8" in error.zh


def test_e3_unknown_kind_is_refused(db, clock, tmp_path):
    file_error(db, clock, write(tmp_path, "r.csv", LAWYERS_HEADER, WANG), kind="bookings")


def test_s2_audit_chain_verifies_after_imports(db, clock, tmp_path):
    import_file(db, clock, "cli", "lawyers", write(tmp_path, "a.csv", LAWYERS_HEADER, WANG))
    import_file(db, clock, "cli", "detainees", write(tmp_path, "b.csv", DETAINEES_HEADER, LI))
    import_file(db, clock, "cli", "lawyers", write(tmp_path, "c.csv", LAWYERS_HEADER, WANG, ZHAO))
    report = audit.verify(db)
    assert report.ok and report.entries == 3


# --- the `kiosk import` command -------------------------------------------------------------

def run_cli(db_path: Path, *args: str):
    config = str(ROOT / "config" / "kiosk.toml")
    return CliRunner().invoke(main, ["--config", config, "--db", str(db_path), *args])


def test_e3_cli_bad_file_exits_non_zero_and_changes_nothing(tmp_path):
    db_path = tmp_path / "x.db"
    good = write(tmp_path, "good.csv", LAWYERS_HEADER, ZHAO)
    assert run_cli(db_path, "import", "lawyers", str(good)).exit_code == 0
    from booking.storage import open_database

    db = open_database(db_path)
    before = table(db, "lawyers")
    bad = write(tmp_path, "bad.csv", LAWYERS_HEADER, WANG, WANG.replace("王建国", "=HYPERLINK()"))
    result = run_cli(db_path, "import", "lawyers", str(bad))
    assert result.exit_code != 0
    assert "line 3: name: " in result.output
    assert "nothing imported" in result.output
    assert table(db, "lawyers") == before
    db.conn.close()


def test_e3_cli_skip_bad_imports_good_rows_and_reports_the_rest(tmp_path):
    db_path = tmp_path / "x.db"
    bad = write(tmp_path, "bad.csv", LAWYERS_HEADER, WANG, ZHAO.replace("suspended", "x"))
    result = run_cli(db_path, "import", "lawyers", "--skip-bad", str(bad))
    assert result.exit_code == 0  # E3: the good rows were asked for and are in
    assert "line 3: status: " in result.output
    assert "imported 1 rows (1 new, 0 updated)；跳过错误行 1 行, skipped 1 bad rows" \
        in result.output


def test_e3_cli_skip_bad_with_no_good_row_fails(tmp_path):
    db_path = tmp_path / "x.db"
    bad = write(tmp_path, "bad.csv", LAWYERS_HEADER, ZHAO.replace("suspended", "x"))
    result = run_cli(db_path, "import", "lawyers", "--skip-bad", str(bad))
    assert result.exit_code == 1
    assert "1 bad rows: nothing imported" in result.output


def test_e3_cli_file_error_is_bilingual(tmp_path):
    path = write(tmp_path, "r.csv", "cert_no,name", "13101200910123456,王建国")
    result = run_cli(tmp_path / "x.db", "import", "lawyers", str(path))
    assert result.exit_code == 1
    assert "缺少列" in result.output and "missing column" in result.output


# --- P1: the roster's charge category ------------------------------------------------------

def roster_row(roster_no: str, charge: str, stage: str = "investigation") -> str:
    return (f"{roster_no},郑毅,31010119850312121x,沪国安立字〔2026〕{roster_no}号,{charge},{stage},"
            "上海市国家安全局,in_custody")


@pytest.mark.parametrize("charge, code", [
    ("national_security", "national_security"), ("危害国家安全", "national_security"),
    ("危害国家安全罪", "national_security"), ("危害国家安全犯罪案件", "national_security"),
    ("涉嫌间谍罪", "national_security"), ("National Security", "national_security"),
    ("terrorism", "terrorism"), ("恐怖活动", "terrorism"), ("恐怖活动犯罪", "terrorism"),
    ("组织、领导、参加恐怖组织罪", "terrorism"), ("诈骗罪", "fraud"), ("fraud", "fraud"),
    ("其他", "other")])
def test_p1_charge_categories_in_chinese_are_stored_as_codes(db, clock, tmp_path, charge, code):
    report = import_file(db, clock, "cli", "detainees",
                         write(tmp_path, "roster.csv", DETAINEES_HEADER, roster_row("2026030", charge)))
    assert report.errors == [] and table(db, "detainees")[0]["charge_category"] == code


def test_p1_a_roster_in_chinese_asks_for_permission(db, clock, tmp_path):
    """P1: 危害国家安全罪 under investigation needs the authority's permission, as the code does;
    a stored label from before the import mapped them is read through the same table."""
    from support import OFFICER, presentation

    from booking.staff import add_staff
    from booking.verification import verify_documents

    add_staff(db, clock, "test", OFFICER, "陈警官", "officer", "246810")
    import_file(db, clock, "cli", "lawyers", write(tmp_path, "l.csv", LAWYERS_HEADER, WANG))
    import_file(db, clock, "cli", "detainees", write(
        tmp_path, "r.csv", DETAINEES_HEADER, roster_row("2026030", "危害国家安全罪"),
        roster_row("2026031", "危害国家安全罪", "prosecution")))
    zheng = dict(roster_no="2026030", letter_detainee_name="郑毅", poa_signed_by="郑毅")
    assert verify_documents(db, clock, OFFICER, presentation(**zheng)).request.state == \
        "awaiting_permission"
    later = dict(zheng, roster_no="2026031")  # P3: after investigation nobody asks
    assert verify_documents(db, clock, OFFICER, presentation(**later)).request.state == "open"
    db.table("detainees").insert(dict(  # written before the import checked the category
        next(db.query("SELECT * FROM detainees WHERE roster_no = '2026030'")),
        roster_no="2026032", charge_category="恐怖活动犯罪"))
    legacy = dict(zheng, roster_no="2026032")
    assert verify_documents(db, clock, OFFICER, presentation(**legacy)).request.state == \
        "awaiting_permission"


def test_p1_unknown_charge_category_is_a_bilingual_row_error_and_nothing_is_imported(
        db, clock, tmp_path):
    path = write(tmp_path, "roster.csv", DETAINEES_HEADER, LI, roster_row("2026030", "极端主义"),
                 roster_row("2026031", "国安案"))
    report = import_file(db, clock, "cli", "detainees", path)
    assert [(e.line, e.field) for e in report.errors] == [(3, "charge_category"),
                                                          (4, "charge_category")]
    reason = report.errors[0].reason
    assert "未知的罪名类别“极端主义”" in reason and "unknown charge category '极端主义'" in reason
    assert "national_security" in reason and "terrorism" in reason and "other" in reason
    assert table(db, "detainees") == []


def test_p1_cli_names_the_line_of_an_unknown_charge_category(tmp_path):
    path = write(tmp_path, "roster.csv", DETAINEES_HEADER, roster_row("2026030", "危害国家安全类犯罪"),
                 roster_row("2026031", "国家安全罪名"))
    result = run_cli(tmp_path / "x.db", "import", "detainees", str(path))
    assert result.exit_code != 0 and "nothing imported" in result.output
    assert "line 3: charge_category: 未知的罪名类别“国家安全罪名”" in result.output
    assert "line 2" not in result.output  # 危害国家安全类犯罪 is a known name


def test_p1_doctor_warns_of_a_stored_charge_category_it_does_not_know(db):
    from booking.health import roster_finding

    assert roster_finding(db).status == "ok"
    db.table("detainees").insert(dict(
        roster_no="2026030", name="郑毅", id_no="31010119850312121X", case_no="案",
        charge_category="国安", stage="investigation", case_unit="单位", status="in_custody"))
    finding = roster_finding(db)
    assert finding.status == "warning" and "国安" in finding.zh and "国安" in finding.en


def test_p1_the_installer_guide_lists_every_charge_category():
    from booking.charges import CATEGORIES

    guide = (ROOT / "docs" / "installer-guide.md").read_text(encoding="utf-8")
    for code, (name, aliases) in CATEGORIES.items():
        assert f"| `{code}` | {'；'.join((name, *aliases))} |" in guide, code
