ALTER TABLE cases DROP COLUMN follow_up_on;
DROP TABLE inbox_seen;
