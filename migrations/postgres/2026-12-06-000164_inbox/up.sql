-- When each account last marked its inbox as seen: the inbox marks what came after as new.
CREATE TABLE inbox_seen (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seen_at TIMESTAMP NOT NULL
);
-- The day a worker means to look at a case again (a waiting case past it shows in the inbox).
ALTER TABLE cases ADD COLUMN follow_up_on DATE;
