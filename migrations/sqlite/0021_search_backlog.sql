-- The search index (users_search, 0011) for the users an import creates is written after the
-- import commits, by `search_backlog` in the app, instead of row by row inside the import's
-- one transaction: tokenizing every user's search text into trigrams took about a quarter of
-- a large import's write (500,000 users). Until then their ids are listed here, as runs of
-- consecutive ids, and search reads those users' search_text directly, so an imported user
-- is found at once either way.
CREATE TABLE users_search_backlog (
    first_id INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL
);
-- A user an import creates is left to the backlog; every other insert is indexed at once.
DROP TRIGGER users_search_after_insert;
CREATE TRIGGER users_search_after_insert AFTER INSERT ON users
WHEN new.import_job_id IS NULL BEGIN
    INSERT INTO users_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- A user still in the backlog is not in the index: there is nothing to delete (deleting what
-- is not there would damage it); the backlog indexes the text as it is then. Deleting the
-- last user of a run shortens the run to the last of its users still there (none: the run
-- goes): SQLite gives the next new user the highest id + 1, which may be a deleted user's,
-- and that user is indexed by the insert trigger or listed by the next import, never by this
-- run. (One trigger: the order in which several triggers fire is not defined.)
DROP TRIGGER users_search_after_delete;
CREATE TRIGGER users_search_after_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, search_text)
    SELECT 'delete', old.id, old.search_text
    WHERE NOT EXISTS (
        SELECT 1 FROM users_search_backlog b WHERE old.id BETWEEN b.first_id AND b.last_id
    );
    UPDATE users_search_backlog
    SET last_id = COALESCE(
        (SELECT MAX(u.id) FROM users u WHERE u.id BETWEEN first_id AND old.id - 1),
        first_id - 1)
    WHERE last_id = old.id;
    DELETE FROM users_search_backlog WHERE last_id < first_id;
END;
DROP TRIGGER users_search_after_update;
CREATE TRIGGER users_search_after_update AFTER UPDATE OF search_text ON users
WHEN new.search_text IS NOT old.search_text
 AND NOT EXISTS (SELECT 1 FROM users_search_backlog b WHERE old.id BETWEEN b.first_id AND b.last_id)
BEGIN
    INSERT INTO users_search (users_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO users_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
