-- The half-way state of a sign-in that needs a second factor: the password was right, the
-- session is not made until the code is. The browser holds a random token in its own cookie
-- (never the session cookie); only its hash is kept. An emailed code is kept hashed with
-- that token, so the table alone cannot be used to find it.
CREATE TABLE sign_in_challenges (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    code_hash TEXT,
    code_sent_at BIGINT,
    tries INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sign_in_challenges_user ON sign_in_challenges (user_id);
CREATE INDEX sign_in_challenges_expires ON sign_in_challenges (expires_at);
