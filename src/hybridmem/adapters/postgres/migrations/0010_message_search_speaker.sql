-- A message is indexed with its speaker's name ("Caroline: I went to a conference"), as
-- recall renders it. A question that names a speaker ("What did Caroline research?")
-- then prefers that speaker's turns in a shared history, and in a speaker's own history
-- the name, in every message, weighs nothing (idf ~ 0) instead of picking the rare turn
-- where someone said it.
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        to_tsvector('english', coalesce(name, '') || ' ' || content)
    ) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search);

-- The term statistics follow the new vectors (DDL fires no row triggers).
DELETE FROM message_terms;
DELETE FROM message_totals;
INSERT INTO message_totals (user_id, doc_count)
SELECT user_id, count(*) FROM messages WHERE deleted_at IS NULL GROUP BY user_id;
INSERT INTO message_terms (user_id, term, doc_count)
SELECT m.user_id, lexeme, count(*)
  FROM messages AS m, unnest(tsvector_to_array(m.search)) AS lexeme
 WHERE m.deleted_at IS NULL
 GROUP BY m.user_id, lexeme;
