-- Row outcomes are stored as issue codes (JSON), each with its column; `message` keeps the
-- sentences of rows recorded before.
ALTER TABLE import_job_rows ADD COLUMN problems TEXT;
