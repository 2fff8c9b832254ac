DROP INDEX agenda_items_case;
ALTER TABLE agenda_items DROP COLUMN case_id;
