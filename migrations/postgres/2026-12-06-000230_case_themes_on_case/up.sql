-- A case's theme codes on the case row (`cases.themes`: the codes in order, separated by one
-- space; NULL without a theme). Every view of a case shows its themes; a worker's page of 50
-- cases read them with one sub-select per case (about a third of the list statement's work).
-- The theme rows stay the truth (statistics and the theme filter use them); triggers keep the
-- copy equal to them whatever code writes them: one statement-level trigger per insert and
-- delete (a bulk load or a cascade updates each case once), one row trigger for an update that
-- moves a row to another case or theme.
ALTER TABLE cases ADD COLUMN themes TEXT;
UPDATE cases c SET themes = t.codes
  FROM (SELECT case_id, string_agg(theme_code, ' ' ORDER BY theme_code) AS codes
          FROM case_themes GROUP BY case_id) t
 WHERE t.case_id = c.id;

CREATE FUNCTION cases_themes_of_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases c
       SET themes = (SELECT string_agg(t.theme_code, ' ' ORDER BY t.theme_code)
                       FROM case_themes t WHERE t.case_id = c.id)
     WHERE c.id IN (SELECT DISTINCT case_id FROM changed);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_themes_added AFTER INSERT ON case_themes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION cases_themes_of_changed();
CREATE TRIGGER case_themes_removed AFTER DELETE ON case_themes
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION cases_themes_of_changed();

CREATE FUNCTION cases_themes_of_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases c
       SET themes = (SELECT string_agg(t.theme_code, ' ' ORDER BY t.theme_code)
                       FROM case_themes t WHERE t.case_id = c.id)
     WHERE c.id IN (OLD.case_id, NEW.case_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_themes_moved AFTER UPDATE OF case_id, theme_code ON case_themes
    FOR EACH ROW WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id
                       OR OLD.theme_code IS DISTINCT FROM NEW.theme_code)
    EXECUTE FUNCTION cases_themes_of_moved();
