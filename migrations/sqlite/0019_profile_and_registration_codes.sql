-- My profile and registration's second factor.
-- An authenticator being set up (or replaced) from My profile, sealed like totp_secret: the
-- same secret on every visit until a code confirms it, when it becomes totp_secret.
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
-- What My profile shows of each session, so the user can tell them apart and end one.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN client_address TEXT;
-- Registration's emailed code for a user whose sign-in security is Email code: kept hashed
-- (with the invitation's id), 10 minutes, 5 tries, spent by registration.
ALTER TABLE invitations ADD COLUMN email_code_hash TEXT;
ALTER TABLE invitations ADD COLUMN email_code_sent_at BIGINT;
ALTER TABLE invitations ADD COLUMN email_code_tries INTEGER NOT NULL DEFAULT 0;
