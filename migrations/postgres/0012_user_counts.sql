-- How many users there are of each kind, organization (0: none) and stored invitation status,
-- kept by triggers on every write to users. All users' "N users" and the Invitations
-- dashboard's counts per status read these few rows instead of counting every user (90–300 ms
-- at a million users). Each statement that writes users appends its changes as rows of their
-- own (never updating a shared row, so concurrent imports and edits never wait for each
-- other's counts); readers sum them, and `user_counts::read` folds them together from time to
-- time.
CREATE TABLE user_counts (
    kind TEXT NOT NULL,
    organization_id BIGINT NOT NULL,
    invitation_status TEXT NOT NULL,
    n BIGINT NOT NULL
);
CREATE INDEX user_counts_group ON user_counts (kind, organization_id, invitation_status);
INSERT INTO user_counts (kind, organization_id, invitation_status, n)
SELECT kind, COALESCE(organization_id, 0), invitation_status, COUNT(*) FROM users GROUP BY 1, 2, 3;

CREATE FUNCTION user_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts (kind, organization_id, invitation_status, n)
    SELECT kind, COALESCE(organization_id, 0), invitation_status, COUNT(*)
    FROM new_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END
$$;
CREATE FUNCTION user_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts (kind, organization_id, invitation_status, n)
    SELECT kind, COALESCE(organization_id, 0), invitation_status, -COUNT(*)
    FROM old_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END
$$;
-- An update writes a row only where a group's count changed (most updates change none).
CREATE FUNCTION user_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts (kind, organization_id, invitation_status, n)
    SELECT kind, organization_id, invitation_status, SUM(n) FROM (
        SELECT kind, COALESCE(organization_id, 0) AS organization_id, invitation_status, 1 AS n
        FROM new_rows
        UNION ALL
        SELECT kind, COALESCE(organization_id, 0), invitation_status, -1 FROM old_rows
    ) changes GROUP BY 1, 2, 3 HAVING SUM(n) <> 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER user_counts_after_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_after_insert();
CREATE TRIGGER user_counts_after_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_after_delete();
CREATE TRIGGER user_counts_after_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION user_counts_after_update();
