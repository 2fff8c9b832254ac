-- The yearly statistics read every case of the period once, grouped by the figures they count
-- (src/db/stats.rs `case_profile`): this index holds all of them, so that pass reads the index
-- alone (PostgreSQL: an index-only scan; SQLite: a covering index) instead of the table.
CREATE INDEX cases_opened_profile ON cases (opened_at, status, origin, outcome, known_to_ocmw, first_contact_days, school_id, id);
