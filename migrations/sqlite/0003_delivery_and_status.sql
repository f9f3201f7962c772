-- Invitation status lives on the user row so the dashboard can filter, count and page through
-- 100,000 users with indexed queries. 'pending' past invitation_expires_at reads as Expired.
ALTER TABLE users ADD COLUMN invitation_status TEXT NOT NULL DEFAULT 'not_invited'
    CHECK (invitation_status IN ('not_invited', 'pending', 'registered', 'send_failed'));
ALTER TABLE users ADD COLUMN invited_at BIGINT;
ALTER TABLE users ADD COLUMN invitation_expires_at BIGINT;
ALTER TABLE users ADD COLUMN import_job_id BIGINT REFERENCES import_jobs (id);

UPDATE users SET
    invited_at = (SELECT sent_at FROM invitations i WHERE i.user_id = users.id AND i.purpose = 'invitation'
                  ORDER BY i.id DESC LIMIT 1),
    invitation_expires_at = (SELECT expires_at FROM invitations i WHERE i.user_id = users.id AND i.purpose = 'invitation'
                  AND i.revoked_at IS NULL ORDER BY i.id DESC LIMIT 1),
    import_job_id = (SELECT job_id FROM import_job_rows r WHERE r.user_id = users.id AND r.outcome = 'created'
                  ORDER BY r.job_id LIMIT 1);
UPDATE users SET invitation_status = 'pending' WHERE invitation_expires_at IS NOT NULL;
UPDATE users SET invitation_status = 'registered' WHERE registered_at IS NOT NULL;

CREATE INDEX users_invitation_status ON users (invitation_status, invitation_expires_at);
CREATE INDEX users_import_job ON users (import_job_id, invitation_status);
CREATE INDEX users_invited_at ON users (invited_at);
CREATE INDEX users_kind_name ON users (kind, last_name, first_name);

-- At most one open (not accepted, not revoked) link per user and purpose: the database, not
-- the code, guarantees that concurrent resends leave exactly one valid token.
UPDATE invitations SET revoked_at = sent_at WHERE accepted_at IS NULL AND revoked_at IS NULL
    AND id NOT IN (SELECT MAX(id) FROM invitations GROUP BY user_id, purpose);
CREATE UNIQUE INDEX invitations_one_open ON invitations (user_id, purpose)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Delivery states: a message is claimed ('sending') before it is handed to SMTP and never
-- handed over again once claimed, so none is sent twice; 'cancelled' when its link was revoked
-- before it went out. The body holds {{TOKEN}} where the link's token goes: the token is made
-- when the message is sent, so no usable link is stored.
CREATE TABLE email_outbox_new (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    invitation_id BIGINT REFERENCES invitations (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_at BIGINT,
    sent_at BIGINT,
    last_error TEXT
);
INSERT INTO email_outbox_new (id, to_address, subject, body_text, body_html, invitation_id, created_at,
        status, attempts, next_attempt_at, sent_at, last_error)
    SELECT id, to_address, subject, body_text, body_html, invitation_id, created_at,
        status, attempts, next_attempt_at, sent_at, last_error FROM email_outbox;
DROP TABLE email_outbox;
ALTER TABLE email_outbox_new RENAME TO email_outbox;
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
CREATE INDEX email_outbox_invitation ON email_outbox (invitation_id);

-- The embedded default's delivery target: with no SMTP configured, sent mail lands here and
-- the Mailbox page shows it.
CREATE TABLE local_mailbox (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    delivered_at BIGINT NOT NULL
);

-- Before this migration nothing sent the outbox: its messages were shown as the mailbox. They
-- move to the local mailbox as delivered, so the new sender never sends them (or their links).
INSERT INTO local_mailbox (to_address, subject, body_text, body_html, delivered_at)
    SELECT to_address, subject, body_text, body_html, created_at FROM email_outbox ORDER BY id;
UPDATE email_outbox SET status = 'sent', sent_at = created_at WHERE status = 'queued';
