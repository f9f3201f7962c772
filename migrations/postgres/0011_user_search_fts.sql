-- The SQLite twin of this migration adds a full-text (FTS5 trigram) table for search;
-- PostgreSQL's trigram index (0009) already serves it, so nothing changes here.
SELECT 1;
