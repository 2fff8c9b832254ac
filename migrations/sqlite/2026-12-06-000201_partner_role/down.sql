-- Partner accounts cannot survive the old constraint: remove them first.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_old (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'social_worker', 'school')),
    school_id TEXT REFERENCES schools (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    credentials_version INTEGER NOT NULL DEFAULT 0,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at TIMESTAMP,
    password_reset_at TIMESTAMP,
    password_reset_by TEXT,
    partner_id TEXT REFERENCES partners (id),
    CHECK ((role = 'school') = (school_id IS NOT NULL))
);
INSERT INTO users_old SELECT id, email, display_name, role, school_id, active, password_hash,
    created_at, updated_at, credentials_version, must_change_password, password_changed_at,
    password_reset_at, password_reset_by, partner_id
FROM users WHERE role <> 'partner';
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_school ON users (school_id);
CREATE INDEX users_partner ON users (partner_id);
COMMIT;
PRAGMA foreign_keys = ON;
