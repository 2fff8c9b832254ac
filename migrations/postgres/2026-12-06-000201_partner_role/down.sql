DELETE FROM users WHERE role = 'partner';
ALTER TABLE users DROP CONSTRAINT users_partner_check;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('coordinator', 'social_worker', 'school'));
