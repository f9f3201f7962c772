-- Imports run as jobs: the upload queues one, a runner in any app server claims it, and its
-- progress is written where every app server can read it. Statuses: queued, running,
-- completed, failed (refused, nothing written), cancelled, interrupted (its server stopped;
-- nothing was written, and it can be run again from what was uploaded).
ALTER TABLE import_jobs ADD COLUMN phase TEXT;
ALTER TABLE import_jobs ADD COLUMN progress_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN progress_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN runner TEXT;
ALTER TABLE import_jobs ADD COLUMN started_at BIGINT;
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT;
ALTER TABLE import_jobs ADD COLUMN cancel_requested BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN failure TEXT;
CREATE INDEX import_jobs_status ON import_jobs (status, id);

-- What was uploaded for a job, kept until it ends plus the retention period so that a job
-- interrupted by a restart can run again without a second upload.
CREATE TABLE import_uploads (
    job_id BIGINT PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    request TEXT NOT NULL,
    source BYTEA NOT NULL,
    size_bytes BIGINT NOT NULL,
    keep_until BIGINT
);
CREATE INDEX import_uploads_keep_until ON import_uploads (keep_until);

-- Email about the admin's own work (an import finished) goes before the invitations that work
-- queued: 100,000 invitations take a while to deliver.
ALTER TABLE email_outbox ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
CREATE INDEX email_outbox_by_priority ON email_outbox (status, priority DESC, id);
