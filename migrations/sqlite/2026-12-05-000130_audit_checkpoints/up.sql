-- Signed statements of the chain's head (sequence number, hash, time), made with a key that is
-- not in the database. A copy kept outside (an auditor's, a city system's via the
-- `audit.checkpoint` event) shows a rewritten or rewound chain.
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
