"""B7/E3: bookings from the online platform, imported from CSV or JSON and booked by `book`."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from support import LAWYER, OFFICER

from booking.booking_import import import_bookings
from booking.clock import SHANGHAI
from booking.errors import DomainError

HEADER = "external_ref,cert_no,roster_no,start,room_kind\n"
SUN_LI = "11101200310523456"  # registers: active, aid letter SHFY2026-0001 for 2026002




def csv_file(tmp_path, *rows: str, name: str = "platform.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def written(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("meeting_requests", "bookings", "defenders", "platform_bookings",
                      "audit_log")}


GOOD = (f"WSYY-0001,{LAWYER},2026001,2026-11-25 09:00,meeting",
        f"WSYY-0002,{SUN_LI},2026002,2026-11-24T14:00:00+08:00,video")


def test_b7_platform_rows_are_booked_through_the_same_use_case(centre, clock, settings,
                                                               tmp_path):
    result = import_bookings(centre, clock, settings, OFFICER, csv_file(tmp_path, *GOOD))
    assert result.errors == [] and result.booked == 2
    first, second = result.bookings
    assert (first.line, first.external_ref, first.new) == (2, "WSYY-0001", True)
    assert first.booking.start == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert (first.booking.room_kind, first.booking.room_id) == ("meeting", "M1")
    assert (second.booking.room_kind, second.booking.room_id) == ("video", "V1")
    # C3: not immediate; the lawyer chose the time (printed on the 情况说明)
    assert first.booking.delay_reason == "lawyer_choice" and not first.booking.immediate
    assert first.booking.deadline == datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
    requests = list(centre.query("SELECT basis, document_no, officer, state FROM"
                                 " meeting_requests ORDER BY id"))
    assert requests == [
        {"basis": "power_of_attorney", "document_no": "platform:WSYY-0001", "officer": OFFICER,
         "state": "booked"},
        {"basis": "aid_letter", "document_no": "SHFY2026-0001", "officer": OFFICER,  # V7
         "state": "booked"}]
    actions = [r["action"] for r in centre.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-3:] == ["open_platform_request", "book", "import_platform_booking"]


def test_b7_importing_the_same_file_again_books_nothing_twice(centre, clock, settings,
                                                              tmp_path):
    path = csv_file(tmp_path, *GOOD)
    first = import_bookings(centre, clock, settings, OFFICER, path)
    before = written(centre)
    again = import_bookings(centre, clock, settings, OFFICER, path)
    assert again.errors == [] and again.booked == 0
    assert [b.booking.id for b in again.bookings] == [b.booking.id for b in first.bookings]
    assert not any(b.new for b in again.bookings)
    assert written(centre) == before


def test_e3_a_changed_row_under_an_imported_reference_is_refused(centre, clock, settings,
                                                                  tmp_path):
    import_bookings(centre, clock, settings, OFFICER, csv_file(tmp_path, GOOD[0]))
    moved = csv_file(tmp_path, f"WSYY-0001,{LAWYER},2026001,2026-11-25 10:00,meeting")
    result = import_bookings(centre, clock, settings, OFFICER, moved)
    [error] = result.errors
    assert (error.line, error.field) == (2, "external_ref")
    assert "已导入为预约1" in error.reason and "changes are made at the desk" in error.reason


def test_e3_one_bad_row_imports_nothing_and_names_each_line(centre, clock, settings, tmp_path):
    before = written(centre)
    path = csv_file(
        tmp_path,
        GOOD[0],
        "WSYY-0003,13101201510234567,2026001,2026-11-25 10:00,meeting",   # 赵敏 suspended
        f"WSYY-0004,{LAWYER},2026029,2026-11-25 10:00,meeting",           # released
        f"WSYY-0005,{LAWYER},2026030,2026-11-25 10:00,meeting",           # permission case
        f"WSYY-0006,{LAWYER},2026002,25/11/2026 10:00,meeting",           # date format
        f"WSYY-0007,{LAWYER},2026002,2026-11-25 10:00,interrogation",     # B5
        f"WSYY-0001,{LAWYER},2026002,2026-11-25 10:00,meeting",           # repeated reference
        f"WSYY 0008,{LAWYER},2026002,2026-11-25 12:00,meeting",           # ref; lunch break
    )
    result = import_bookings(centre, clock, settings, OFFICER, path)
    assert result.bookings == []
    got = [(e.line, e.field, e.reason.split(" ")[0]) for e in result.errors]
    assert got == [
        (3, "cert_no", "V4"), (4, "roster_no", "V8"), (5, "roster_no", "P1"),
        (6, "start", "应为日期时间，如"), (7, "room_kind", "讯问室须律师到窗口当面签署同意书（B5），不能网上预约：请预约会见室"),
        (8, "external_ref", "与第2行重复"), (9, "external_ref", "应为1-64位字母、数字、.、_"),
    ]
    assert "赵敏已被停止执业" in result.errors[0].reason
    assert written(centre) == before  # E3: nothing imported


def test_e3_rows_that_clash_with_each_other_are_found_before_anything_is_written(
        centre, clock, settings, tmp_path):
    before = written(centre)
    path = csv_file(tmp_path, GOOD[0],
                    f"WSYY-0009,{LAWYER},2026002,2026-11-25 09:30,meeting",  # B4: same lawyer
                    f"WSYY-0010,{LAWYER},2026002,2026-11-25 12:00,meeting",  # B2: lunch break
                    f"WSYY-0011,{LAWYER},2026002,2026-11-24 08:30,meeting")  # B3: passed
    result = import_bookings(centre, clock, settings, OFFICER, path)
    assert [(e.line, e.field, e.reason.split(" ")[0]) for e in result.errors] == [
        (3, "start", "B4"), (4, "start", "B2"), (5, "start", "B3")]
    assert written(centre) == before
    skipped = import_bookings(centre, clock, settings, OFFICER, path, skip_bad=True)
    assert [b.external_ref for b in skipped.bookings] == ["WSYY-0001"]
    assert [e.line for e in skipped.errors] == [3, 4, 5]
    assert centre.table("bookings").count == 1


def test_c4_a_time_after_the_deadline_is_the_lawyers_choice(centre, clock, settings, tmp_path):
    path = csv_file(tmp_path, f"WSYY-0012,{LAWYER},2026001,2026-11-30 09:00,meeting")
    [imported] = import_bookings(centre, clock, settings, OFFICER, path).bookings
    assert imported.booking.deferred_by_lawyer
    assert imported.booking.earliest_offer_at == datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


def test_e3_json_export_and_an_unknown_officer(centre, clock, settings, tmp_path):
    path = tmp_path / "platform.json"
    path.write_text(json.dumps([{"external_ref": "WSYY-0013", "cert_no": LAWYER,
                                 "roster_no": 2026001, "start": "2026-11-25T13:00:00+08:00",
                                 "room_kind": "meeting"}]), encoding="utf-8")
    with pytest.raises(DomainError) as info:
        import_bookings(centre, clock, settings, "4242", path)
    assert info.value.rule == "S1"
    result = import_bookings(centre, clock, settings, OFFICER, path)
    assert result.errors == [] and result.bookings[0].booking.room_id == "M1"


def test_v6_a_third_defence_lawyer_is_refused_online(centre, clock, settings, tmp_path):
    path = csv_file(tmp_path,
                    f"WSYY-0020,{LAWYER},2026001,2026-11-25 09:00,meeting",
                    "WSYY-0021,13101200910123457,2026001,2026-11-25 10:00,meeting",
                    "WSYY-0022,13101200910123458,2026001,2026-11-25 13:00,meeting")
    result = import_bookings(centre, clock, settings, OFFICER, path)
    [error] = result.errors
    assert (error.line, error.field) == (4, "roster_no")
    assert "王建国、刘洋" in error.reason


def test_c1_a_platform_request_is_opened_as_at_the_desk(centre, clock, settings, tmp_path):
    """Issue 13: one open_request for the desk and the platform: the request is audited as
    open_request (with the platform's reference), so the integrity check (E2) finds every
    request's entry, a platform one included."""
    from booking.integrity import consistency_problems

    result = import_bookings(centre, clock, settings, OFFICER, csv_file(tmp_path, GOOD[0]))
    request_id = result.bookings[0].booking.request_id
    entry = centre.execute("SELECT detail FROM audit_log WHERE action = 'open_request'"
                           " AND subject = ?", (f"request:{request_id}",)).fetchone()
    assert json.loads(entry[0])["external_ref"] == "WSYY-0001"
    assert [p for p in consistency_problems(centre) if "request" in p] == []
