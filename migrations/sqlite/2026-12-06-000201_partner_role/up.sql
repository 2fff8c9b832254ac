-- A fourth role, `partner` (issue 19): a partner account names its partner organisation, as a
-- school account names its school. SQLite keeps CHECK constraints in the table's definition,
-- so the table is rebuilt (https://sqlite.org/lang_altertable.html#otheralter): the rows and
-- ids stay, the tables that reference users keep referring to it by name.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'social_worker', 'school', 'partner')),
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
    CHECK ((role = 'school') = (school_id IS NOT NULL)),
    CHECK ((role = 'partner') = (partner_id IS NOT NULL))
);
INSERT INTO users_new (id, email, display_name, role, school_id, active, password_hash,
    created_at, updated_at, credentials_version, must_change_password, password_changed_at,
    password_reset_at, password_reset_by, partner_id)
SELECT id, email, display_name, role, school_id, active, password_hash, created_at, updated_at,
    credentials_version, must_change_password, password_changed_at, password_reset_at,
    password_reset_by, partner_id
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_school ON users (school_id);
CREATE INDEX users_partner ON users (partner_id);
COMMIT;
PRAGMA foreign_keys = ON;
