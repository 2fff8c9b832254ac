ALTER TABLE cases DROP COLUMN feedback_consent_id;
