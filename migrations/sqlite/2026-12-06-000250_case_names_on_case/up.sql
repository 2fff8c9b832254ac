-- The names every view of a case shows beside it, on the case row: its school's name and
-- network (`school_name`, `school_network_id`) and its lead worker's name (`lead_worker_name`,
-- NULL without a lead worker). A worker's page of 50 cases joined each case to its school and
-- its lead worker: 100 more index look-ups. The schools and users rows stay the truth; triggers
-- keep the copies equal to them whatever code writes them: a case takes the names when it is
-- written with a school or lead worker, and a school renamed or moved to another network, or a
-- user renamed, updates its cases. (An unknown school leaves '' for the foreign key to refuse.)
ALTER TABLE cases ADD COLUMN school_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN school_network_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN lead_worker_name TEXT;
UPDATE cases
   SET school_name = coalesce((SELECT name FROM schools WHERE schools.id = cases.school_id), ''),
       school_network_id =
           coalesce((SELECT network_id FROM schools WHERE schools.id = cases.school_id), ''),
       lead_worker_name = (SELECT display_name FROM users WHERE users.id = cases.lead_worker_id);

CREATE TRIGGER cases_names_added AFTER INSERT ON cases
BEGIN
    UPDATE cases
       SET school_name = coalesce((SELECT name FROM schools WHERE id = NEW.school_id), ''),
           school_network_id =
               coalesce((SELECT network_id FROM schools WHERE id = NEW.school_id), ''),
           lead_worker_name = (SELECT display_name FROM users WHERE id = NEW.lead_worker_id)
     WHERE id = NEW.id;
END;
CREATE TRIGGER cases_names_moved AFTER UPDATE OF school_id, lead_worker_id ON cases
BEGIN
    UPDATE cases
       SET school_name = coalesce((SELECT name FROM schools WHERE id = NEW.school_id), ''),
           school_network_id =
               coalesce((SELECT network_id FROM schools WHERE id = NEW.school_id), ''),
           lead_worker_name = (SELECT display_name FROM users WHERE id = NEW.lead_worker_id)
     WHERE id = NEW.id;
END;
CREATE TRIGGER schools_names_to_cases AFTER UPDATE OF name, network_id ON schools
    FOR EACH ROW WHEN OLD.name IS NOT NEW.name OR OLD.network_id IS NOT NEW.network_id
BEGIN
    UPDATE cases SET school_name = NEW.name, school_network_id = NEW.network_id
     WHERE school_id = NEW.id;
END;
CREATE TRIGGER users_names_to_cases AFTER UPDATE OF display_name ON users
    FOR EACH ROW WHEN OLD.display_name IS NOT NEW.display_name
BEGIN
    UPDATE cases SET lead_worker_name = NEW.display_name WHERE lead_worker_id = NEW.id;
END;
