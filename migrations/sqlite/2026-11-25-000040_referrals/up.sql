-- Referrals of a case to a partner service (a closed loop after FHIR's referral Task), their
-- status history, and the event outbox with webhook subscriptions and deliveries.
-- The message for the partner and the partner's free-text answers are nullable so that
-- erasure can remove them and keep the statistical skeleton (dates, statuses, partner).
CREATE TABLE referrals (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id),
    -- The service's partner, kept here for consent checks and statistics.
    partner_id TEXT NOT NULL REFERENCES partners (id),
    message_for_partner TEXT,
    urgency TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'urgent')),
    follow_up_on DATE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'in_progress', 'on_hold', 'completed', 'failed', 'cancelled')),
    consent_override_basis TEXT CHECK (consent_override_basis IN ('vital_interest', 'legal_obligation')),
    consent_override_reason TEXT,
    partner_contact_name TEXT,
    decline_reason TEXT,
    outcome TEXT,
    sent_at TIMESTAMP,
    answered_at TIMESTAMP,
    completed_at TIMESTAMP,
    last_transition_at TIMESTAMP NOT NULL,
    -- The day of the last transition, so that "no transition after follow_up_on" is a plain
    -- date comparison on both backends.
    last_transition_on DATE NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((status = 'draft') = (sent_at IS NULL) OR status = 'cancelled')
);
CREATE INDEX referrals_case ON referrals (case_id, created_at);
CREATE INDEX referrals_created ON referrals (created_at, id);
CREATE INDEX referrals_partner ON referrals (partner_id, service_id);
CREATE INDEX referrals_status_follow_up ON referrals (status, follow_up_on);

CREATE TABLE referral_themes (
    referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (referral_id, theme_code)
);

CREATE TABLE referral_transitions (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    at TIMESTAMP NOT NULL,
    comment TEXT
);
CREATE INDEX referral_transitions_referral ON referral_transitions (referral_id, at);

-- The outbox: every case and referral status change, written in the transaction of the change.
-- `position` is the stream's order (GET /api/v1/events?after=); no personal data in `payload`.
CREATE TABLE outbox_events (
    position INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    -- JSON array of event types; ["*"] for all.
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per (event, subscription): its id is the delivery id the receiver sees, the same on
-- every retry. `locked_until`/`claimed_by` let several instances share the work: a row is
-- claimed for a short lease (PostgreSQL: FOR UPDATE SKIP LOCKED) and released with the result.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_position BIGINT NOT NULL REFERENCES outbox_events (position),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    claimed_by TEXT,
    last_attempt_at TIMESTAMP,
    last_status_code INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, event_position)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
