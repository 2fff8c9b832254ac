ALTER TABLE audit_events RESET (toast_tuple_target);
ALTER TABLE audit_pending RESET (toast_tuple_target);
-- The list reads sealed meanwhile go back into the index of cases to events.
INSERT INTO audit_event_cases (case_id, seq)
    SELECT DISTINCT listed.case_id, e.seq
    FROM audit_events e,
         unnest(string_to_array(COALESCE(e.case_ids, CASE WHEN e.object_type = 'case' THEN e.object_ids END), ' ')) AS listed(case_id)
    WHERE e.object_ids IS NOT NULL
ON CONFLICT DO NOTHING;
DROP INDEX audit_events_listed;
