-- Bookings of rooms for verified requests (B1, B4-B8, C2-C5, B10).
-- start_ts/end_ts are Unix seconds for the overlap guards; starts_at/ends_at are
-- the same instants in ISO 8601 with the centre's offset, for people.
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES meeting_requests(id),
    room_id TEXT NOT NULL REFERENCES rooms(id),
    room_kind TEXT NOT NULL CHECK (room_kind IN ('meeting', 'video', 'interrogation')),
    cert_no TEXT NOT NULL,
    roster_no TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL CHECK (end_ts > start_ts),
    state TEXT NOT NULL CHECK (state IN ('booked', 'arrived', 'in_progress', 'done',
                                         'no_show', 'cancelled', 'released_late')),
    immediate INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0,
    -- C3: why the meeting is not now; kept for the printed 情况说明
    delay_reason TEXT,
    delay_text TEXT,
    -- C4: the lawyer chose a later time than the earliest offer (kept here)
    deferred_by_lawyer INTEGER NOT NULL DEFAULT 0,
    earliest_offer_at TEXT,
    -- B5: written consent to an interrogation room, and devices off at start
    consent_by TEXT,
    consent_at TEXT,
    devices_off_by TEXT,
    devices_off_at TEXT,
    booked_by TEXT NOT NULL,
    booked_at TEXT NOT NULL,
    arrived_at TEXT,
    started_at TEXT,
    ended_at TEXT,
    closed_by TEXT,
    CHECK (room_kind != 'interrogation' OR consent_at IS NOT NULL),
    CHECK (started_at IS NULL OR room_kind != 'interrogation' OR devices_off_at IS NOT NULL)
);
CREATE INDEX bookings_room_time ON bookings(room_id, start_ts);
CREATE INDEX bookings_detainee_time ON bookings(roster_no, start_ts);
CREATE INDEX bookings_lawyer_time ON bookings(cert_no, start_ts);
CREATE INDEX bookings_request ON bookings(request_id);
-- One live booking per request.
CREATE UNIQUE INDEX bookings_one_live_per_request ON bookings(request_id)
    WHERE state IN ('booked', 'arrived', 'in_progress');

-- B4 in the database: no room, detainee or lawyer in two meetings at once,
-- whatever process writes. Cancelled, no-show and released bookings free their time.
CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.state IN ('booked', 'arrived', 'in_progress', 'done')
BEGIN
    SELECT RAISE(ABORT, 'B4: room already booked at this time') WHERE EXISTS (
        SELECT 1 FROM bookings b WHERE b.room_id = NEW.room_id
        AND b.state IN ('booked', 'arrived', 'in_progress', 'done')
        AND b.start_ts < NEW.end_ts AND NEW.start_ts < b.end_ts);
    SELECT RAISE(ABORT, 'B4: detainee already in a meeting at this time') WHERE EXISTS (
        SELECT 1 FROM bookings b WHERE b.roster_no = NEW.roster_no
        AND b.state IN ('booked', 'arrived', 'in_progress', 'done')
        AND b.start_ts < NEW.end_ts AND NEW.start_ts < b.end_ts);
    SELECT RAISE(ABORT, 'B4: lawyer already in a meeting at this time') WHERE EXISTS (
        SELECT 1 FROM bookings b WHERE b.cert_no = NEW.cert_no
        AND b.state IN ('booked', 'arrived', 'in_progress', 'done')
        AND b.start_ts < NEW.end_ts AND NEW.start_ts < b.end_ts);
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF start_ts, end_ts, room_id, state
ON bookings
WHEN NEW.state IN ('booked', 'arrived', 'in_progress', 'done')
BEGIN
    SELECT RAISE(ABORT, 'B4: room already booked at this time') WHERE EXISTS (
        SELECT 1 FROM bookings b WHERE b.id != NEW.id AND b.room_id = NEW.room_id
        AND b.state IN ('booked', 'arrived', 'in_progress', 'done')
        AND b.start_ts < NEW.end_ts AND NEW.start_ts < b.end_ts);
    SELECT RAISE(ABORT, 'B4: detainee already in a meeting at this time') WHERE EXISTS (
        SELECT 1 FROM bookings b WHERE b.id != NEW.id AND b.roster_no = NEW.roster_no
        AND b.state IN ('booked', 'arrived', 'in_progress', 'done')
        AND b.start_ts < NEW.end_ts AND NEW.start_ts < b.end_ts);
    SELECT RAISE(ABORT, 'B4: lawyer already in a meeting at this time') WHERE EXISTS (
        SELECT 1 FROM bookings b WHERE b.id != NEW.id AND b.cert_no = NEW.cert_no
        AND b.state IN ('booked', 'arrived', 'in_progress', 'done')
        AND b.start_ts < NEW.end_ts AND NEW.start_ts < b.end_ts);
END;

-- P2: the investigating authority's decision in national-security and terrorism cases.
ALTER TABLE meeting_requests ADD COLUMN permission_ref TEXT;
ALTER TABLE meeting_requests ADD COLUMN permission_decided_at TEXT;
ALTER TABLE meeting_requests ADD COLUMN permission_recorded_by TEXT;
ALTER TABLE meeting_requests ADD COLUMN wants_video INTEGER NOT NULL DEFAULT 0;
-- C4: when the request reached its outcome (met, breached, no-show, ...)
ALTER TABLE meeting_requests ADD COLUMN closed_at TEXT;

-- A1-A3: at most one assistant per meeting; the case unit confirms identity.
CREATE TABLE assistants (
    id INTEGER PRIMARY KEY,
    booking_id INTEGER NOT NULL UNIQUE REFERENCES bookings(id),
    name TEXT NOT NULL,
    firm_code TEXT NOT NULL,
    cert_kind TEXT NOT NULL CHECK (cert_kind IN ('practice', 'trainee')),
    cert_no TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    confirmation_ref TEXT,
    confirmed_by TEXT,
    confirmed_at TEXT
);
