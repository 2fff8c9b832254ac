-- The social map (themes, partner organisations and their services) and assignments.
CREATE TABLE themes (
    code TEXT PRIMARY KEY,
    label_nl TEXT NOT NULL,
    label_en TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES partners (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ocmw', 'city', 'caw', 'child_and_family', 'ckg', 'clb', 'ngo', 'other')),
    description TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX partners_name ON partners (name, id);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    eligibility TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX services_partner ON services (partner_id);
CREATE INDEX services_name ON services (name, id);

CREATE TABLE service_themes (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (service_id, theme_code)
);
CREATE INDEX service_themes_theme ON service_themes (theme_code, service_id);

CREATE TABLE service_networks (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    network_id TEXT NOT NULL REFERENCES networks (id),
    PRIMARY KEY (service_id, network_id)
);
CREATE INDEX service_networks_network ON service_networks (network_id, service_id);

CREATE TABLE service_contacts (
    id TEXT PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    function TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX service_contacts_service ON service_contacts (service_id, position);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES users (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    mode TEXT NOT NULL CHECK (mode IN ('office_hours', 'consult', 'spoc')),
    weekday INTEGER CHECK (weekday BETWEEN 1 AND 7),
    start_time TIME,
    end_time TIME,
    valid_from DATE NOT NULL,
    valid_to DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((mode = 'office_hours') = (weekday IS NOT NULL AND start_time IS NOT NULL AND end_time IS NOT NULL)),
    CHECK (start_time IS NULL OR start_time < end_time),
    CHECK (valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX assignments_worker ON assignments (worker_id, valid_from);
CREATE INDEX assignments_school ON assignments (school_id, valid_from);
