-- Who started each Bulk Data export (HAPI's batch job instance id): the token's client_id, sub and, for a
-- patient-context token, its patient. Only the same client, subject and patient may poll, cancel or download it.
CREATE TABLE IF NOT EXISTS infusion_export_owner (
    job_id VARCHAR(100) PRIMARY KEY,
    client_id VARCHAR(200),
    subject VARCHAR(200),
    patient VARCHAR(200),
    started_at TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS infusion_export_owner_started ON infusion_export_owner (started_at);
