-- Term statistics (0009) kept once per statement instead of once per row.
-- The row triggers cost a function call and a few index probes per message and lexeme:
-- deleting an account with 10,000 messages took about 9 s on a loaded machine, close to
-- the statement timeout. Statement triggers read the rows a statement changed from its
-- transition tables and apply one aggregated change per (user, term), so a bulk delete
-- or a bulk soft delete costs about one pass over its rows. The counts are unchanged.

DROP TRIGGER message_terms_insert ON messages;
DROP TRIGGER message_terms_delete ON messages;
DROP TRIGGER message_terms_update ON messages;
DROP FUNCTION message_terms_track();
DROP FUNCTION message_terms_add(text, tsvector, integer);

-- Adds each delta to the owner's total and to every lexeme of its document; counts
-- brought to zero (or below, if they were ever missing) are removed.
CREATE FUNCTION message_terms_apply(owners text[], docs tsvector[], deltas integer[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    gone_owners text[];
    gone_term_owners text[];
    gone_terms text[];
BEGIN
    IF owners IS NULL THEN
        RETURN;
    END IF;
    -- Rows are written in (user, term) order, totals before terms, so concurrent writers
    -- lock them in the same order and cannot deadlock on each other.
    WITH totals AS (
        INSERT INTO message_totals AS t (user_id, doc_count)
        SELECT c.owner, sum(c.delta)::integer
          FROM unnest(owners, deltas) AS c(owner, delta)
         GROUP BY c.owner
        HAVING sum(c.delta) <> 0
         ORDER BY c.owner
        ON CONFLICT (user_id) DO UPDATE SET doc_count = t.doc_count + excluded.doc_count
        RETURNING t.user_id, t.doc_count
    )
    SELECT array_agg(totals.user_id) INTO gone_owners FROM totals WHERE totals.doc_count <= 0;

    WITH terms AS (
        INSERT INTO message_terms AS t (user_id, term, doc_count)
        SELECT c.owner, lexeme, sum(c.delta)::integer
          FROM unnest(owners, docs, deltas) AS c(owner, doc, delta),
               unnest(tsvector_to_array(c.doc)) AS lexeme
         GROUP BY c.owner, lexeme
        HAVING sum(c.delta) <> 0
         ORDER BY c.owner, lexeme
        ON CONFLICT (user_id, term) DO UPDATE SET doc_count = t.doc_count + excluded.doc_count
        RETURNING t.user_id, t.term, t.doc_count
    )
    SELECT array_agg(terms.user_id), array_agg(terms.term)
      INTO gone_term_owners, gone_terms
      FROM terms WHERE terms.doc_count <= 0;

    -- This transaction holds the locks on these rows since the upserts above.
    IF gone_owners IS NOT NULL THEN
        DELETE FROM message_totals AS t
         WHERE t.user_id = ANY(gone_owners) AND t.doc_count <= 0;
    END IF;
    IF gone_terms IS NOT NULL THEN
        DELETE FROM message_terms AS t
         USING unnest(gone_term_owners, gone_terms) AS g(owner, term)
         WHERE t.user_id = g.owner AND t.term = g.term AND t.doc_count <= 0;
    END IF;
END;
$$;

-- Only live messages count, as in the search itself. An INSERT ... ON CONFLICT DO
-- NOTHING retry puts no row in new_rows, so it counts nothing. Inserts are the hot path
-- (every recorded message) and only add, so they upsert straight from new_rows.
CREATE FUNCTION message_terms_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_totals AS t (user_id, doc_count)
    SELECT n.user_id, count(*)::integer
      FROM new_rows AS n WHERE n.deleted_at IS NULL
     GROUP BY n.user_id
     ORDER BY n.user_id
    ON CONFLICT (user_id) DO UPDATE SET doc_count = t.doc_count + excluded.doc_count;
    INSERT INTO message_terms AS t (user_id, term, doc_count)
    SELECT n.user_id, lexeme, count(*)::integer
      FROM new_rows AS n, unnest(tsvector_to_array(n.search)) AS lexeme
     WHERE n.deleted_at IS NULL
     GROUP BY n.user_id, lexeme
     ORDER BY n.user_id, lexeme
    ON CONFLICT (user_id, term) DO UPDATE SET doc_count = t.doc_count + excluded.doc_count;
    RETURN NULL;
END;
$$;

CREATE FUNCTION message_terms_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM message_terms_apply(array_agg(o.user_id), array_agg(o.search), array_agg(-1))
       FROM old_rows AS o WHERE o.deleted_at IS NULL;
    RETURN NULL;
END;
$$;

-- An update counts its rows' new versions in and their old versions out: an embedding
-- update of a live message cancels to nothing, a soft delete subtracts, a restore or a
-- content change moves the counts. (Transition tables cannot be combined with an
-- UPDATE OF column list, hence no filter on the columns.)
CREATE FUNCTION message_terms_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM message_terms_apply(array_agg(c.user_id), array_agg(c.search), array_agg(c.delta))
       FROM (SELECT n.user_id, n.search, 1 AS delta FROM new_rows AS n
              WHERE n.deleted_at IS NULL
             UNION ALL
             SELECT o.user_id, o.search, -1 FROM old_rows AS o
              WHERE o.deleted_at IS NULL) AS c;
    RETURN NULL;
END;
$$;

CREATE TRIGGER message_terms_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION message_terms_inserted();
CREATE TRIGGER message_terms_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION message_terms_deleted();
CREATE TRIGGER message_terms_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION message_terms_updated();
