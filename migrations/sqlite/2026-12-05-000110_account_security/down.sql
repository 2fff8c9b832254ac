ALTER TABLE users DROP COLUMN password_reset_by;
ALTER TABLE users DROP COLUMN password_reset_at;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN credentials_version;
