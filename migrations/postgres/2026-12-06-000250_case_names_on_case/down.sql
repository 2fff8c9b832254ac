DROP TRIGGER users_names_to_cases ON users;
DROP TRIGGER schools_names_to_cases ON schools;
DROP TRIGGER cases_names ON cases;
DROP FUNCTION cases_names_of_user();
DROP FUNCTION cases_names_of_school();
DROP FUNCTION cases_names_of_own();
ALTER TABLE cases DROP COLUMN lead_worker_name, DROP COLUMN school_network_id, DROP COLUMN school_name;
