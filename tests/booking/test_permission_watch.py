"""P1-P3, A1-A3 and the watch list (C5)."""

from datetime import timedelta

import pytest
from support import OFFICER, at, presentation

from booking.assistants import add_assistant, confirm_assistant, may_enter
from booking.errors import DomainError
from booking.meetings import book, offer_slots
from booking.permission import record_lawyer_told, record_permission
from booking.verification import verify_documents
from booking.watch import format_left, watch_list

NATIONAL_SECURITY = dict(roster_no="2026030", letter_detainee_name="郑毅", poa_signed_by="郑毅")


def test_p2_clock_starts_when_permission_is_recorded(centre, clock, settings):
    clock.set(at(2026, 11, 24, 9, 0))
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    with pytest.raises(DomainError) as info:
        offer_slots(centre, clock, settings, request.id)
    assert info.value.rule == "P2"
    [item] = watch_list(centre, clock)
    assert item.kind == "permission" and item.due == at(2026, 11, 27, 9, 0)  # 3 days
    clock.set(at(2026, 11, 26, 15, 0))
    with pytest.raises(DomainError):
        record_permission(centre, clock, OFFICER, request.id, True, " ")
    row = record_permission(centre, clock, OFFICER, request.id, True, "沪国安许〔2026〕7号")
    assert row["clock_start"] == "2026-11-26T15:00:00+08:00"
    assert row["deadline"] == "2026-11-28T15:00:00+08:00"
    assert offer_slots(centre, clock, settings, request.id).deadline == at(2026, 11, 28, 15, 0)


def test_p2_refusal_recorded_with_reference(centre, clock):
    request = verify_documents(centre, clock, OFFICER, presentation(**NATIONAL_SECURITY)).request
    row = record_permission(centre, clock, OFFICER, request.id, False, "沪国安不许〔2026〕1号")
    assert row["state"] == "permission_denied" and row["permission_ref"].endswith("1号")
    # P2: the lawyer was not at the desk: the refusal waits on the watch list to be told
    [item] = watch_list(centre, clock)
    assert item.kind == "notify" and item.to_notify and item.permission_granted is False
    record_lawyer_told(centre, clock, OFFICER, request.id)
    assert watch_list(centre, clock) == []


def test_p3_other_cases_never_wait_for_the_case_unit(centre, clock):
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    assert request.state == "open" and not request.needs_permission
    with pytest.raises(DomainError):
        record_permission(centre, clock, OFFICER, request.id, True, "X")


def test_c5_watch_list_red_and_at_risk(centre, clock, settings):
    clock.set(at(2026, 11, 24, 9, 0))
    unbooked = verify_documents(centre, clock, OFFICER, presentation()).request
    booked = verify_documents(centre, clock, OFFICER, presentation(
        roster_no="2026002", letter_detainee_name="张三", poa_signed_by="张三")).request
    book(centre, clock, settings, OFFICER, booked.id, "M1", at(2026, 11, 25, 9, 0),
         delay_reason="in_court")
    items = {i.request_id: i for i in watch_list(centre, clock)}
    assert format_left(items[unbooked.id].time_left) == "48:00"
    assert not items[unbooked.id].red
    clock.advance(timedelta(hours=37))
    items = {i.request_id: i for i in watch_list(centre, clock)}
    assert items[unbooked.id].red and items[unbooked.id].at_risk
    assert items[booked.id].red and not items[booked.id].at_risk
    clock.advance(timedelta(hours=12))
    assert format_left(watch_list(centre, clock)[0].time_left) == "-01:00"


def test_a1_a3_one_assistant_admitted_after_confirmation(centre, clock, settings):
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    booking = book(centre, clock, settings, OFFICER, request.id, "M1", clock.now())
    with pytest.raises(DomainError) as info:
        add_assistant(centre, clock, OFFICER, booking.id, "小王", "3131010142QXJNP17A",
                      "trainee", "3101080611000")
    assert info.value.rule == "A2"
    with pytest.raises(DomainError):  # another firm
        add_assistant(centre, clock, OFFICER, booking.id, "小王", "31310104AD8CGTM4JQ",
                      "trainee", "31010806110001")
    assistant = add_assistant(centre, clock, OFFICER, booking.id, "小王", "3131010142QXJNP17A",
                              "trainee", "31010806110001")
    assert not may_enter(centre, assistant)
    with pytest.raises(DomainError) as info:
        add_assistant(centre, clock, OFFICER, booking.id, "小李", "3131010142QXJNP17A",
                      "practice", "13101200910123457")
    assert info.value.rule == "A1"
    confirm_assistant(centre, clock, OFFICER, assistant, "黄公核〔2026〕3号")
    assert may_enter(centre, assistant)
