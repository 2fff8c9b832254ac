DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE outbox_events;
DROP TABLE referral_transitions;
DROP TABLE referral_themes;
DROP TABLE referrals;
