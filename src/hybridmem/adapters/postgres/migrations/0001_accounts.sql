-- Accounts, sessions, token revocations and login throttling.
-- Every table holding user data carries user_id, so it can later be distributed by user.

CREATE TABLE users (
    user_id          text PRIMARY KEY,
    email            text NOT NULL,
    email_normalized text NOT NULL,
    password_hash    text NOT NULL,
    first_name       text,
    last_name        text,
    about            text,
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_admin         boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT users_email_normalized_key UNIQUE (email_normalized)
);
CREATE INDEX users_created_idx ON users (created_at, user_id);

CREATE TABLE sessions (
    user_id    text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    session_id text NOT NULL,
    metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    PRIMARY KEY (user_id, session_id)
);
CREATE INDEX sessions_live_idx ON sessions (user_id, created_at, session_id) WHERE deleted_at IS NULL;
CREATE INDEX sessions_deleted_idx ON sessions (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE revoked_tokens (
    jti        text PRIMARY KEY,
    user_id    text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expiry_idx ON revoked_tokens (expires_at);
CREATE INDEX revoked_tokens_user_idx ON revoked_tokens (user_id);

-- Keyed by a hash of the login identifier (never the email itself); not user data.
CREATE TABLE login_failures (
    identifier_hash   text PRIMARY KEY,
    failures          integer NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until      timestamptz
);
