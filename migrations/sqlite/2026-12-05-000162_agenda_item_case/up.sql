-- A worker may link an agenda item to the case it is about, so the family's export lists what
-- was put to the network about it. The link is never shown on the agenda (the item stays
-- anonymised there); erasure removes it.
ALTER TABLE agenda_items ADD COLUMN case_id TEXT REFERENCES cases (id) ON DELETE SET NULL;
CREATE INDEX agenda_items_case ON agenda_items (case_id);
