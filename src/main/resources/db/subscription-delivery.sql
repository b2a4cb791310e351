-- Rest-hook deliveries not yet made (the outbox): a row is written when a write matches a Subscription and
-- deleted once the endpoint has taken the notification. The replica named in claimed_by sends it until
-- claimed_until; after that any replica may claim it. Times are epoch milliseconds (no time zones).
CREATE TABLE IF NOT EXISTS infusion_subscription_delivery (
    id CHAR(36) PRIMARY KEY,
    subscription_id VARCHAR(100) NOT NULL,
    payload_id VARCHAR(300) NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_by VARCHAR(100),
    claimed_until BIGINT,
    last_error VARCHAR(1000)
);
CREATE INDEX IF NOT EXISTS infusion_subscription_delivery_due ON infusion_subscription_delivery (due_at);
CREATE INDEX IF NOT EXISTS infusion_subscription_delivery_sub ON infusion_subscription_delivery (subscription_id);
-- What every replica has seen of one Subscription's deliveries, for Subscription/[id]/$delivery-status.
CREATE TABLE IF NOT EXISTS infusion_subscription_delivery_status (
    subscription_id VARCHAR(100) PRIMARY KEY,
    attempts BIGINT NOT NULL,
    delivered BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL,
    consecutive_failures BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    blocked BOOLEAN NOT NULL,
    last_attempt BIGINT,
    last_success BIGINT,
    last_failure BIGINT,
    last_error VARCHAR(1000)
);
