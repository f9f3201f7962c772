-- The status order (and Pending / Expired) reads the expiry as COALESCE(invitation_expires_at,
-- 0), so a user never invited sorts first within their status on both databases. An index on
-- that very expression (with the id that ends the order) gives the order directly instead of a
-- sort of every user (123 ms at a million users), and still serves counting the expired.
DROP INDEX users_invitation_status;
CREATE INDEX users_invitation_status ON users (invitation_status, COALESCE(invitation_expires_at, 0), id);
