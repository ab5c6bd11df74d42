-- Tokens are bound to one account instance, not only to its user_id (issue 10).
-- account_id is random per row: a user_id reused after a deletion gets a new one, so the
-- old account's tokens never fit. token_generation grows when every token of an account
-- is revoked at once (password change, log out everywhere). Existing rows each get their
-- own random id (the default is volatile, so it is evaluated per row).
ALTER TABLE users ADD COLUMN account_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0;

-- Login counters of an account name its user, so they are deleted with the account.
ALTER TABLE login_failures ADD COLUMN user_id text;
CREATE INDEX login_failures_user_idx ON login_failures (user_id) WHERE user_id IS NOT NULL;

-- Emails are now compared NFKC-normalized (look-alikes such as fullwidth letters are one
-- address). Re-normalize stored rows where that changes the form, except where two rows
-- would collide: those keep their old form (their owners still log in by user_id), so
-- the migration never fails on existing data. normalize() needs a UTF8 database.
DO $$
BEGIN
    IF current_setting('server_encoding') = 'UTF8' THEN
        WITH candidates AS (
            SELECT user_id, lower(normalize(email_normalized, NFKC)) AS target
              FROM users
             WHERE email <> '' AND email_normalized <> lower(normalize(email_normalized, NFKC))
        ), chosen AS (
            SELECT DISTINCT ON (target) user_id, target
              FROM candidates c
             WHERE NOT EXISTS (SELECT 1 FROM users o WHERE o.email_normalized = c.target)
             ORDER BY target, user_id
        )
        UPDATE users u SET email_normalized = chosen.target
          FROM chosen WHERE u.user_id = chosen.user_id;
    END IF;
END
$$;
