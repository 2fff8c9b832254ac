-- Partner accounts (issue 19): a `partner` user is bound to one partner organisation, as a
-- `school` user is bound to one school. The organisation is on the account and in its token.
ALTER TABLE users ADD COLUMN partner_id TEXT REFERENCES partners (id);
CREATE INDEX users_partner ON users (partner_id);

-- A refer_to_partner consent may let the partner see the family's contact data.
ALTER TABLE case_consents ADD COLUMN share_contact_with_partner BOOLEAN NOT NULL DEFAULT FALSE;

-- A step the partner took, recorded by a worker after a phone call, is marked as such.
ALTER TABLE referral_transitions ADD COLUMN on_behalf_of_partner BOOLEAN NOT NULL DEFAULT FALSE;

-- The thread between the case team and the partner's accounts, one per referral. `side` is
-- who wrote (case_team or partner); `read_at` is when the other side first read it.
CREATE TABLE referral_messages (
    id TEXT NOT NULL PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES users (id),
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX referral_messages_referral ON referral_messages (referral_id, at);

-- Events about a partner's referrals carry the partner, so a partner account polls and
-- subscribes to its own only; subscriptions a partner account made are owned by its partner.
ALTER TABLE outbox_events ADD COLUMN partner_id TEXT;
CREATE INDEX outbox_events_partner ON outbox_events (partner_id, position);
ALTER TABLE webhook_subscriptions ADD COLUMN partner_id TEXT REFERENCES partners (id);
