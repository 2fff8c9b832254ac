CREATE INDEX audit_events_case ON audit_events (case_id, seq);
DROP TABLE audit_event_cases;
ALTER TABLE audit_events DROP COLUMN case_ids;
ALTER TABLE audit_events DROP COLUMN object_ids;
ALTER TABLE audit_pending DROP COLUMN case_ids;
ALTER TABLE audit_pending DROP COLUMN object_ids;
