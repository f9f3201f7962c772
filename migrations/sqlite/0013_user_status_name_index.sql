-- A status filter in name order (All users and the Invitations dashboard by default) read
-- every user of that status and sorted them: 140 ms for 200,000 expired invitations among a
-- million users. In this index the users of one status are already in name order, so a page
-- stops after its fifty; the expiry rides along to tell Pending from Expired without reading
-- the row.
CREATE INDEX users_status_name ON users (invitation_status, last_name, first_name, invitation_expires_at);
