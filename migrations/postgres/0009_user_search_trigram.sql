-- Search matches any part of a name or email (`search_text LIKE '%ann%'`), which a b-tree cannot
-- serve: at 100,000 users every search read every row. A trigram index can. pg_trgm ships with
-- PostgreSQL and is a trusted extension (the database's owner may create it); where it is not
-- available or not allowed, search keeps working without the index.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX IF NOT EXISTS users_search_trgm ON users USING gin (search_text gin_trgm_ops);
    ELSE
        RAISE NOTICE 'pg_trgm is not available: user search runs without a trigram index';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm could not be created here: user search runs without a trigram index';
END
$$;
