-- Allocation that finishes the job: a worker's weekly capacity, a school's wished weekdays and
-- times, and stored plans (worker × school × mode, line by line) that become assignments.
ALTER TABLE users ADD COLUMN weekly_capacity_hours INTEGER CHECK (weekly_capacity_hours IS NULL OR (weekly_capacity_hours >= 0 AND weekly_capacity_hours <= 60));
-- ISO weekdays (1 = Monday), comma-separated; '' for no wish.
ALTER TABLE schools ADD COLUMN wish_weekdays TEXT NOT NULL DEFAULT '';
ALTER TABLE schools ADD COLUMN wish_start_time TIME;
ALTER TABLE schools ADD COLUMN wish_end_time TIME;

CREATE TABLE allocation_plans (
    id TEXT PRIMARY KEY,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'applied')),
    created_by TEXT NOT NULL REFERENCES users (id),
    applied_at TIMESTAMP,
    applied_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (period_from <= period_to)
);

CREATE TABLE allocation_plan_lines (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES allocation_plans (id) ON DELETE CASCADE,
    worker_id TEXT NOT NULL REFERENCES users (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    mode TEXT NOT NULL CHECK (mode IN ('office_hours', 'consult', 'spoc')),
    weekday INTEGER CHECK (weekday IS NULL OR (weekday >= 1 AND weekday <= 7)),
    start_time TIME,
    end_time TIME,
    -- Hours a week the line takes of the worker's capacity.
    hours DOUBLE PRECISION NOT NULL CHECK (hours >= 0),
    -- JSON array of reasons (codes with their values), rendered in the reader's language.
    reasons TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((mode = 'office_hours') = (weekday IS NOT NULL AND start_time IS NOT NULL AND end_time IS NOT NULL))
);
CREATE INDEX allocation_plan_lines_plan ON allocation_plan_lines (plan_id);
