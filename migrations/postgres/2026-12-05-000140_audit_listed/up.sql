-- A list read is one event naming every object the page returned (`object_ids`, in order) and
-- the cases they belong to (`case_ids`), instead of one event per object: a page of 50 cases
-- costs one event in the chain, not 50.
ALTER TABLE audit_pending ADD COLUMN object_ids TEXT;
ALTER TABLE audit_pending ADD COLUMN case_ids TEXT;
ALTER TABLE audit_events ADD COLUMN object_ids TEXT;
ALTER TABLE audit_events ADD COLUMN case_ids TEXT;

-- Which events concern which case: the sealer writes one row per case an event names (its
-- `case_id`, and every case of a list's `case_ids`), so a case's access log finds list reads by
-- index. It is derived from the chain (rebuildable from it) and proves nothing itself.
CREATE TABLE audit_event_cases (
    case_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
INSERT INTO audit_event_cases (case_id, seq)
    SELECT case_id, seq FROM audit_events WHERE case_id IS NOT NULL;
DROP INDEX audit_events_case;
