"""A2: an assistant's certificate: a practice certificate against the registry like a
lawyer's (V2/V4), a trainee certificate by its format."""

import pytest
from support import OFFICER, presentation

from booking.assistants import add_assistant
from booking.errors import DomainError
from booking.identifiers import trainee_cert
from booking.meetings import book
from booking.verification import verify_documents

FIRM = "3131010142QXJNP17A"


@pytest.fixture
def booking_id(centre, clock, settings):
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    return book(centre, clock, settings, OFFICER, request.id, "M1", clock.now()).id


def refused(centre, clock, booking_id, name, cert_no, kind="practice", **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        add_assistant(centre, clock, OFFICER, booking_id, name, FIRM, kind, cert_no, **kwargs)
    assert centre.table("assistants").count == 0
    return info.value


def test_a2_suspended_or_revoked_assistant_is_refused_with_the_reason(centre, clock,
                                                                       booking_id):
    suspended = refused(centre, clock, booking_id, "赵敏", "13101201510234567")
    assert suspended.rule == "A2" and "停止执业" in suspended.zh and "suspended" in suspended.en
    centre.execute("UPDATE lawyers SET status = 'revoked' WHERE cert_no = '13101201510234567'")
    revoked = refused(centre, clock, booking_id, "赵敏", "13101201510234567")
    assert "吊销" in revoked.zh and "revoked" in revoked.en


def test_a2_old_format_number_only_through_the_registry(centre, clock, booking_id):
    unknown = refused(centre, clock, booking_id, "吴德", "1310120091", inspected_in_person=True)
    assert "位" in unknown.zh  # 10 digits: not even the old format
    old = refused(centre, clock, booking_id, "某某", "131012009199", inspected_in_person=True)
    assert old.rule == "A2" and "旧版" in old.zh and "registry" in old.en
    centre.execute("UPDATE lawyers SET firm_code = ? WHERE cert_no = '131012009101'", (FIRM,))
    assert add_assistant(centre, clock, OFFICER, booking_id, "吴德", FIRM, "practice",
                         "131012009101")


def test_a2_current_number_not_in_registry_needs_in_person_inspection(centre, clock,
                                                                      booking_id):
    assert "当面核验" in refused(centre, clock, booking_id, "小周", "13101202010999999").zh
    assert add_assistant(centre, clock, OFFICER, booking_id, "小周", FIRM, "practice",
                         "13101202010999999", inspected_in_person=True)


def test_a2_registered_assistant_must_match_the_registry(centre, clock, booking_id):
    assert "名册" in refused(centre, clock, booking_id, "刘阳", "13101200910123457").zh
    assert add_assistant(centre, clock, OFFICER, booking_id, "刘洋", FIRM, "practice",
                         "13101200910123457")


@pytest.mark.parametrize("number, ok, word", [
    ("31010806110001", True, ""),
    ("11150012210042", True, ""),
    ("99010806110001", False, "省级"),  # no province 99
    ("31000806110001", False, "00"),  # no city
    ("31010813110001", False, "年月"),  # month 13
    ("31010800110001", False, "年月"),  # month 00
    ("31010806310001", False, "性别"),  # sex digit 3
    ("31010806130001", False, "专兼职"),  # full/part-time digit 3
    ("3101080611000", False, "14位"),
])
def test_a2_trainee_certificate_format(number, ok, word):
    checked = trainee_cert(number)
    assert checked.ok == ok
    assert word in checked.zh
