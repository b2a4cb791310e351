-- Client assertions already used (SMART Backend Services, private_key_jwt): one row per client and jti,
-- kept until the assertion expires, so a replay to any replica is refused (the same SQL on H2 and PostgreSQL).
CREATE TABLE IF NOT EXISTS infusion_used_jwt_id (
    client_id VARCHAR(200) NOT NULL,
    jti_hash CHAR(64) NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);
CREATE INDEX IF NOT EXISTS infusion_used_jwt_id_expiry ON infusion_used_jwt_id (expires_at);
