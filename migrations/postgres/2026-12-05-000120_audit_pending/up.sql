-- Events wait here until the sealer links them into the chain (audit_events), in the order it
-- takes them: a request only inserts (no lock on audit_head), the sealer alone moves the head.
-- Readers of the trail seal first, so they never miss a waiting event.
CREATE TABLE audit_pending (
    pos BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    case_id TEXT,
    request_id TEXT NOT NULL,
    client_addr TEXT NOT NULL
);
