"""B12 fast-track case deadlines, B9 video terminals' unmonitored confirmation, and the R1
figures duty_lawyer_meetings and hand_entered_documents."""

from __future__ import annotations

from datetime import date

import pytest
from support import OFFICER, presentation

from booking.desk_queries import request_card
from booking.errors import DomainError
from booking.imports import import_file
from booking.meetings import book, check_in, offer_slots, start_meeting
from booking.report import compliance_report
from booking.verification import verify_documents
from booking.watch import watch_list

ROSTER = ("roster_no,name,id_no,case_no,charge_category,stage,case_unit,status{extra}\n"
          "2026001,李四,310101198503120428,沪刑〔2026〕1号,fraud,prosecution,某检察院,in_custody{one}\n"
          "2026002,张三,310115199207085640,沪刑〔2026〕2号,theft,investigation,某分局,in_custody{two}\n")


def roster(tmp_path, name, extra="", one="", two=""):
    path = tmp_path / name
    path.write_text(ROSTER.format(extra=extra, one=one, two=two), encoding="utf-8")
    return path


def test_b12_case_deadline_imported_shown_on_the_watch_list_and_priority_by_default(
        centre, clock, settings, tmp_path):
    report = import_file(centre, clock, "test", "detainees",
                         roster(tmp_path, "r.csv", ",case_deadline", ",2026-11-25", ","))
    assert not report.errors
    fast = verify_documents(centre, clock, OFFICER, presentation()).request
    slow = verify_documents(centre, clock, OFFICER, presentation(
        roster_no="2026002", letter_detainee_name="张三", poa_signed_by="张三")).request
    items = {i.request_id: i for i in watch_list(centre, clock)}
    assert items[fast.id].case_deadline == date(2026, 11, 25) and items[fast.id].fast_track
    assert items[slow.id].case_deadline is None and not items[slow.id].fast_track
    assert request_card(centre, clock, fast.id).fast_track
    offer = offer_slots(centre, clock, settings, fast.id).offers[0]
    booked = book(centre, clock, settings, OFFICER, fast.id, offer.room_id, offer.start)
    assert booked.priority  # B8 by default; the officer may still pass priority=False
    other = offer_slots(centre, clock, settings, slow.id).offers[0]
    assert not book(centre, clock, settings, OFFICER, slow.id, other.room_id, other.start,
                    delay_reason="rooms_busy").priority


def test_b12_case_deadline_after_the_48_hours_is_not_priority(centre, clock, tmp_path):
    import_file(centre, clock, "test", "detainees",
                roster(tmp_path, "r.csv", ",case_deadline", ",2026-12-20", ","))
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    [item] = watch_list(centre, clock)
    assert item.case_deadline == date(2026, 12, 20) and not item.fast_track
    assert not request_card(centre, clock, request.id).fast_track


def test_b12_e3_a_roster_without_the_column_keeps_the_case_deadline(centre, clock, tmp_path):
    import_file(centre, clock, "test", "detainees",
                roster(tmp_path, "a.csv", ",case_deadline", ",2026-11-25", ","))
    report = import_file(centre, clock, "test", "detainees", roster(tmp_path, "b.csv"))
    assert not report.errors and report.updated == 2
    assert centre.table("detainees").get("2026001")["case_deadline"] == "2026-11-25"
    bad = import_file(centre, clock, "test", "detainees",
                      roster(tmp_path, "c.csv", ",case_deadline", ",2026-02-30", ","))
    assert [(e.line, e.field) for e in bad.errors] == [(2, "case_deadline")]


def test_b9_video_meeting_starts_only_with_the_unmonitored_confirmation(centre, clock, settings):
    request = verify_documents(centre, clock, OFFICER, presentation()).request
    video = next(o for o in offer_slots(centre, clock, settings, request.id,
                                        wants_video=True).offers if o.room_kind == "video")
    booking = book(centre, clock, settings, OFFICER, request.id, video.room_id, video.start)
    check_in(centre, clock, settings, OFFICER, booking.id)  # B11: arrival before start
    with pytest.raises(DomainError) as info:
        start_meeting(centre, clock, settings, OFFICER, booking.id)
    assert info.value.rule == "B9"
    assert centre.table("bookings").get(booking.id)["started_at"] is None
    started = start_meeting(centre, clock, settings, OFFICER, booking.id,
                            devices_off_confirmed=True)
    assert started.devices_off_at == clock.now()
    report = compliance_report(centre, clock, date(2026, 11, 1), date(2026, 11, 30))
    assert report.video_meetings == 1 and report.video_unmonitored_confirmed == 1
    assert report.devices_off_confirmed == 0  # B5's count stays the interrogation rooms'


def test_r1_v10_v7_report_counts_duty_lawyer_meetings_and_hand_entered_documents(
        centre, clock, settings):
    duty = "11101200310523456"
    centre.table("duty_roster").insert({"cert_no": duty, "date": "2026-11-24"})
    helped = verify_documents(centre, clock, OFFICER, presentation(
        cert_no=duty, letter_firm_code="", letter_lawyer_name="", letter_detainee_name="",
        basis="duty_notice", duty_notice_no="FLBZ-1", hand_entered=True,
        document_issuer="上海市黄浦区人民检察院", document_issued_on="2026-11-23")).request
    verify_documents(centre, clock, OFFICER, presentation(
        roster_no="2026002", letter_detainee_name="张三", basis="aid_letter",
        aid_letter_no="SHFY2026-0100", hand_entered=True, document_issuer="黄浦区法律援助中心",
        document_issued_on="2026-11-24"))
    offer = offer_slots(centre, clock, settings, helped.id).offers[0]
    booking = book(centre, clock, settings, OFFICER, helped.id, offer.room_id, offer.start)
    check_in(centre, clock, settings, OFFICER, booking.id)  # B11: arrival before start
    start_meeting(centre, clock, settings, OFFICER, booking.id)
    report = compliance_report(centre, clock, date(2026, 11, 1), date(2026, 11, 30))
    assert report.duty_lawyer_meetings == 1 and report.hand_entered_documents == 2
    summary = report.summary()
    assert summary["duty_lawyer_meetings"] == 1 and summary["hand_entered_documents"] == 2
    assert report.met == 1  # the duty lawyer's meeting is on the same 48-hour clock
    earlier = compliance_report(centre, clock, date(2026, 10, 1), date(2026, 10, 31))
    assert earlier.hand_entered_documents == 0
