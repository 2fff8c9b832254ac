-- A submission closed without a case (`no_action`) can carry advice the worker writes for the
-- school; the worker's own reason stays the worker's.
ALTER TABLE checklist_submissions ADD COLUMN advice_for_school TEXT;
