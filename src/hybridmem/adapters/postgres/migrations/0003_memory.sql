-- The local memory engine: facts with history, and the temporal graph.

CREATE TABLE facts (
    user_id          text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    fact_id          text NOT NULL,
    attribute        text NOT NULL,
    value            text NOT NULL,
    value_normalized text NOT NULL,
    qualifier        text,
    fact_text        text NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    provenance       text[] NOT NULL DEFAULT '{}',
    source           text NOT NULL,
    confidence       real NOT NULL DEFAULT 1.0,
    superseded_by    text,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('english', coalesce(fact_text, '')), 'A') ||
                         setweight(to_tsvector('english', replace(attribute, '_', ' ')), 'B') ||
                         setweight(to_tsvector('english', coalesce(qualifier, '')), 'B')
                     ) STORED,
    PRIMARY KEY (user_id, fact_id)
);
CREATE INDEX facts_search_idx ON facts USING gin (search);
CREATE INDEX facts_attribute_idx ON facts (user_id, attribute, valid_from DESC);
CREATE INDEX facts_list_idx ON facts (user_id, valid_from DESC, fact_id DESC);

CREATE TABLE fact_events (
    user_id  text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    event_id bigint GENERATED ALWAYS AS IDENTITY,
    fact_id  text NOT NULL,
    kind     text NOT NULL CHECK (kind IN ('ADD', 'UPDATE', 'INVALIDATE', 'DELETE')),
    old      jsonb,
    new      jsonb,
    reason   text,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, event_id)
);
CREATE INDEX fact_events_fact_idx ON fact_events (user_id, fact_id, event_id);

CREATE TABLE entities (
    user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    entity_key  text NOT NULL,
    name        text NOT NULL,
    entity_type text NOT NULL,
    summary     text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, entity_key)
);

CREATE TABLE relations (
    user_id        text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    relation_id    text NOT NULL,
    source_key     text NOT NULL,
    relation_type  text NOT NULL,
    target_key     text NOT NULL,
    fact_text      text NOT NULL,
    qualifier      text,
    valid_at       timestamptz NOT NULL,
    invalid_at     timestamptz,
    invalidated_by text,
    episode_id     text,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    search         tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('english', coalesce(fact_text, '')), 'A') ||
                       setweight(to_tsvector('english', replace(relation_type, '_', ' ')), 'B')
                   ) STORED,
    PRIMARY KEY (user_id, relation_id),
    FOREIGN KEY (user_id, source_key) REFERENCES entities (user_id, entity_key) ON DELETE CASCADE,
    FOREIGN KEY (user_id, target_key) REFERENCES entities (user_id, entity_key) ON DELETE CASCADE
);
CREATE INDEX relations_search_idx ON relations USING gin (search);
CREATE INDEX relations_time_idx ON relations (user_id, valid_at, invalid_at);
CREATE INDEX relations_type_idx ON relations (user_id, relation_type, valid_at DESC);
