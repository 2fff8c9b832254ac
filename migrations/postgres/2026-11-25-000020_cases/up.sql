-- Cases: a help request about one pupil's family, worked by the school's social workers.
-- Personal data (pupil, family, question, feedback) sits in nullable columns so that erasure
-- (retention, a family's request) can really remove it and leave the statistical skeleton.
CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    school_id TEXT NOT NULL REFERENCES schools (id),
    origin TEXT NOT NULL CHECK (origin IN ('checklist', 'school_request', 'office_hours', 'parent', 'social_worker')),
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    known_to_ocmw BOOLEAN,
    status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'waiting', 'closed')),
    outcome TEXT CHECK (outcome IN ('resolved', 'referred', 'declined_by_family', 'no_contact', 'moved_away', 'other')),
    outcome_note TEXT,
    lead_worker_id TEXT REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL,
    first_contact_at TIMESTAMP,
    -- Whole days from opening to first contact (0 when contact came first), for the statistics.
    first_contact_days INTEGER,
    closed_at TIMESTAMP,
    pupil_pseudonym TEXT,
    pupil_birth_year INTEGER,
    pupil_class TEXT,
    question TEXT,
    family_name TEXT,
    family_phone TEXT,
    family_language TEXT,
    interpreter_needed BOOLEAN,
    feedback_for_school TEXT,
    feedback_at TIMESTAMP,
    submission_id TEXT,
    -- When the personal data above was erased (retention or the family's request), and why.
    erased_at TIMESTAMP,
    erasure_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((status = 'closed') = (outcome IS NOT NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX cases_opened ON cases (opened_at, id);
CREATE INDEX cases_school_opened ON cases (school_id, opened_at, id);
CREATE INDEX cases_lead_opened ON cases (lead_worker_id, opened_at, id);
CREATE INDEX cases_status_opened ON cases (status, opened_at, id);
CREATE INDEX cases_submission ON cases (submission_id);
CREATE INDEX cases_closed ON cases (closed_at) WHERE erased_at IS NULL;

CREATE TABLE case_themes (
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (case_id, theme_code)
);
CREATE INDEX case_themes_theme ON case_themes (theme_code, case_id);

CREATE TABLE case_needs (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    text TEXT,
    theme_code TEXT REFERENCES themes (code),
    raised_by TEXT NOT NULL CHECK (raised_by IN ('parent', 'child', 'school', 'social_worker')),
    author_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_needs_case ON case_needs (case_id, created_at);

CREATE TABLE case_contacts (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('office_hours', 'consult', 'phone', 'home_visit', 'meeting', 'other')),
    summary TEXT,
    author_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_contacts_case ON case_contacts (case_id, occurred_at);

CREATE TABLE case_consents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('share_with_school', 'refer_to_partner')),
    partner_id TEXT REFERENCES partners (id),
    given_by TEXT NOT NULL CHECK (given_by IN ('parent', 'guardian', 'pupil')),
    method TEXT NOT NULL CHECK (method IN ('verbal', 'written')),
    given_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    note TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'refer_to_partner') = (partner_id IS NOT NULL))
);
CREATE INDEX case_consents_case ON case_consents (case_id, given_at);
