-- A case's theme codes on the case row (`cases.themes`: the codes in order, separated by one
-- space; NULL without a theme). Every view of a case shows its themes; a worker's page of 50
-- cases read them with one sub-select per case (about a third of the list statement's work).
-- The theme rows stay the truth (statistics and the theme filter use them); triggers keep the
-- copy equal to them whatever code writes them.
ALTER TABLE cases ADD COLUMN themes TEXT;
UPDATE cases SET themes = (SELECT string_agg(theme_code, ' ' ORDER BY theme_code)
                             FROM case_themes WHERE case_themes.case_id = cases.id);

CREATE TRIGGER case_themes_added AFTER INSERT ON case_themes
BEGIN
    UPDATE cases SET themes = (SELECT string_agg(theme_code, ' ' ORDER BY theme_code)
                                 FROM case_themes WHERE case_themes.case_id = cases.id)
     WHERE id = NEW.case_id;
END;
CREATE TRIGGER case_themes_removed AFTER DELETE ON case_themes
BEGIN
    UPDATE cases SET themes = (SELECT string_agg(theme_code, ' ' ORDER BY theme_code)
                                 FROM case_themes WHERE case_themes.case_id = cases.id)
     WHERE id = OLD.case_id;
END;
CREATE TRIGGER case_themes_moved AFTER UPDATE OF case_id, theme_code ON case_themes
    FOR EACH ROW WHEN OLD.case_id IS NOT NEW.case_id OR OLD.theme_code IS NOT NEW.theme_code
BEGIN
    UPDATE cases SET themes = (SELECT string_agg(theme_code, ' ' ORDER BY theme_code)
                                 FROM case_themes WHERE case_themes.case_id = cases.id)
     WHERE id IN (OLD.case_id, NEW.case_id);
END;
