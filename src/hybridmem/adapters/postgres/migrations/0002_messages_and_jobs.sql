-- Messages (the system of record for chat history) and the outbox of durable jobs.

CREATE TABLE messages (
    user_id     text NOT NULL,
    session_id  text NOT NULL,
    message_id  text NOT NULL,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    role        text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    name        text,
    content     text NOT NULL,
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at  timestamptz,
    PRIMARY KEY (user_id, message_id),
    FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, session_id) ON DELETE CASCADE
);
CREATE INDEX messages_session_idx ON messages (user_id, session_id, seq) WHERE deleted_at IS NULL;
CREATE INDEX messages_deleted_idx ON messages (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE jobs (
    job_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         text NOT NULL,
    kind            text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    run_after       timestamptz NOT NULL DEFAULT clock_timestamp(),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX jobs_ready_idx ON jobs (run_after, job_id) WHERE status IN ('pending', 'running');
CREATE INDEX jobs_user_idx ON jobs (user_id);
CREATE INDEX jobs_dead_idx ON jobs (updated_at) WHERE status = 'dead';
-- Per-user FIFO per job kind: a job waits while an older one of the same user and kind is
-- unfinished (memory updates depend on message order).
CREATE INDEX jobs_user_open_idx ON jobs (user_id, kind, job_id) WHERE status IN ('pending', 'running');
