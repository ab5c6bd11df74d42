-- Our ids next to memory providers' ids (Zep user/thread UUIDs, …).
-- No foreign key to users: deleting a user at a provider happens after the local delete,
-- and needs these links until it has succeeded.
CREATE TABLE provider_links (
    provider   text NOT NULL,
    kind       text NOT NULL,
    user_id    text NOT NULL,
    local_id   text NOT NULL,
    remote_id  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (provider, kind, user_id, local_id)
);
CREATE INDEX provider_links_user_idx ON provider_links (provider, user_id);
