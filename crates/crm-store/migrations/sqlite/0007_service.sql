-- Customer service (SVC-1..3, SVC-5): service requests through their lifecycle, and the
-- response and resolution targets per service type. Portable types as in 0001: ids and times
-- TEXT.

-- Targets of a service type; a type without a row has the defaults of the code.
CREATE TABLE service_sla (
    type_id TEXT PRIMARY KEY REFERENCES dictionary_entries (id),
    response_minutes INTEGER NOT NULL,
    resolution_minutes INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE service_requests (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    -- The customer's division, copied at creation so that scoped lists use an index.
    division_id TEXT NOT NULL REFERENCES divisions (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    type_id TEXT NOT NULL REFERENCES dictionary_entries (id),
    summary TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    handler_id TEXT REFERENCES users (id),
    assigned_at TEXT,
    handling TEXT,
    handled_at TEXT,
    result TEXT,
    satisfaction INTEGER,
    feedback_at TEXT,
    archived_at TEXT,
    rounds INTEGER NOT NULL DEFAULT 1,
    respond_by TEXT NOT NULL,
    resolve_by TEXT NOT NULL,
    overdue_since TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX service_requests_number_key ON service_requests (number);
-- List sorts with their keyset tie-breaker, alone, within a division, and in a handler's or a
-- creator's book (the scopes of ACL-3); the queues by status within a division.
CREATE INDEX service_requests_created_at_idx ON service_requests (created_at, id);
CREATE INDEX service_requests_division_created_at_idx ON service_requests (division_id, created_at, id);
CREATE INDEX service_requests_division_status_idx ON service_requests (division_id, status, created_at, id);
CREATE INDEX service_requests_handler_idx ON service_requests (handler_id, created_at, id);
CREATE INDEX service_requests_creator_idx ON service_requests (created_by, created_at, id);
CREATE INDEX service_requests_customer_idx ON service_requests (customer_id, status);
-- The SLA check reads the open requests by deadline; the overdue list the few flagged ones.
CREATE INDEX service_requests_status_resolve_idx ON service_requests (status, resolve_by);
CREATE INDEX service_requests_division_overdue_idx ON service_requests (division_id, created_at, id) WHERE overdue_since IS NOT NULL;

-- The knowledge base (SVC-4): articles shared by the whole company, with a category and tags
-- (a JSON array of strings), their Markdown body, and the requests they answer.
CREATE TABLE knowledge_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX knowledge_articles_created_at_idx ON knowledge_articles (created_at, id);
CREATE INDEX knowledge_articles_title_idx ON knowledge_articles (title, id);
CREATE INDEX knowledge_articles_category_idx ON knowledge_articles (category, created_at, id);

-- Search documents of articles, with the tokens of crm_core::customers::search as
-- customer_search holds those of customers and contacts: one of kind 'article' (title,
-- category, tags and body) and one of kind 'article_title' (the title alone, which ranks
-- first), each kind with its own FTS5 index as each kind has since 0004. Rewritten by the
-- store in the transaction that changes the article.
CREATE TABLE knowledge_search (
    doc_id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL REFERENCES knowledge_articles (id) ON DELETE CASCADE,
    tokens TEXT NOT NULL
);
CREATE UNIQUE INDEX knowledge_search_entity_id_key ON knowledge_search (entity_id, entity);
CREATE VIRTUAL TABLE article_search_fts USING fts5 (
    tokens, content = 'knowledge_search', content_rowid = 'doc_id', tokenize = 'ascii'
);
CREATE VIRTUAL TABLE article_title_search_fts USING fts5 (
    tokens, content = 'knowledge_search', content_rowid = 'doc_id', tokenize = 'ascii'
);
CREATE TRIGGER article_search_insert AFTER INSERT ON knowledge_search WHEN new.entity = 'article' BEGIN
    INSERT INTO article_search_fts (rowid, tokens) VALUES (new.doc_id, new.tokens);
END;
CREATE TRIGGER article_title_search_insert AFTER INSERT ON knowledge_search WHEN new.entity = 'article_title' BEGIN
    INSERT INTO article_title_search_fts (rowid, tokens) VALUES (new.doc_id, new.tokens);
END;
CREATE TRIGGER article_search_delete AFTER DELETE ON knowledge_search WHEN old.entity = 'article' BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, tokens) VALUES ('delete', old.doc_id, old.tokens);
END;
CREATE TRIGGER article_title_search_delete AFTER DELETE ON knowledge_search WHEN old.entity = 'article_title' BEGIN
    INSERT INTO article_title_search_fts (article_title_search_fts, rowid, tokens) VALUES ('delete', old.doc_id, old.tokens);
END;
-- The store deletes and inserts documents rather than updating them.

-- Articles linked from a request (the answer given, or to read before handling it).
CREATE TABLE service_request_articles (
    request_id TEXT NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL REFERENCES knowledge_articles (id) ON DELETE CASCADE,
    PRIMARY KEY (request_id, article_id)
);
CREATE INDEX service_request_articles_article_idx ON service_request_articles (article_id);
