-- A fourth role, `partner` (issue 19): a partner account names its partner organisation, as a
-- school account names its school.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('coordinator', 'social_worker', 'school', 'partner'));
ALTER TABLE users ADD CONSTRAINT users_partner_check
    CHECK ((role = 'partner') = (partner_id IS NOT NULL));
