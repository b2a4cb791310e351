-- Our tables for the embedded authorization server: a migration (SchemaMigrations), run at start-up on H2 and
-- by the migrate command on PostgreSQL. Spring Authorization Server's own tables follow its published schema
-- (oauth2-authorization-schema.sql, oauth2-authorization-consent-schema.sql in its jar).
CREATE TABLE IF NOT EXISTS auth_user (
    name varchar(100) NOT NULL,
    password_hash varchar(200) NOT NULL,
    fhir_user varchar(200) NOT NULL,
    disabled boolean DEFAULT FALSE NOT NULL,
    failed_sign_ins integer DEFAULT 0 NOT NULL,
    locked_until timestamptz DEFAULT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (name)
);
CREATE TABLE IF NOT EXISTS auth_revoked_token (
    jti varchar(100) NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (jti)
);
CREATE TABLE IF NOT EXISTS auth_launch (
    launch varchar(100) NOT NULL,
    client_id varchar(100) NOT NULL,
    patient varchar(100) NOT NULL,
    encounter varchar(100) DEFAULT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (launch)
);
CREATE TABLE IF NOT EXISTS oauth2_authorization_consent (
    registered_client_id varchar(100) NOT NULL,
    principal_name varchar(200) NOT NULL,
    authorities varchar(1000) NOT NULL,
    PRIMARY KEY (registered_client_id, principal_name)
);
CREATE TABLE IF NOT EXISTS oauth2_authorization (
    id varchar(100) NOT NULL,
    registered_client_id varchar(100) NOT NULL,
    principal_name varchar(200) NOT NULL,
    authorization_grant_type varchar(100) NOT NULL,
    authorized_scopes varchar(1000) DEFAULT NULL,
    attributes text DEFAULT NULL,
    state varchar(500) DEFAULT NULL,
    authorization_code_value text DEFAULT NULL,
    authorization_code_issued_at timestamptz DEFAULT NULL,
    authorization_code_expires_at timestamptz DEFAULT NULL,
    authorization_code_metadata text DEFAULT NULL,
    access_token_value text DEFAULT NULL,
    access_token_issued_at timestamptz DEFAULT NULL,
    access_token_expires_at timestamptz DEFAULT NULL,
    access_token_metadata text DEFAULT NULL,
    access_token_type varchar(100) DEFAULT NULL,
    access_token_scopes varchar(1000) DEFAULT NULL,
    oidc_id_token_value text DEFAULT NULL,
    oidc_id_token_issued_at timestamptz DEFAULT NULL,
    oidc_id_token_expires_at timestamptz DEFAULT NULL,
    oidc_id_token_metadata text DEFAULT NULL,
    refresh_token_value text DEFAULT NULL,
    refresh_token_issued_at timestamptz DEFAULT NULL,
    refresh_token_expires_at timestamptz DEFAULT NULL,
    refresh_token_metadata text DEFAULT NULL,
    user_code_value text DEFAULT NULL,
    user_code_issued_at timestamptz DEFAULT NULL,
    user_code_expires_at timestamptz DEFAULT NULL,
    user_code_metadata text DEFAULT NULL,
    device_code_value text DEFAULT NULL,
    device_code_issued_at timestamptz DEFAULT NULL,
    device_code_expires_at timestamptz DEFAULT NULL,
    device_code_metadata text DEFAULT NULL,
    PRIMARY KEY (id)
);
