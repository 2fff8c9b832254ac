DROP TABLE case_contact_history;
DROP TABLE case_need_history;
ALTER TABLE case_contacts DROP COLUMN updated_at;
ALTER TABLE case_needs DROP COLUMN updated_at;
ALTER TABLE case_needs DROP COLUMN state;
