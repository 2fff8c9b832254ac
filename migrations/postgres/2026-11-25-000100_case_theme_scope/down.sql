DROP INDEX case_themes_opened;
ALTER TABLE case_themes DROP COLUMN school_id, DROP COLUMN opened_at;
