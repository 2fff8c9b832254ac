DROP TRIGGER case_themes_moved ON case_themes;
DROP TRIGGER case_themes_removed ON case_themes;
DROP TRIGGER case_themes_added ON case_themes;
DROP FUNCTION cases_themes_of_moved();
DROP FUNCTION cases_themes_of_changed();
ALTER TABLE cases DROP COLUMN themes;
