-- Publicity activities count what was handed out, for the yearly report: posters and folders
-- (leaflets). Zero on every other kind of activity (the API refuses anything else).
ALTER TABLE activities ADD COLUMN posters INTEGER NOT NULL DEFAULT 0 CHECK (posters >= 0);
ALTER TABLE activities ADD COLUMN folders INTEGER NOT NULL DEFAULT 0 CHECK (folders >= 0);
