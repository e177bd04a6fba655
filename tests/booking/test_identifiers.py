"""V2, V3, A2: every vector of shared/data/id-test-vectors.csv is a test case."""

import csv

import pytest
from support import ROOT, SHARED

from booking import identifiers

# The shared vectors when the project sits beside shared/ (as in CI), else the copy kept here.
_SOURCE = next(p for p in (SHARED / "data" / "id-test-vectors.csv",
                           ROOT / "tests" / "data" / "id-test-vectors.csv") if p.is_file())
VECTORS = list(csv.DictReader(_SOURCE.open(encoding="utf-8")))


def _ids(rows):
    return [f"{r['kind']}-{r['value']}" for r in rows]


@pytest.mark.parametrize("row", VECTORS, ids=_ids(VECTORS))
def test_v2_v3_a2_vector(row):
    kind, value, expect = row["kind"], row["value"], row["expect"]
    if kind == "uscc":
        checked = identifiers.credit_code(value)
        assert checked.ok == (expect != "invalid"), checked
        if expect == "valid-after-normalising":
            assert checked.value == value.upper()
    elif kind == "resident_id":
        checked = identifiers.resident_id(value)
        assert checked.ok == (expect != "invalid"), checked
        if expect == "valid-after-normalising":
            assert checked.value == value.upper()
    elif kind == "practice_cert":
        fmt, checked = identifiers.practice_cert_format(value)
        assert fmt == {"valid-format": "current", "invalid": "invalid",
                       "registry-only": "old"}[expect]
        assert checked.ok == (fmt != "invalid")
    elif kind == "trainee_cert":
        assert identifiers.trainee_cert(value).ok == (expect == "valid-format")
    else:
        pytest.fail(f"unknown vector kind {kind}")


def test_vectors_cover_every_kind():
    assert {r["kind"] for r in VECTORS} == {"uscc", "resident_id", "practice_cert", "trainee_cert"}


@pytest.mark.parametrize("code", ["91110000600037341L", "91110108551385082Q"])
def test_v3_company_code_is_not_a_law_firm(code):
    checked = identifiers.law_firm_code(code)
    assert not checked.ok
    assert "31" in checked.zh and "law firm" in checked.en


def test_v3_errors_are_bilingual_and_say_what_is_wrong():
    checked = identifiers.credit_code("31310101MD01234566")
    assert "校验位" in checked.zh and "check character" in checked.en
