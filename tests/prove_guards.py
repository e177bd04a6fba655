"""Do the tests catch it when a protection is gone? (`make prove-guards`)

For each guard below this script copies the working tree into a scratch folder, removes
the guard there by a small source edit (a "mutant"), and runs the tests that check the
guard against the copy. A guard is proven when its tests FAIL without it. The script
ends with a table and exits 1 if any mutant survives (its tests still pass), or if an
edit no longer applies because the code moved (then update MUTANTS).

Not part of `make test`: the B4 and T1 mutants run the 60-second four-kiosk load test
(about 6 minutes in all).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOAD_TEST = "tests/stress/test_front_desk_load.py"


@dataclass(frozen=True)
class Edit:
    path: str
    old: str
    new: str
    count: int = 1  # how many times `old` must occur


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str
    what: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]


B4_CHECK = Edit(
    "booking/meetings.py",
    "if not busy.room_free(room_id, start, end) or not busy.people_free(start, end):",
    "if False:  # MUTANT: book() no longer checks the room, detainee and lawyer")
B4_TRIGGERS = Edit(
    "booking/schema_bookings.sql",
    "WHEN NEW.state IN ('booked', 'arrived', 'in_progress', 'done')\nBEGIN",
    "WHEN 0  -- MUTANT: the overlap trigger never fires\nBEGIN", count=2)
B4_UNIT = "tests/booking/test_meetings.py::test_b4_no_double_booking_of_room_detainee_or_lawyer"

NEXT_NUMBER = ('number = (scalar(db, "SELECT MAX(number) FROM tickets WHERE day = ?", (day,))'
               ' or 0) + 1')
ADMIT = ("    with transaction(db):\n        mark_arrival(db, clock, settings, officer, booking_id)\n"
         "        ticket, created = _issue(db, clock, officer, booking_id)\n"
         "    return Admission(ticket=ticket, repeat=not created)")

MUTANTS = (
    Mutant("b4-both", "B4", "both double-booking guards removed (the check in book() and the"
           " database triggers)", (B4_CHECK, B4_TRIGGERS), (LOAD_TEST, B4_UNIT)),
    Mutant("b4-triggers", "B4", "the database's overlap triggers removed (book() still checks)",
           (B4_TRIGGERS,), (B4_UNIT,)),
    Mutant("t1-gap", "T1", "the day's next queue number skips one (MAX+2)",
           (Edit("booking/queue.py", NEXT_NUMBER, NEXT_NUMBER[:-1] + "2  # MUTANT: skips"),),
           (LOAD_TEST,)),
    Mutant("t1-race", "T1", "the next queue number read before the write transaction, and"
           " UNIQUE(day, number) dropped",
           (Edit("booking/queue.py", ADMIT,
                 "    global _EARLY  # MUTANT: the number is read outside the transaction\n"
                 "    _EARLY = (scalar(db, \"SELECT MAX(number) FROM tickets WHERE day = ?\","
                 " (clock.now().date().isoformat(),)) or 0) + 1\n" + ADMIT),
            Edit("booking/queue.py", NEXT_NUMBER, "number = _EARLY  # MUTANT"),
            Edit("booking/queue.py", 'LABEL_PREFIX = "A"\n', 'LABEL_PREFIX = "A"\n_EARLY = 0\n'),
            Edit("booking/storage.py", "            print_error TEXT,\n            UNIQUE (day, number)\n",
                 "            print_error TEXT\n")),
           (LOAD_TEST,)),
    Mutant("s2-verify", "S2", "audit verification no longer compares signatures and links",
           (Edit("booking/audit.py", "elif stored_prev != prev_hash:",
                 "elif False:  # MUTANT: links not compared"),
            Edit("booking/audit.py", "if hmac.compare_digest(mac, stored):",
                 "if True:  # MUTANT: signatures not compared")),
           ("tests/booking/test_audit.py", "tests/test_cli.py")),
    Mutant("s2-keyed", "S2", "the chain is no longer keyed: each entry is a plain SHA-256 anyone"
           " can recompute",
           (Edit("booking/audit.py",
                 "    return hmac.digest(key, body.encode(\"utf-8\"), \"sha256\").hex()\n",
                 "    return hashlib.sha256(body.encode(\"utf-8\")).hexdigest()  # MUTANT\n"),),
           ("tests/adversarial/test_s2_tampering.py",)),
    Mutant("s2-rows", "S2", "current rows are no longer compared with their audited digests",
           (Edit("booking/audit.py", "if digest == row_digest(values):",
                 "if True:  # MUTANT: rows not compared"),),
           ("tests/adversarial/test_s2_tampering.py",)),
    Mutant("s4-identity", "S4", "restore no longer compares the backup's database identity",
           (Edit("booking/backup.py", "if live_ident and ident != live_ident and not other_centre:",
                 "if False:  # MUTANT: identity not compared"),),
           ("tests/adversarial/test_s4_restore.py",)),
    Mutant("s1-lockout", "S1", "the account no longer locks after wrong PINs",
           (Edit("booking/staff.py", "locked = attempts >= max_attempts",
                 "locked = False  # MUTANT: never locks"),),
           ("tests/booking/test_staff.py",)),
    Mutant("c4-attribution", "C4", "every booking after the deadline recorded as deferred by"
           " the lawyer, whatever the reason picked",
           (Edit("booking/meetings.py",
                 "deferred = attribute_delay(delay_reason, start, deadline, declined)",
                 "deferred = start >= deadline  # MUTANT: a later booking is always deferred"),),
           ("tests/booking/test_attribution_and_start.py::"
            "test_c4_later_booking_for_detainee_in_court_is_a_breach_not_a_deferral",
            "tests/booking/test_report_issue10.py::"
            "test_r1_c4_in_court_booking_past_the_deadline_is_a_breach_with_that_reason")),
    Mutant("b11-start-guard", "B11", "start_meeting() no longer checks day, early window,"
           " arrival, room and custody",
           (Edit("booking/meetings.py",
                 "        refusal = start_refusal(db, clock, settings, row)\n"
                 "        if refusal is not None:\n            raise refusal\n",
                 "        pass  # MUTANT: no start guard\n"),),
           ("tests/booking/test_attribution_and_start.py",)),
    Mutant("q2-signature", "Q2", "a scanned code's signature is no longer checked",
           (Edit("booking/qr.py", "if not hmac.compare_digest(_sign(key.secret, body), signature):",
                 "if False:  # MUTANT: signature not checked"),),
           ("tests/booking/test_qr.py",)),
    Mutant("e3-controls", "E3", "imports and forms no longer refuse control, NUL, zero-width"
           " or surrogate characters",
           (Edit("booking/fields.py",
                 'REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})',
                 "REFUSED_CATEGORIES = frozenset()  # MUTANT: nothing refused"),),
           ("tests/adversarial/test_e3_t2_text.py",)),
    Mutant("t2-printer-controls", "T2", "the printer path no longer drops control bytes",
           (Edit("printers/documents.py", 'NOT_PRINTED = frozenset({"Cc", "Cf", "Cs"})',
                 "NOT_PRINTED = frozenset()  # MUTANT: every character printed"),),
           ("tests/adversarial/test_e3_t2_text.py",)),
)


def copy_tree(target: Path) -> None:
    """The tracked and new (not ignored) files of the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def apply(tree: Path, edit: Edit) -> None:
    path = tree / edit.path
    text = path.read_text(encoding="utf-8")
    found = text.count(edit.old)
    if found != edit.count:
        raise SystemExit(f"mutant out of date: {edit.path} has {found}× (not {edit.count}×)"
                         f" {edit.old!r}; update tests/prove_guards.py")
    path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def run(mutant: Mutant) -> tuple[bool, str, float]:
    """(killed, the tests' failure lines, seconds)"""
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as folder:
        tree = Path(folder)
        copy_tree(tree)
        for edit in mutant.edits:
            apply(tree, edit)
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "--no-header", "-rf", *mutant.tests],
            cwd=tree, capture_output=True, text=True,
            env={**os.environ, "COLUMNS": "400"})  # room for each failure's message
        seconds = time.monotonic() - began
    output = done.stdout + done.stderr
    failed = [line[:300] for line in output.splitlines()
              if line.startswith(("FAILED", "ERROR"))]
    summary = (output.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode == 1 and failed:
        return True, "\n".join(failed), seconds
    if done.returncode == 0:
        return False, summary, seconds
    raise SystemExit(f"{mutant.name}: pytest could not run (exit {done.returncode}):\n{output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="only these mutants: "
                        + ", ".join(m.name for m in MUTANTS))
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    rows, survivors = [], []
    for mutant in chosen:
        print(f"== {mutant.name} ({mutant.rule}): {mutant.what}", flush=True)
        killed, detail, seconds = run(mutant)
        print(re.sub(r"^", "   ", detail, flags=re.M), flush=True)
        rows.append((mutant, "caught: tests fail" if killed else "SURVIVED: tests pass",
                     seconds))
        if not killed:
            survivors.append(mutant.name)
    print()
    print("| guard removed | rule | result | seconds |\n|---|---|---|---|")
    for mutant, result, seconds in rows:
        print(f"| {mutant.what} | {mutant.rule} | {result} | {seconds:.0f} |")
    if survivors:
        print(f"\nsurvived: {', '.join(survivors)} — their tests do not check the guard")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
