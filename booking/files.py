"""S2/S4 files: everything the kiosk writes that carries personal data or a code (the
database and its -wal/-shm, the anchor file, restore copies, backups, exports, printer
output, QR images, the error log) is owner-only: files 0600 in folders 0700.

The kiosk creates them so (storage.new_private_file, `private_folder` here). Files and
folders left looser by an older install are tightened at every start (`tighten_install`,
run by the screens' start-up and by every command that opens the database), each change
said in a line of `kiosk.log` beside the database. A folder is tightened only when it is
the kiosk user's own and not a shared one (the home folder, the root, a sticky folder like
/tmp); `kiosk doctor` names whatever is still loose, with the chmod that fixes it.

The key folder is never tightened here: a key folder others can reach, or a key another
user owns, may hold a planted key, so the screens refuse to start and doctor says the
chmod/chown (booking.preflight)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from .clock import Clock, iso

log = logging.getLogger("kiosk.files")

FILE_MODE = 0o600
FOLDER_MODE = 0o700
LOG_NAME = "kiosk.log"


def private_folder(folder: Path) -> Path:
    """Make folder (and each missing parent) 0700; a folder that exists is left as it is
    (tighten_install tightens the kiosk's own at start)."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another kiosk made it just now
            pass
    return folder


def _shared(folder: Path) -> bool:
    """A folder that is not the kiosk's alone to close: the root, the home folder, one
    with the sticky bit (/tmp), one another user owns."""
    info = folder.stat()
    resolved = folder.resolve()
    return (resolved == Path(resolved.anchor) or resolved == Path.home().resolve()
            or bool(info.st_mode & stat.S_ISVTX) or info.st_uid != os.geteuid())


def loose(path: Path) -> bool:
    """Group or others have any permission on path."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def install_paths(db_path: Path, printer_folders: list[Path],
                  extra_folders: list[Path] = ()) -> tuple[list[Path], list[Path]]:
    """(folders, files) of the kiosk's that must be owner-only, as they exist now: the
    database's folder and the files in it that are the kiosk's (the database, -wal, -shm,
    anchors, restore copies, the logs), and each printer folder with its output."""
    db_path = Path(db_path)
    folders = [db_path.parent, *printer_folders, *extra_folders]
    files = [p for p in db_path.parent.glob(db_path.name + "*") if p.is_file()]
    files += [db_path.parent / name for name in ("kiosk-errors.log", LOG_NAME)]
    for folder in [*printer_folders, *extra_folders]:
        if folder.is_dir():
            files += [p for p in folder.iterdir() if p.is_file()]
    return ([f for f in dict.fromkeys(folders) if f.is_dir()],
            [f for f in dict.fromkeys(files) if f.is_file()])


def tighten(folders: list[Path], files: list[Path]) -> list[str]:
    """chmod 0700 the folders and 0600 the files that are looser; one line per change
    (what, from which mode). A shared folder, or a file another user owns, is left to
    doctor."""
    changes = []
    for path, mode in [*((f, FOLDER_MODE) for f in folders), *((f, FILE_MODE) for f in files)]:
        try:
            if not loose(path):
                continue
            if (mode == FOLDER_MODE and _shared(path)) or path.stat().st_uid != os.geteuid():
                continue
            before = stat.S_IMODE(path.stat().st_mode)
            path.chmod(mode)
        except OSError:  # gone meanwhile, or not ours to change: doctor names it
            continue
        changes.append(f"S2 files: {path} was {before:o}, now {mode:o} (owner-only: it holds"
                       " personal data or codes)")
    return changes


def tighten_install(db_path: Path, printer_folders: list[Path], clock: Clock,
                    extra_folders: list[Path] = ()) -> list[str]:
    """At start: tighten what an older install left loose (see install_paths), and say so
    in kiosk.log beside the database. The lines written."""
    if str(db_path) == ":memory:":
        return []
    changes = tighten(*install_paths(Path(db_path), printer_folders, extra_folders))
    if changes:
        note(Path(db_path).parent / LOG_NAME, changes, clock)
    return changes


def note(path: Path, lines: list[str], clock: Clock) -> None:
    """Append lines to the kiosk's log file (0600), each with the time; logged too."""
    stamp = iso(clock.now())
    for line in lines:
        log.info(line)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.writelines(f"{stamp} {line}\n" for line in lines)
    except OSError as exc:
        log.warning("cannot write %s: %s", path, exc)


def file_printer_folders(settings) -> list[Path]:
    """The folders the file printers of this config write to ([printer] and each desk's)."""
    printers = [settings.printer, *(desk.printer for desk in settings.desks.values())]
    return list(dict.fromkeys(Path(p.folder) for p in printers if p.kind == "file"))


def write_private_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write an export owner-only (0600, its new folders 0700), through a neighbour file so
    a half-written export never has the final name; an existing file is replaced."""
    path = Path(path)
    private_folder(path.parent)
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with open(fd, "w", encoding=encoding, newline="") as out:
        out.write(text)
    partial.replace(path)
    return path
