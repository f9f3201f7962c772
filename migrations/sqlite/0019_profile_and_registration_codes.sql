-- My profile and registration's second factor.
-- An authenticator being set up (or replaced) from My profile, sealed like totp_secret, with
-- the session it was offered to and when: only that session may confirm it, within 15
-- minutes, when it becomes totp_secret (any other visit draws a new one).
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_session BIGINT;
ALTER TABLE users ADD COLUMN totp_pending_at BIGINT;
-- What My profile shows of each session, so the user can tell them apart and end one.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN client_address TEXT;
-- Registration's emailed code for a user whose sign-in security is Email code: kept hashed
-- (with the invitation's id), 10 minutes each, 5 wrong tries and 5 codes per invitation in
-- all, spent by registration.
ALTER TABLE invitations ADD COLUMN email_code_hash TEXT;
ALTER TABLE invitations ADD COLUMN email_code_sent_at BIGINT;
ALTER TABLE invitations ADD COLUMN email_code_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN email_codes_sent INTEGER NOT NULL DEFAULT 0;
