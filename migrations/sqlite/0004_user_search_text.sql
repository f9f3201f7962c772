-- What the Invitations dashboard searches: first and last name in both orders and the email,
-- lower-cased (in Rust from now on; SQL's LOWER here for existing rows), so a search is one
-- LIKE over one column instead of expressions over three.
ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE users SET search_text = LOWER(first_name || ' ' || last_name || ' ' || email_key || ' ' || last_name || ' ' || first_name);
