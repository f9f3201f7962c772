-- A link email's wording is the same for every invitee of one write but their name and link:
-- storing it whole in each outbox row wrote about 1 KB per email (500 MB for a 500,000-row
-- import). Now each write that queues link emails stores its wording once (per 5,000), here, with
-- {{NAME}} and {{TOKEN}} where the recipient's name and link token go; each outbox row keeps
-- the recipient's name and the template's id, and the sender fills them in (see `delivery`).
-- Templates are never changed nor deleted. No foreign key: each one costs a check per
-- outbox row, and nothing deletes a template.
CREATE TABLE email_templates (
    id INTEGER PRIMARY KEY,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE email_outbox ADD COLUMN template_id BIGINT;
ALTER TABLE email_outbox ADD COLUMN recipient_name TEXT;
