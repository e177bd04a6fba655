"""V6: ending a defence frees the detainee's place (the two-lawyer limit counts only live
defences); by the officer (audited, with the document's date) or by an aid-letter import."""

from datetime import date

import pytest
from click.testing import CliRunner
from support import LAWYER, OFFICER, ROOT, presentation

from booking import audit
from booking.defences import end_defence, live_defences
from booking.errors import DomainError
from booking.imports import import_file
from booking.verification import verify_documents
from kiosk.cli import main

LIU = "13101200910123457"
CHEN = "13101200910123458"


def two_lawyers(db, clock):
    for cert_no, name in [(LAWYER, "王建国"), (LIU, "刘洋")]:
        assert verify_documents(db, clock, OFFICER,
                                presentation(cert_no=cert_no, letter_lawyer_name=name)).passed


def third(db, clock):
    return verify_documents(db, clock, OFFICER,
                            presentation(cert_no=CHEN, letter_lawyer_name="陈静"))


def test_v6_ending_one_defence_lets_a_third_lawyer_in(registers, clock):
    two_lawyers(registers, clock)
    refused = third(registers, clock)
    assert [c.rule for c in refused.failures] == ["V6"]
    assert "王建国" in refused.failures[0].zh and "刘洋" in refused.failures[0].zh
    ended = end_defence(registers, clock, OFFICER, "2026001", LIU, "withdrew", date(2026, 11, 24))
    assert ended.end_reason == "withdrew" and ended.ended_on == date(2026, 11, 24)
    assert [d.cert_no for d in live_defences(registers, clock, "2026001")] == [LAWYER]
    assert third(registers, clock).passed
    entry = registers.execute("SELECT actor, action, detail FROM audit_log"
                              " WHERE action = 'end_defence'").fetchone()
    assert entry[0] == OFFICER and '"withdrew"' in entry[2] and "2026-11-24" in entry[2]
    assert audit.verify(registers).ok


@pytest.mark.parametrize("cert_no, reason, on, word", [
    (LIU, "revoked", date(2026, 11, 25), "晚于今天"),  # the clock says 2026-11-24
    (LIU, "fired", date(2026, 11, 24), "原因"),
    (CHEN, "revoked", date(2026, 11, 24), "不是"),  # not a defence lawyer of this detainee
    (LIU, "revoked", date(2026, 11, 1), "早于"),  # before the defence was recorded
])
def test_v6_a_wrong_ending_is_refused_and_nothing_changes(registers, clock, cert_no, reason,
                                                         on, word):
    two_lawyers(registers, clock)
    before = registers.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(DomainError) as info:
        end_defence(registers, clock, OFFICER, "2026001", cert_no, reason, on)
    assert info.value.rule == "V6" and word in info.value.zh
    assert len(live_defences(registers, clock, "2026001")) == 2
    assert registers.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_v6_an_aid_letter_import_with_terminated_ends_that_defence(registers, clock, tmp_path):
    aid = presentation(cert_no="11101200310523456", letter_firm_code="311101053Q2JY0M2UM",
                       letter_lawyer_name="孙丽", letter_detainee_name="张三", roster_no="2026002",
                       basis="aid_letter", aid_letter_no="SHFY2026-0001", poa_signed_by="",
                       poa_relation="")
    assert verify_documents(registers, clock, OFFICER, aid).passed
    assert len(live_defences(registers, clock, "2026002")) == 1
    path = tmp_path / "letters.csv"
    path.write_text("letter_no,centre,cert_no,roster_no,stage,issued_on,status\n"
                    "SHFY2026-0001,上海市黄浦区法律援助中心,11101200310523456,2026002,"
                    "investigation,2026-11-01,reassigned\n", encoding="utf-8")
    assert not import_file(registers, clock, "cli", "aid-letters", path).errors
    assert live_defences(registers, clock, "2026002") == []
    row = registers.execute("SELECT end_reason, ended_on, ended_by FROM defenders"
                            " WHERE roster_no = '2026002'").fetchone()
    assert row == ("aid_ended", "2026-11-24", "cli")
    details = registers.execute("SELECT detail FROM audit_log WHERE action ="
                                " 'import_aid_letters'").fetchone()[0]
    assert '"defences_ended": 1' in details


def test_v6_cli_defence_end(registers, clock, tmp_path):
    """V6: kiosk defence end ROSTER_NO CERT_NO --reason --on --officer."""
    two_lawyers(registers, clock)
    path = registers.conn.execute("PRAGMA database_list").fetchone()[2]
    registers.conn.close()

    def kiosk(*args):
        return CliRunner().invoke(main, ["--config", str(ROOT / "config" / "kiosk.toml"),
                                         "--db", path, "defence", *args])

    listed = kiosk("list", "2026001")
    assert listed.exit_code == 0 and "王建国" in listed.output and "刘洋" in listed.output
    bad = kiosk("end", "2026001", LIU, "--reason", "revoked", "--on", "2026-11-24",
                "--officer", "0000")
    assert bad.exit_code == 1 and "0000" in bad.output
    done = kiosk("end", "2026001", LIU, "--reason", "revoked", "--on", "2026-11-30",
                 "--officer", OFFICER)
    assert done.exit_code == 0, done.output
    assert "刘洋" in done.output and "defence lawyers now: 1" in done.output
    assert "刘洋" not in kiosk("list", "2026001").output
