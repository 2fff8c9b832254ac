-- Rectification (GDPR art. 16): a worker corrects a need or a contact moment; what it said
-- before is kept, with who corrected it, when and why, for the case team and the family's
-- export. Erasure deletes these rows with the case's texts.
-- Needs get a state: open until met, not met or withdrawn (see domain::case::NeedTransition).
ALTER TABLE case_needs ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'met', 'not_met', 'withdrawn'));
ALTER TABLE case_needs ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00';
UPDATE case_needs SET updated_at = created_at;
ALTER TABLE case_contacts ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00';
UPDATE case_contacts SET updated_at = created_at;

-- One row per change of a need: the values it had before.
CREATE TABLE case_need_history (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL REFERENCES case_needs (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    text TEXT,
    theme_code TEXT,
    raised_by TEXT NOT NULL CHECK (raised_by IN ('parent', 'child', 'school', 'social_worker')),
    state TEXT NOT NULL CHECK (state IN ('open', 'met', 'not_met', 'withdrawn')),
    reason TEXT NOT NULL,
    corrected_by TEXT NOT NULL REFERENCES users (id),
    corrected_at TIMESTAMP NOT NULL
);
CREATE INDEX case_need_history_case ON case_need_history (case_id, corrected_at);

-- One row per correction of a contact moment: the values it had before.
CREATE TABLE case_contact_history (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES case_contacts (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('office_hours', 'consult', 'phone', 'home_visit', 'meeting', 'other')),
    summary TEXT,
    reason TEXT NOT NULL,
    corrected_by TEXT NOT NULL REFERENCES users (id),
    corrected_at TIMESTAMP NOT NULL
);
CREATE INDEX case_contact_history_case ON case_contact_history (case_id, corrected_at);
