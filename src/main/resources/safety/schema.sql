-- The safety monitor's episode key (the same SQL on H2 and PostgreSQL), a migration (SchemaMigrations).
-- One row per patient and rule (or per infusion and the discharge rule). Evaluations lock the row with
-- SELECT ... FOR UPDATE before they read or write the alert, so readings of one patient arriving on two
-- replicas at once cannot open two alerts for one episode.
CREATE TABLE IF NOT EXISTS safety_episode (
    subject varchar(200) NOT NULL,
    rule_code varchar(100) NOT NULL,
    alert varchar(200) DEFAULT NULL,
    in_episode boolean DEFAULT FALSE NOT NULL,
    last_crossing bigint DEFAULT NULL,
    PRIMARY KEY (subject, rule_code)
);
