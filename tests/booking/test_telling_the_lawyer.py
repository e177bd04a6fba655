"""P2: the lawyer's phone taken when a request is opened, "to notify" on the watch list until
the call is recorded, the printed notice when the lawyer is at the desk, and the phone's
retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from support import OFFICER, presentation

from booking.errors import DomainError
from booking.notices import forget_lawyer_phones
from booking.permission import record_lawyer_told, record_permission
from booking.verification import verify_documents
from booking.watch import watch_list

NATIONAL_SECURITY = dict(roster_no="2026030", letter_detainee_name="郑毅", poa_signed_by="郑毅",
                         lawyer_phone="138 0013 8000")


def test_p2_grant_with_lawyer_away_shows_to_notify_with_phone_until_the_call(centre, clock):
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    [waiting] = watch_list(centre, clock)
    assert waiting.kind == "permission" and not waiting.to_notify
    assert waiting.lawyer_phone is None  # only a decision to tell shows the phone
    record_permission(centre, clock, OFFICER, request.id, True, "沪国安许〔2026〕7号")
    [item] = watch_list(centre, clock)
    assert item.kind == "deadline" and item.to_notify and item.permission_granted
    assert item.lawyer_phone == "138 0013 8000"
    clock.advance(timedelta(minutes=20))
    row = record_lawyer_told(centre, clock, OFFICER, request.id)
    assert row["lawyer_told_how"] == "phone" and row["lawyer_told_by"] == OFFICER
    assert row["lawyer_told_at"] == "2026-11-24T09:20:00+08:00"
    [item] = watch_list(centre, clock)
    assert not item.to_notify and item.lawyer_phone is None
    entry = next(centre.query("SELECT actor, detail FROM audit_log WHERE action = 'lawyer_told'"))
    assert entry["actor"] == OFFICER and json.loads(entry["detail"])["how"] == "phone"
    with pytest.raises(DomainError):  # told once
        record_lawyer_told(centre, clock, OFFICER, request.id)


def test_p2_decision_with_lawyer_at_the_desk_is_told_by_the_printed_notice(centre, clock):
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    row = record_permission(centre, clock, OFFICER, request.id, False, "沪国安不许〔2026〕1号",
                            lawyer_present=True)
    assert row["lawyer_told_how"] == "printed" and row["lawyer_told_at"]
    assert watch_list(centre, clock) == []


def test_p2_no_call_before_a_decision(centre, clock):
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    with pytest.raises(DomainError) as info:
        record_lawyer_told(centre, clock, OFFICER, request.id)
    assert info.value.rule == "P2"


@pytest.mark.parametrize("phone", ["call me", "12", "+86 138-0013-8000-9999-1234-5"])
def test_p2_e1_a_phone_that_is_not_a_number_is_refused_db_unchanged(centre, clock, phone):
    with pytest.raises(DomainError) as info:
        verify_documents(centre, clock, OFFICER, presentation(lawyer_phone=phone))
    assert info.value.rule == "P2"
    assert centre.table("meeting_requests").count == 0


def test_p2_phone_is_erased_after_the_configured_retention(centre, clock, settings):
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    record_permission(centre, clock, OFFICER, request.id, False, "沪国安不许〔2026〕1号")
    days = settings.privacy.lawyer_phone_days
    clock.advance(timedelta(days=days + 1))
    # still to notify: the number is kept while the lawyer has not been told
    assert forget_lawyer_phones(centre, clock, settings) == 0
    record_lawyer_told(centre, clock, OFFICER, request.id)
    assert forget_lawyer_phones(centre, clock, settings) == 1
    assert centre.table("meeting_requests").get(request.id)["lawyer_phone"] is None
    open_one = verify_documents(centre, clock, OFFICER, presentation(lawyer_phone="13800138001"))
    clock.advance(timedelta(days=days + 1))
    assert forget_lawyer_phones(centre, clock, settings) == 0  # open: kept
    assert centre.table("meeting_requests").get(open_one.request.id)["lawyer_phone"]
