ALTER TABLE checklist_submissions DROP COLUMN advice_for_school;
