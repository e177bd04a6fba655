"""Issue 13: the desk's use cases through one object bound to the database, the clock, the
settings and the officer; the screens reach booking only through it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from booking.demo import load_demo
from booking.desk import Desk
from booking.models import Presentation

SCREENS = Path(__file__).resolve().parents[2] / "kiosk" / "screens"
GOOD = dict(cert_no="13101200910123456", letter_firm_code="3131010142QXJNP17A",
            letter_lawyer_name="王建国", letter_detainee_name="李四", roster_no="2026001",
            basis="power_of_attorney", poa_signed_by="李四", poa_relation="self")


@pytest.fixture
def desk(db, clock, settings):
    load_demo(db, clock, settings)
    return Desk(db, clock, settings)


def test_a_desk_nobody_signed_in_to_writes_nothing(desk, db):
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()
    with pytest.raises(RuntimeError, match="no officer"):
        desk.verify(Presentation(**GOOD))
    assert db.execute("SELECT count(*) FROM audit_log").fetchone() == before


def test_signed_in_desk_books_as_its_officer(desk, db):
    officer = desk.signed_in("1001")
    assert desk.officer is None  # a value: the desk it came from is unchanged
    verification = officer.verify(Presentation(**GOOD))
    assert verification.passed, verification.failures
    offers = officer.offers(verification.request.id)
    first = offers.offers[0]
    made = officer.book_at_desk(verification.request.id, first.room_id, first.start)
    assert made.booking.state == "arrived" and made.admission.ticket.label == "A001"
    row = db.execute("SELECT actor FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("1001",)
    assert officer.board().waiting[0].label == "A001"
    assert officer.call_next().label == "A001"
    assert officer.call_next() is None  # nobody waiting: None means only that


def test_the_screens_reach_booking_through_the_desk():
    """No screen passes the database, clock, settings and officer to a use case itself."""
    found = {path.name: re.findall(r"\(\s*(?:self\.)?app\.db,\s*(?:self\.)?app\.clock", text)
             for path in SCREENS.glob("*.py") if (text := path.read_text(encoding="utf-8"))}
    assert {name: calls for name, calls in found.items() if calls} == {}
    assert not any("attempt(" in path.read_text(encoding="utf-8")
                   for path in SCREENS.glob("*.py"))


def test_the_offers_screen_and_the_meeting_desk_do_not_import_each_other():
    """Issue 13: the booking text is in kiosk/components/booking_text.py, the way from a
    request to its screen in kiosk/screens/navigation.py, and each screen opens the other
    through the app."""
    import ast

    def imported(name: str) -> set[str]:
        tree = ast.parse((SCREENS / f"{name}.py").read_text(encoding="utf-8"))
        return {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}

    assert "kiosk.screens.meeting" not in imported("offers")
    assert "kiosk.screens.offers" not in imported("meeting")
