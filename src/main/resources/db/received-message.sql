-- HL7 v2 messages stored: the resend key is the sender (MSH-3 and MSH-4), MSH-10 and a hash of the message.
-- The same key again is a resend; the primary key makes the check hold across replicas.
CREATE TABLE IF NOT EXISTS infusion_received_message (
    sender VARCHAR(200) NOT NULL,
    control_id VARCHAR(200) NOT NULL,
    content_hash CHAR(64) NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sender, control_id, content_hash)
);
