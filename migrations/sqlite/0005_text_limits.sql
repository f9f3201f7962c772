-- Every stored text field has a length limit, the same as the shared rules in app::rules
-- (names 150, email 64, phone 16 in E.164, site 100, language 16, external ID 100, an
-- import's source name 200). The rules refuse first with a field message; these are the last
-- word for any path that skips them. SQLite cannot add a CHECK to an existing table, so
-- triggers refuse the write instead.
CREATE TRIGGER users_text_limits_on_insert BEFORE INSERT ON users
WHEN length(NEW.first_name) > 150 OR length(NEW.last_name) > 150 OR length(NEW.email) > 64
    OR length(NEW.phone) > 16 OR length(NEW.site) > 100 OR length(NEW.language) > 16
    OR length(NEW.external_id) > 100
BEGIN
    SELECT RAISE(ABORT, 'users: a text field is longer than its limit');
END;

CREATE TRIGGER users_text_limits_on_update BEFORE UPDATE ON users
WHEN length(NEW.first_name) > 150 OR length(NEW.last_name) > 150 OR length(NEW.email) > 64
    OR length(NEW.phone) > 16 OR length(NEW.site) > 100 OR length(NEW.language) > 16
    OR length(NEW.external_id) > 100
BEGIN
    SELECT RAISE(ABORT, 'users: a text field is longer than its limit');
END;

CREATE TRIGGER import_jobs_source_limit BEFORE INSERT ON import_jobs
WHEN length(NEW.source) > 200
BEGIN
    SELECT RAISE(ABORT, 'import_jobs: the source name is longer than its limit');
END;
