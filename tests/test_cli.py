"""The `kiosk` command: global options before subcommands, staff (S1), audit verify (S2)."""

import logging
import shutil
import sqlite3
import subprocess

import pytest
from click.testing import CliRunner
from support import ROOT, at

from booking.clock import FixedClock
from booking.errors import SignInError
from booking.staff import list_staff, sign_in
from booking.storage import open_database
from kiosk.cli import main

CONFIG = str(ROOT / "config" / "kiosk.toml")


@pytest.fixture
def kiosk(tmp_path):
    db_path = tmp_path / "cli.db"

    def run(*args, stdin=None):
        return CliRunner().invoke(main, ["--config", CONFIG, "--db", str(db_path), *args],
                                  input=stdin)

    run.db_path = db_path
    return run


def test_s1_staff_add_reads_pin_from_stdin_and_lists(kiosk):
    result = kiosk("staff", "add", "1001", "--name", "陈警官", "--role", "officer",
                   "--pin-stdin", stdin="246810\n")
    assert result.exit_code == 0, result.output
    listed = kiosk("staff", "list")
    assert "1001" in listed.output and "246810" not in listed.output
    short = kiosk("staff", "add", "1002", "--name", "林", "--role", "officer", "--pin-stdin",
                  stdin="12\n")
    assert short.exit_code == 1 and "PIN" in short.output


def test_s1_staff_unlock_needs_the_wardens_pin(kiosk):
    kiosk("staff", "add", "9001", "--name", "周所长", "--role", "warden", "--pin-stdin",
          stdin="135790\n")
    kiosk("staff", "add", "1001", "--name", "陈警官", "--role", "officer", "--pin-stdin",
          stdin="246810\n")
    db = sqlite3.connect(kiosk.db_path)
    db.execute("UPDATE staff SET locked_at = '2026-11-24T09:00:00+08:00' WHERE staff_no='1001'")
    db.commit()
    assert kiosk("staff", "unlock", "1001", "--warden", "9001", "--pin-stdin",
                 stdin="000000\n").exit_code == 1
    ok = kiosk("staff", "unlock", "1001", "--warden", "9001", "--pin-stdin", stdin="135790\n")
    assert ok.exit_code == 0, ok.output
    assert db.execute("SELECT locked_at FROM staff WHERE staff_no='1001'").fetchone() == (None,)


def edit_outside(db_path, sql):
    """Tamper as an intruder would: with the sqlite3 shell where installed."""
    if shutil.which("sqlite3"):
        subprocess.run(["sqlite3", str(db_path), sql], check=True)
    else:
        with sqlite3.connect(db_path) as conn:
            conn.execute(sql)


def test_s2_audit_verify_with_the_sqlite3_shell(kiosk):
    for staff_no in ("1001", "1002", "1003"):
        kiosk("staff", "add", staff_no, "--name", "警官", "--role", "officer", "--pin-stdin",
              stdin="246810\n")
    ok = kiosk("audit", "verify")
    assert ok.exit_code == 0 and "audit chain intact" in ok.output
    edit_outside(kiosk.db_path, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2;")
    broken = kiosk("audit", "verify")
    assert broken.exit_code == 1
    assert "entry 2" in broken.output


def test_bad_config_is_named_and_exits_2(tmp_path):
    bad = tmp_path / "k.toml"
    bad.write_text((ROOT / "config" / "kiosk.toml").read_text(encoding="utf-8")
                   .replace("late_minutes", "late_minutez"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "audit", "verify"])
    assert result.exit_code == 2 and "meetings.late_minutez" in result.output


def test_s1_pins_and_pin_hashes_are_never_printed_logged_or_audited(kiosk, caplog):
    caplog.set_level("DEBUG")
    said = []
    said.append(kiosk("staff", "add", "9001", "--name", "周所长", "--role", "warden",
                      "--pin-stdin", stdin="135790\n").output)
    said.append(kiosk("staff", "add", "1001", "--name", "陈警官", "--role", "officer",
                      "--pin-stdin", stdin="246810\n").output)
    db = sqlite3.connect(kiosk.db_path)
    hashes = [h for (h,) in db.execute("SELECT pin_hash FROM staff")]
    assert len(hashes) == 2 and all(h.startswith("$argon2") for h in hashes)
    domain = open_database(kiosk.db_path)
    clock = FixedClock(at(2026, 11, 24, 9, 0))
    for _ in range(5):  # five wrong PINs lock the account
        with pytest.raises(SignInError) as refused:
            sign_in(domain, clock, "1001", "000000")
        said.append(f"{refused.value} {refused.value.zh} {refused.value.en}")
    said.append(repr(list_staff(domain)) + repr(sign_in(domain, clock, "9001", "135790")))
    domain.conn.close()
    said.append(kiosk("staff", "unlock", "1001", "--warden", "9001", "--pin-stdin",
                      stdin="135790\n").output)
    said.append(kiosk("staff", "list").output)
    said.append(kiosk("audit", "verify").output)
    said.append(kiosk("doctor").output)
    said.append(str(db.execute("SELECT * FROM audit_log").fetchall()))
    logging.getLogger("kiosk").debug("log captured")  # proves the capture below works
    said.append(caplog.text)
    # the outputs were really captured: the list, the audit rows, the log
    assert "1001" in said[-5] and "sign_in_failed" in said[-2] and "log captured" in said[-1]
    everything = "\n".join(said)
    for secret in [*hashes, *(h.split("$")[-1] for h in hashes), "246810", "135790"]:
        assert secret not in everything


def test_v10_e3_cli_imports_duty_notices_and_the_duty_roster(kiosk, tmp_path):
    notices = tmp_path / "notices.csv"
    notices.write_text("notice_no,issuer,cert_no,roster_no,issued_on,status\n"
                       "FLBZ-1,上海市黄浦区人民检察院,13101201320891025,2026011,2026-11-30,active\n",
                       encoding="utf-8")
    roster = tmp_path / "roster.json"
    roster.write_text('[{"cert_no": "13101201320891025", "date": "2026-12-03"},'
                      ' {"cert_no": "13101201320891025", "date": "2026-12-32"}]',
                      encoding="utf-8")
    done = kiosk("import", "duty-notices", str(notices))
    assert done.exit_code == 0 and "imported 1 rows" in done.output, done.output
    bad = kiosk("import", "duty-roster", str(roster))
    assert bad.exit_code == 1 and "line 2: date" in bad.output
    db = sqlite3.connect(kiosk.db_path)
    assert db.execute("SELECT count(*) FROM duty_roster").fetchone() == (0,)
    assert db.execute("SELECT status FROM duty_notices").fetchall() == [("active",)]
