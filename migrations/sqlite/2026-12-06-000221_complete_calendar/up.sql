-- A complete calendar: a closed period may belong to one school (a study day), and a worker's
-- absences (leave, illness) cancel their sessions, optionally with a substitute.
ALTER TABLE closed_periods ADD COLUMN school_id TEXT REFERENCES schools (id) ON DELETE CASCADE;
CREATE INDEX closed_periods_school ON closed_periods (school_id);

CREATE TABLE worker_absences (
    id TEXT PRIMARY KEY NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('leave', 'illness', 'other')),
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    substitute_id TEXT REFERENCES users (id),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (first_day <= last_day)
);
CREATE INDEX worker_absences_worker ON worker_absences (worker_id, first_day, last_day);
