-- Sessions end when credentials change: every token carries the version it was issued for.
-- A password set by someone else (a reset, a new account, the first start) must be changed by
-- its owner before anything else can be done with it; who reset it last, and when, is kept.
ALTER TABLE users ADD COLUMN credentials_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP;
ALTER TABLE users ADD COLUMN password_reset_at TIMESTAMP;
ALTER TABLE users ADD COLUMN password_reset_by TEXT;
