-- API tokens for scripts calling /ws/ (Administration → API tokens). Only the SHA-256 hash of
-- a token is kept; the token itself is shown once, when it is made. A token acts as the
-- System Administrator who made it, and only while that user still is one.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_created_by ON api_tokens (created_by);
-- What an API import was asked with (SHA-256 of its options and body), so the same
-- Idempotency-Key with another request is refused, even after the upload is no longer kept.
ALTER TABLE import_jobs ADD COLUMN request_hash TEXT;
