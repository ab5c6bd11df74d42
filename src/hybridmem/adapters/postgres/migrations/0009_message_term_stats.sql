-- Per-user term statistics for message search, kept by triggers in the writing
-- transaction, so a query reads each word's document frequency with one index lookup
-- instead of counting its matches (a cost that grew with history).
-- No foreign key to users: deleting an account cascades to messages, whose delete
-- trigger brings every count back to zero and removes the rows.
CREATE TABLE message_terms (
    user_id   text NOT NULL,
    term      text NOT NULL,
    doc_count integer NOT NULL,
    PRIMARY KEY (user_id, term)
);

CREATE TABLE message_totals (
    user_id   text PRIMARY KEY,
    doc_count integer NOT NULL
);

CREATE FUNCTION message_terms_add(owner text, doc tsvector, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Lexemes come sorted from tsvector_to_array, so concurrent writers lock rows in
    -- the same order and cannot deadlock on each other.
    IF delta > 0 THEN
        INSERT INTO message_totals AS t (user_id, doc_count) VALUES (owner, delta)
        ON CONFLICT (user_id) DO UPDATE SET doc_count = t.doc_count + delta;
        INSERT INTO message_terms AS t (user_id, term, doc_count)
        SELECT owner, lexeme, delta FROM unnest(tsvector_to_array(doc)) AS lexeme
        ORDER BY lexeme
        ON CONFLICT (user_id, term) DO UPDATE SET doc_count = t.doc_count + delta;
    ELSE
        UPDATE message_totals SET doc_count = doc_count + delta WHERE user_id = owner;
        DELETE FROM message_totals WHERE user_id = owner AND doc_count <= 0;
        UPDATE message_terms SET doc_count = doc_count + delta
         WHERE user_id = owner AND term = ANY(tsvector_to_array(doc));
        DELETE FROM message_terms
         WHERE user_id = owner AND term = ANY(tsvector_to_array(doc)) AND doc_count <= 0;
    END IF;
END;
$$;

CREATE FUNCTION message_terms_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only live messages count, as in the search itself.
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        PERFORM message_terms_add(OLD.user_id, OLD.search, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        PERFORM message_terms_add(NEW.user_id, NEW.search, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER message_terms_insert AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION message_terms_track();
CREATE TRIGGER message_terms_delete AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION message_terms_track();
-- Embedding updates must not touch the counts: only liveness or content changes do.
CREATE TRIGGER message_terms_update AFTER UPDATE OF deleted_at, content ON messages
    FOR EACH ROW
    WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.content IS DISTINCT FROM NEW.content)
    EXECUTE FUNCTION message_terms_track();

-- Existing history.
INSERT INTO message_totals (user_id, doc_count)
SELECT user_id, count(*) FROM messages WHERE deleted_at IS NULL GROUP BY user_id;
INSERT INTO message_terms (user_id, term, doc_count)
SELECT m.user_id, lexeme, count(*)
  FROM messages AS m, unnest(tsvector_to_array(m.search)) AS lexeme
 WHERE m.deleted_at IS NULL
 GROUP BY m.user_id, lexeme;

-- Candidates per word are the user's most recent matches; this index serves the
-- recency order once the GIN index has found them.
CREATE INDEX messages_user_seq_live_idx ON messages (user_id, seq DESC) WHERE deleted_at IS NULL;
