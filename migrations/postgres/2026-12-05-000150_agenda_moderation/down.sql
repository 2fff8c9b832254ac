ALTER TABLE agenda_items DROP COLUMN updated_at;
ALTER TABLE agenda_items DROP COLUMN return_reason;
ALTER TABLE agenda_items DROP COLUMN status;
