-- The SQLite twin of this migration lets an import's users be indexed for search after the
-- import commits (FTS5 row triggers); PostgreSQL's trigram index is kept by PostgreSQL itself,
-- so nothing changes here.
SELECT 1;
