DROP TABLE allocation_plan_lines;
DROP TABLE allocation_plans;
ALTER TABLE schools DROP COLUMN wish_end_time;
ALTER TABLE schools DROP COLUMN wish_start_time;
ALTER TABLE schools DROP COLUMN wish_weekdays;
ALTER TABLE users DROP COLUMN weekly_capacity_hours;
