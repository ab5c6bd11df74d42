-- Per-user request counters in fixed windows (shared by every API process).
CREATE TABLE rate_limits (
    user_id      text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (user_id, bucket, window_start)
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);
