CREATE INDEX audit_events_listed ON audit_events
    USING gin ((string_to_array(COALESCE(case_ids, CASE WHEN object_type = 'case' THEN object_ids END), ' ')))
    WHERE object_ids IS NOT NULL;
DROP INDEX audit_events_listed_page;
-- The representatives' rows in `audit_event_cases` stay: they name cases those reads did list.
