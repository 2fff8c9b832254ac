DROP TRIGGER case_themes_moved;
DROP TRIGGER case_themes_removed;
DROP TRIGGER case_themes_added;
ALTER TABLE cases DROP COLUMN themes;
