-- Each import row's outcome keeps the email it concerned, so results can be downloaded again
-- from the history.
ALTER TABLE import_job_rows ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE INDEX import_jobs_created ON import_jobs (created_at);
