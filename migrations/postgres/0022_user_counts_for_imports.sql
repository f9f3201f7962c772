-- The SQLite twin of this migration counts an import's users per group instead of per row;
-- PostgreSQL's user_counts trigger runs once per statement already (0012), so nothing
-- changes here.
SELECT 1;
