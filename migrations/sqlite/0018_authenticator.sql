-- Sign-in security "Authenticator app". The secret (sealed with the server's key) is offered
-- on the open invitation until registration, then kept on the user with the last TOTP step
-- used, so a code works once. Recovery codes are kept hashed; each works once.
ALTER TABLE invitations ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
