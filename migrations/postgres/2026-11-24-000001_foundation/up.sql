-- The foundation: settings, the school directory users are bound to, and users.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE networks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    city TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (id),
    name TEXT NOT NULL,
    institution_number TEXT NOT NULL UNIQUE,
    level TEXT NOT NULL CHECK (level IN ('primary', 'secondary')),
    street TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    pupil_count INTEGER NOT NULL DEFAULT 0 CHECK (pupil_count >= 0),
    ses_any DOUBLE PRECISION CHECK (ses_any BETWEEN 0 AND 100),
    ses_home_language DOUBLE PRECISION CHECK (ses_home_language BETWEEN 0 AND 100),
    ses_maternal_education DOUBLE PRECISION CHECK (ses_maternal_education BETWEEN 0 AND 100),
    ses_school_allowance DOUBLE PRECISION CHECK (ses_school_allowance BETWEEN 0 AND 100),
    ses_neighbourhood DOUBLE PRECISION CHECK (ses_neighbourhood BETWEEN 0 AND 100),
    preferred_presence TEXT CHECK (preferred_presence IN ('office_hours', 'consult', 'spoc')),
    wishes_note TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX schools_network ON schools (network_id, name, id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'social_worker', 'school')),
    school_id TEXT REFERENCES schools (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'school') = (school_id IS NOT NULL))
);
CREATE INDEX users_school ON users (school_id);
