-- API keys (issue 14): only the SHA-256 of the secret is stored, with a display prefix.
-- A key belongs to one account instance (account_id, as tokens carry it in "acc"): the
-- lookup joins users on both user_id and account_id, and deleting the user cascades here.
CREATE TABLE api_keys (
    key_id       text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    account_id   uuid NOT NULL,
    name         text NOT NULL,
    prefix       text NOT NULL,
    secret_hash  text NOT NULL,
    read_only    boolean NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_used_at timestamptz,
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at, key_id);
