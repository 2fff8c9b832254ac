ALTER TABLE webhook_subscriptions DROP COLUMN partner_id;
DROP INDEX outbox_events_partner;
ALTER TABLE outbox_events DROP COLUMN partner_id;
DROP TABLE referral_messages;
ALTER TABLE referral_transitions DROP COLUMN on_behalf_of_partner;
ALTER TABLE case_consents DROP COLUMN share_contact_with_partner;
DROP INDEX users_partner;
ALTER TABLE users DROP COLUMN partner_id;
