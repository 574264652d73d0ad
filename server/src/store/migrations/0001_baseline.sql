-- Version 1: the tables of the release before versioned migrations (main at c60f7b6), exactly
-- as it created them, each `IF NOT EXISTS`: on a database that release made this changes
-- nothing and only records the version; on an empty one it creates everything.

-- The webhook event log: one row per Stripe event ID.
CREATE TABLE IF NOT EXISTS checkout_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    session_id TEXT,
    client_reference_id TEXT,
    payment_status TEXT,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload TEXT NOT NULL
);

-- Which session each return link's state (as SHA-256) belongs to.
CREATE TABLE IF NOT EXISTS checkout_return_links (
    state_sha256 TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    keep_until BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS checkout_return_links_keep ON checkout_return_links (keep_until);

-- The session registry: every session created through the server, with its reconciliation
-- state and schedule.
CREATE TABLE IF NOT EXISTS checkout_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    checks BIGINT NOT NULL DEFAULT 0,
    next_check_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS checkout_sessions_due ON checkout_sessions (next_check_at)
    WHERE state IN ('open', 'processing');

-- One row per fulfilled session.
CREATE TABLE IF NOT EXISTS checkout_fulfilments (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    payment_intent TEXT,
    fulfilled_at BIGINT NOT NULL,
    livemode BOOLEAN NOT NULL,
    record TEXT NOT NULL,
    amount_refunded BIGINT NOT NULL DEFAULT 0,
    refunded BOOLEAN NOT NULL DEFAULT FALSE,
    disputed BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS checkout_fulfilments_user ON checkout_fulfilments (user_id, fulfilled_at, session_id);
CREATE INDEX IF NOT EXISTS checkout_fulfilments_payment_intent ON checkout_fulfilments (payment_intent);

-- Deliveries to the merchant, keyed by the idempotency key the merchant sees.
CREATE TABLE IF NOT EXISTS checkout_outbox (
    delivery_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    session_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    delivered_at BIGINT,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS checkout_outbox_due ON checkout_outbox (next_attempt_at)
    WHERE delivered_at IS NULL;
