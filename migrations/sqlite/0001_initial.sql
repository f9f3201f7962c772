-- Times are Unix seconds (BIGINT); booleans are 0/1 integers, the same on both backends.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    applies_to TEXT NOT NULL CHECK (applies_to IN ('technician', 'end_user')),
    is_system_admin BIGINT NOT NULL DEFAULT 0,
    is_default BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('technician', 'end_user')),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- Normalised in Rust (SQLite's lower() folds ASCII only); the unique index judges races.
    email_key TEXT NOT NULL,
    phone TEXT,
    external_id TEXT,
    organization_id BIGINT REFERENCES organizations (id),
    user_type TEXT NOT NULL DEFAULT 'standard' CHECK (user_type IN ('standard', 'privileged')),
    site TEXT NOT NULL DEFAULT 'HQ',
    language TEXT NOT NULL DEFAULT 'en',
    idle_warning_minutes BIGINT NOT NULL DEFAULT 60 CHECK (idle_warning_minutes BETWEEN 1 AND 1440),
    notify_by_email BIGINT NOT NULL DEFAULT 1,
    notify_by_sms BIGINT NOT NULL DEFAULT 0,
    mfa_method TEXT NOT NULL DEFAULT 'none' CHECK (mfa_method IN ('none', 'email', 'authenticator')),
    password_hash TEXT,
    registered_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((kind = 'end_user' AND organization_id IS NOT NULL)
        OR (kind = 'technician' AND organization_id IS NULL))
);
CREATE UNIQUE INDEX users_email_key_unique ON users (email_key);
CREATE UNIQUE INDEX users_external_id_unique ON users (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX users_organization ON users (organization_id);
CREATE INDEX users_name ON users (last_name, first_name);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('technician', 'end_user')),
    organization_id BIGINT REFERENCES organizations (id),
    source TEXT NOT NULL,
    options TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    status TEXT NOT NULL,
    total_rows BIGINT NOT NULL DEFAULT 0,
    created_count BIGINT NOT NULL DEFAULT 0,
    updated_count BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE import_job_rows (
    job_id BIGINT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    row_number BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'skipped', 'failed')),
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    message TEXT,
    PRIMARY KEY (job_id, row_number)
);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    import_job_id BIGINT REFERENCES import_jobs (id),
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX invitations_user ON invitations (user_id, sent_at);

CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    invitation_id BIGINT REFERENCES invitations (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);

INSERT INTO roles (name, applies_to, is_system_admin, is_default) VALUES
    ('System Administrator', 'technician', 1, 0),
    ('Help Desk Technician', 'technician', 0, 0),
    ('Help Desk Manager', 'technician', 0, 0),
    ('Read-only Technician', 'technician', 0, 0),
    ('Requester', 'end_user', 0, 1),
    ('Approver', 'end_user', 0, 0),
    ('VIP Requester', 'end_user', 0, 0);
