-- Deleting a session (and so an account, whose deletion cascades through its sessions)
-- runs the foreign key's "DELETE FROM messages WHERE user_id = $1 AND session_id = $2"
-- once per session. The only index led by (user_id, session_id) was partial (live
-- messages), which that query cannot use, so each run walked every message of the user:
-- deleting an account with 100,000 messages in 2,500 sessions took 24 s, past the
-- statement timeout. One full index serves both the cascade and the live history reads
-- (which filter deleted_at; soft-deleted rows are few and purged after retention).
CREATE INDEX messages_session_all_idx ON messages (user_id, session_id, seq);
DROP INDEX messages_session_idx;
