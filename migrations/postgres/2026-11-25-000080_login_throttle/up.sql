-- Failed-login counters per account and per client address, kept in the database so that
-- every instance counts the same attempts. `key` is a SHA-256 of the kind and the value
-- (the e-mail as typed, or the address), so the table holds no e-mail or address in the clear.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_started_at);
