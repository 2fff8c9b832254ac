DROP TRIGGER cases_status_to_themes;
DROP INDEX case_themes_school_status;
ALTER TABLE case_themes DROP COLUMN status;
