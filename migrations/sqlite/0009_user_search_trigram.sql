-- The PostgreSQL twin of this migration adds a trigram index for search; SQLite has none
-- that serves LIKE '%...%' without a separate full-text table, so nothing changes here.
SELECT 1;
