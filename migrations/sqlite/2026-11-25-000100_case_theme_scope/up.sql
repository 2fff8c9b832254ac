-- The theme figures of the statistics count case_themes rows of the cases opened in a period
-- at a set of schools. Joining every theme row to its case for that grew with the whole
-- history (1.6M theme rows at 1M cases); with the case's opening time and school on the theme
-- row, the count reads only the period's part of one index. Both are copied from the case
-- when its themes are set (src/db/cases.rs `set_themes`); neither changes after opening.
ALTER TABLE case_themes ADD COLUMN opened_at TIMESTAMP;
ALTER TABLE case_themes ADD COLUMN school_id TEXT;
UPDATE case_themes SET
    opened_at = (SELECT opened_at FROM cases WHERE cases.id = case_themes.case_id),
    school_id = (SELECT school_id FROM cases WHERE cases.id = case_themes.case_id);
CREATE INDEX case_themes_opened ON case_themes (opened_at, theme_code, school_id);
