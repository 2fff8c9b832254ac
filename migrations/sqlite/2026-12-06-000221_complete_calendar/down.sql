DROP TABLE worker_absences;
DROP INDEX closed_periods_school;
ALTER TABLE closed_periods DROP COLUMN school_id;
