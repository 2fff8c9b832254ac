-- Presence at schools and the networks' work: office-hour exceptions, closed periods (school
-- holidays), held sessions, calendar feed tokens, consult requests, network meetings and
-- activities. Nothing here names a family: held sessions count contacts, agenda items are
-- anonymised (checked by the API), activities count participants.

CREATE TABLE closed_periods (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (first_day <= last_day)
);
CREATE INDEX closed_periods_days ON closed_periods (first_day, last_day);

-- One office-hours session (assignment, regular date) cancelled or moved.
CREATE TABLE office_hour_exceptions (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    session_date DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cancelled', 'moved')),
    moved_date DATE,
    moved_start_time TIME,
    moved_end_time TIME,
    reason TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (assignment_id, session_date),
    CHECK ((kind = 'moved') = (moved_date IS NOT NULL AND moved_start_time IS NOT NULL AND moved_end_time IS NOT NULL)),
    CHECK (moved_start_time IS NULL OR moved_start_time < moved_end_time)
);
CREATE INDEX office_hour_exceptions_date ON office_hour_exceptions (session_date);

-- A session that took place, with the number of contacts (never names).
CREATE TABLE office_hour_logs (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    session_date DATE NOT NULL,
    contacts INTEGER NOT NULL CHECK (contacts >= 0),
    note TEXT NOT NULL DEFAULT '',
    logged_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (assignment_id, session_date)
);
CREATE INDEX office_hour_logs_date ON office_hour_logs (session_date);

-- One feed token per user, stored as its SHA-256; rotating replaces the row's hash.
CREATE TABLE calendar_tokens (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP NOT NULL
);

CREATE TABLE consult_requests (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools (id),
    reason TEXT NOT NULL,
    urgency TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'urgent')),
    preferred_dates TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('requested', 'scheduled', 'done', 'cancelled')),
    scheduled_date DATE,
    scheduled_start_time TIME,
    scheduled_end_time TIME,
    worker_id TEXT REFERENCES users (id),
    outcome_note TEXT,
    cancel_reason TEXT,
    case_id TEXT REFERENCES cases (id),
    requested_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((status IN ('scheduled', 'done')) = (scheduled_date IS NOT NULL AND worker_id IS NOT NULL)
        OR (status = 'cancelled')),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX consult_requests_school ON consult_requests (school_id, created_at, id);
CREATE INDEX consult_requests_created ON consult_requests (created_at, id);

CREATE TABLE consult_request_themes (
    consult_id TEXT NOT NULL REFERENCES consult_requests (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (consult_id, theme_code)
);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (id),
    title TEXT NOT NULL,
    meeting_date DATE NOT NULL,
    start_time TIME,
    place TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_network_date ON meetings (network_id, meeting_date, id);
CREATE INDEX meetings_date ON meetings (meeting_date, id);

-- An invited school or partner organisation, and whether it attended (null: not recorded yet).
CREATE TABLE meeting_invitees (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    school_id TEXT REFERENCES schools (id),
    partner_id TEXT REFERENCES partners (id),
    attended BOOLEAN,
    UNIQUE (meeting_id, school_id),
    UNIQUE (meeting_id, partner_id),
    CHECK ((school_id IS NULL) <> (partner_id IS NULL))
);

CREATE TABLE agenda_items (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    theme_code TEXT REFERENCES themes (code),
    description TEXT NOT NULL DEFAULT '',
    school_id TEXT REFERENCES schools (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

CREATE TABLE action_points (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date DATE,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX action_points_meeting ON action_points (meeting_id, created_at);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('training', 'school_activity', 'coaching', 'publicity')),
    title TEXT NOT NULL,
    activity_date DATE NOT NULL,
    school_id TEXT REFERENCES schools (id),
    network_id TEXT REFERENCES networks (id),
    participants INTEGER NOT NULL CHECK (participants >= 0),
    description TEXT NOT NULL DEFAULT '',
    owner_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (school_id IS NOT NULL OR network_id IS NOT NULL)
);
CREATE INDEX activities_date ON activities (activity_date, id);
CREATE INDEX activities_school ON activities (school_id, activity_date);
CREATE INDEX activities_owner ON activities (owner_id, activity_date);

CREATE TABLE activity_audiences (
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    audience TEXT NOT NULL CHECK (audience IN ('pupils', 'pupil_counsellors', 'teachers', 'clb_staff', 'parents', 'partners')),
    PRIMARY KEY (activity_id, audience)
);

CREATE TABLE activity_themes (
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (activity_id, theme_code)
);
