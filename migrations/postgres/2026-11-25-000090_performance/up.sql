-- The yearly statistics read every case of the period once, grouped by the figures they count
-- (src/db/stats.rs `case_profile`): this index holds all of them, so that pass reads the index
-- alone (PostgreSQL: an index-only scan; SQLite: a covering index) instead of the table.
CREATE INDEX cases_opened_profile ON cases (opened_at, status, origin, outcome, known_to_ocmw, first_contact_days, school_id, id);

-- A social worker's case list filtered by status: the cases of their schools in that status,
-- newest first. Without it the list walks every case of the city in that status (newest first)
-- and keeps those of the worker's schools, which grows with the whole city's history; with it,
-- only with the worker's own cases.
CREATE INDEX cases_school_status_opened ON cases (school_id, status, opened_at, id);
