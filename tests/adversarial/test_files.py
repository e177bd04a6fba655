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


# --- S2 files: an older install's loose files and folders are tightened at start ---------


def _loosen_like_an_older_install(tmp_path):
    """A demo install as an older kiosk (or a careless copy) leaves it: the database, its
    -wal/-shm, anchors and error log 0644 in a 0755 folder; printer output 0644 in 0755."""
    db = tmp_path / "var" / "kiosk.db"
    assert run(db, "demo").exit_code == 0
    assert run(db, "qr", "rotate").exit_code == 0
    printer = tmp_path / "var" / "printer"
    printer.mkdir(mode=0o700, exist_ok=True)
    (printer / "old-ticket.bin").write_bytes(b"\x1b@ticket")
    (printer / "old-ticket.png").write_bytes(b"png")
    (db.parent / "kiosk-errors.log").write_text("old\n", encoding="utf-8")
    for path in [db, *db.parent.glob("kiosk.db*"), *printer.iterdir(),
                 db.parent / "kiosk-errors.log"]:
        path.chmod(0o644)
    for folder in (db.parent, printer):
        folder.chmod(0o755)
    return db, printer


def test_s2_an_older_installs_loose_files_are_tightened_when_the_screens_start(
        tmp_path, monkeypatch):
    from kiosk.startup import Preview, Startup

    monkeypatch.chdir(tmp_path)
    db, printer = _loosen_like_an_older_install(tmp_path)
    loosened = [db, *db.parent.glob("kiosk.db*"), *printer.iterdir(),
                db.parent / "kiosk-errors.log"]
    assert {mode(p) for p in loosened} == {0o644}
    loaded = Startup(CONFIG, db, Preview("", None, None)).load()
    loaded.db.conn.close()
    files = [db, *db.parent.glob("kiosk.db*"), *printer.iterdir(),
             db.parent / "kiosk-errors.log", db.parent / "kiosk.log"]
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(db.parent) == 0o700 and mode(printer) == 0o700
    logged = (db.parent / "kiosk.log").read_text(encoding="utf-8")
    # the printer folder as the config names it (relative to where the kiosk runs)
    for path in [*loosened, db.parent, printer]:
        named = path.relative_to(tmp_path) if printer in (path, path.parent) else path
        assert f"S2 files: {named} was " in logged, path
    assert f"{db} was 644, now 600" in logged and "var/printer was 755, now 700" in logged
    doctor = run(db, "doctor")
    assert "file_modes" in doctor.output and "owner-only (files 600, folders 700)" in \
        doctor.output


def test_s2_a_command_tightens_too_and_a_shared_folder_is_left_to_doctor(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db, printer = _loosen_like_an_older_install(tmp_path)
    assert run(db, "staff", "list").exit_code == 0
    assert mode(db) == 0o600 and mode(db.parent) == 0o700 and mode(printer) == 0o700
    # A folder with the sticky bit (like /tmp) is everyone's: never tightened, named by
    # doctor with the fix.
    from booking.files import tighten

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    assert tighten([shared], []) == []
    assert mode(shared) == 0o1777


def test_s2_a_backup_into_an_older_0755_folder_is_0600_and_the_folder_made_0700(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "k.db"
    assert run(db, "demo").exit_code == 0
    backups = tmp_path / "backups"
    backups.mkdir()
    backups.chmod(0o755)
    result = run(db, "backup", str(backups / "k.bak"))
    assert result.exit_code == 0, result.output
    assert mode(backups / "k.bak") == 0o600 and mode(backups) == 0o700
    assert f"{backups} was 755, now 700" in (tmp_path / "kiosk.log").read_text("utf-8")
    # new folders on the way to a backup are each 0700
    deep = tmp_path / "a" / "b" / "k.bak"
    assert run(db, "backup", str(deep)).exit_code == 0
    assert mode(deep) == 0o600 and mode(deep.parent) == 0o700 and mode(deep.parent.parent) \
        == 0o700


def test_s2_an_audit_key_owned_by_another_user_stops_the_screens_and_doctor_says_chown(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "k.db"
    assert run(db, "demo").exit_code == 0
    secret = tmp_path / "var" / "keys" / "audit-chain.secret"
    assert secret.is_file() and mode(secret) == 0o600 and mode(secret.parent) == 0o700
    kiosk_uid = secret.stat().st_uid + 1
    real_stat = os.stat
    monkeypatch.setattr(os, "geteuid", lambda: kiosk_uid)

    def as_seen_by_the_kiosk(path, *args, **kwargs):
        """Every file is the kiosk user's, but the audit key (planted by another)."""
        result = real_stat(path, *args, **kwargs)
        values = list(result)
        values[stat.ST_UID] = kiosk_uid - 1 if str(path).endswith(".secret") else kiosk_uid
        return os.stat_result(values)

    monkeypatch.setattr(os, "stat", as_seen_by_the_kiosk)
    monkeypatch.setattr(KioskApp, "starting", None)  # no screen may open
    screens = run(db)
    assert screens.exit_code == 2
    assert "audit key file" in screens.output and "chown" in screens.output
    assert "owned by another user" in screens.output
    doctor = run(db, "doctor")
    assert doctor.exit_code == 1 and "audit key file" in doctor.output
    assert f"chown {__import__('getpass').getuser()} var/keys/audit-chain.secret" in \
        doctor.output
