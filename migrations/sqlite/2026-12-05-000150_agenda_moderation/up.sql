-- Agenda items are moderated: a school's item is `proposed` (seen by its own school, the
-- network's workers and the coordinator) until a worker or the coordinator releases it to the
-- other schools, or returns it with a reason; the author or a moderator can withdraw it.
-- Items already on an agenda were read by the whole network: they stay `released`.
ALTER TABLE agenda_items ADD COLUMN status TEXT NOT NULL DEFAULT 'released';
ALTER TABLE agenda_items ADD COLUMN return_reason TEXT;
ALTER TABLE agenda_items ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00';
UPDATE agenda_items SET updated_at = created_at;
