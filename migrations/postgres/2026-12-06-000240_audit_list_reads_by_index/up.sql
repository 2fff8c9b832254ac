-- A list read names every case on its page. On PostgreSQL those cases are now found through one
-- index on the event itself instead of one `audit_event_cases` row per case: a page of 50 cases
-- cost the sealer 50 heap rows and 50 B-tree inserts; a GIN index takes the event's cases as one
-- entry in its pending list and merges them in bulk (`gin_pending_list_limit`, or vacuum).
-- The expression is `AuditRow::listed_cases`: the cases a list read names. Rows written for list
-- reads before this migration stay in `audit_event_cases`; the access log reads both.
CREATE INDEX audit_events_listed ON audit_events
    USING gin ((string_to_array(COALESCE(case_ids, CASE WHEN object_type = 'case' THEN object_ids END), ' ')))
    WHERE object_ids IS NOT NULL;

-- A list read's event holds its page's ids as text (about 1.9 kB for 50). Past about 2 kB a row
-- is compressed (random ids do not compress, so the attempt is wasted) and then moved out of line
-- into the TOAST table, once in `audit_pending` and again in `audit_events`. Rows up to a page's
-- size now stay in place, uncompressed.
ALTER TABLE audit_pending SET (toast_tuple_target = 8160);
ALTER TABLE audit_events SET (toast_tuple_target = 8160);
