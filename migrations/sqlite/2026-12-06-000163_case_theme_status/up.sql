-- A worker's case list by theme and status (GET /cases?theme=&status=) walked every case of the
-- worker's schools in that status and checked each for the theme (~5 rows read per row
-- returned at 100k cases). With the case's status on its theme rows, one index holds exactly
-- the rows asked for, newest first per school. A trigger keeps the copy equal to the case's
-- status whatever code changes it; `set_themes` copies it when themes are written.
ALTER TABLE case_themes ADD COLUMN status TEXT;
UPDATE case_themes SET status = (SELECT status FROM cases WHERE cases.id = case_themes.case_id);
CREATE INDEX case_themes_school_status ON case_themes (school_id, theme_code, status, opened_at, case_id);

CREATE TRIGGER cases_status_to_themes AFTER UPDATE OF status ON cases
    FOR EACH ROW WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE case_themes SET status = NEW.status WHERE case_id = NEW.id;
END;
