-- Failed sign-ins in the last 15 minutes, by account (the lower-cased email as typed, whether
-- or not an account has it) and by client address, so every app server throttles alike.
CREATE TABLE sign_in_failures (
    id BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, failed_at);
