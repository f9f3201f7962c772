-- Search (`search_text` contains what was typed) read every user on SQLite: 56 ms at 100,000
-- users, about ten times that at a million. An FTS5 table with the trigram tokenizer (SQLite
-- 3.34+, built into the bundled library) indexes every three-character piece of search_text,
-- so a search of three or more characters reads only the users that contain it; shorter ones
-- still read every row. External content: the text is stored once, in users, and these
-- triggers keep the index in step with every write to it.
CREATE VIRTUAL TABLE users_search USING fts5(
    search_text, content = 'users', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO users_search (users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER users_search_after_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER users_search_after_update AFTER UPDATE OF search_text ON users
WHEN new.search_text IS NOT old.search_text BEGIN
    INSERT INTO users_search (users_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO users_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
