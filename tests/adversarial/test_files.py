"""S3/Q1 files as a careless installer leaves them: what the kiosk writes with personal data
or a code is 0600 in 0700 folders; a key folder others can reach, or a key another user
owns, stops the screens and doctor says how to fix it."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta

from click.testing import CliRunner
from support import ROOT, at

from booking.meetings import book
from booking.tickets import ticket_for
from booking.verification import verify_documents
from kiosk.app import KioskApp
from kiosk.cli import main
from printers import TicketPrinter, ticket_documents

CONFIG = ROOT / "config" / "kiosk.toml"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(db, *args):
    return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", str(db), *args])


def test_s3_printer_output_is_0600_in_a_0700_folder(centre, clock, settings):
    from support import OFFICER, presentation

    request = verify_documents(centre, clock, OFFICER, presentation()).request
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", at(2026, 11, 24, 13, 0),
                   delay_reason="rooms_busy")
    job = TicketPrinter(settings.printer, clock).print(
        ticket_documents(ticket_for(centre, clock, settings, booking.id), 80))
    assert [mode(p) for p in job.files] == [0o600, 0o600]
    assert mode(settings.printer.folder) == 0o700


def test_q1_qr_dir_pngs_are_0600_in_a_0700_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "k.db"
    assert run(db, "demo").exit_code == 0
    csv = tmp_path / "platform.csv"
    day = date.today() + timedelta(days=7)
    day += timedelta(days=max(0, day.weekday() - 4) and 7 - day.weekday())  # a weekday
    csv.write_text("external_ref,cert_no,roster_no,start,room_kind\n"
                   f"WEB-1,13101200910123456,2026001,{day} 10:00,meeting\n", encoding="utf-8")
    codes = tmp_path / "codes"
    result = run(db, "import", "bookings", str(csv), "--officer", "1001", "--qr-dir",
                 str(codes), "--skip-bad")
    pngs = sorted(codes.glob("*.png"))
    assert result.exit_code == 0 and len(pngs) == 1, result.output
    assert mode(codes) == 0o700
    assert all(mode(p) == 0o600 for p in pngs)


def test_q1_a_key_folder_others_can_reach_stops_the_screens_and_doctor_says_chmod_700(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "k.db"
    assert run(db, "demo").exit_code == 0
    keys = tmp_path / "var" / "keys"
    assert run(db, "qr", "rotate").exit_code == 0
    keys.chmod(0o777)
    doctor = run(db, "doctor")
    assert doctor.exit_code == 1 and "chmod 700 var/keys" in doctor.output
    monkeypatch.setattr(KioskApp, "starting", None)  # no screen may open
    screens = run(db)
    assert screens.exit_code == 2 and "chmod 700 var/keys" in screens.output


def test_q1_a_key_owned_by_another_user_is_refused_with_chown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "k.db"
    assert run(db, "demo").exit_code == 0
    assert run(db, "qr", "rotate").exit_code == 0
    [key] = (tmp_path / "var" / "keys").glob("*.key")
    owner = key.stat().st_uid
    # The kiosk runs as another user than the one who owns the key (planted by someone else):
    # the folder is made the kiosk's, the key is not.
    kiosk_uid = owner + 1
    real_stat = os.stat
    monkeypatch.setattr(os, "geteuid", lambda: kiosk_uid)

    def as_kiosk_folder(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        if str(path).endswith("keys"):
            values = list(result)
            values[stat.ST_UID] = kiosk_uid
            return os.stat_result(values)
        return result

    monkeypatch.setattr(os, "stat", as_kiosk_folder)
    doctor = run(db, "doctor")
    assert doctor.exit_code == 1 and "owned by another user" in doctor.output
    assert "chown" in doctor.output and key.name in doctor.output
