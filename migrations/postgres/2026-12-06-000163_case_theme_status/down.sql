DROP TRIGGER cases_status_to_themes ON cases;
DROP FUNCTION case_themes_follow_status();
DROP INDEX case_themes_school_status;
ALTER TABLE case_themes DROP COLUMN status;
