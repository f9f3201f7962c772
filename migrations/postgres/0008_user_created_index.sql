-- All users sorts by when an account was created; without an index that sorted every row
-- (27 ms on SQLite, 42 ms on PostgreSQL at 100,000 users).
CREATE INDEX users_created ON users (created_at, id);
