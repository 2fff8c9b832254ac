DROP TRIGGER users_names_to_cases;
DROP TRIGGER schools_names_to_cases;
DROP TRIGGER cases_names_moved;
DROP TRIGGER cases_names_added;
ALTER TABLE cases DROP COLUMN lead_worker_name;
ALTER TABLE cases DROP COLUMN school_network_id;
ALTER TABLE cases DROP COLUMN school_name;
