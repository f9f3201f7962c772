-- Every stored text field has a length limit, the same as the shared rules in app::rules
-- (names 150, email 64, phone 16 in E.164, site 100, language 16, external ID 100, an
-- import's source name 200). The rules refuse first with a field message; these are the last
-- word for any path that skips them. NOT VALID: rows written before are not re-checked.
ALTER TABLE users ADD CONSTRAINT users_text_limits CHECK (
    char_length(first_name) <= 150 AND char_length(last_name) <= 150
    AND char_length(email) <= 64 AND char_length(phone) <= 16 AND char_length(site) <= 100
    AND char_length(language) <= 16 AND char_length(external_id) <= 100
) NOT VALID;

ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_source_limit
    CHECK (char_length(source) <= 200) NOT VALID;
