-- Global search (issue 4): the FTS5 index learns which kind of record each document
-- describes, so a search for contacts intersects the word's documents with the contacts'
-- inside the index instead of reading every customer document that holds the word.
DROP TRIGGER customer_search_insert;
DROP TRIGGER customer_search_delete;
DROP TRIGGER customer_search_update;
DROP TABLE customer_search_fts;

CREATE VIRTUAL TABLE customer_search_fts USING fts5 (
    tokens, entity, content = 'customer_search', content_rowid = 'doc_id', tokenize = 'ascii'
);
CREATE TRIGGER customer_search_insert AFTER INSERT ON customer_search BEGIN
    INSERT INTO customer_search_fts (rowid, tokens, entity) VALUES (new.doc_id, new.tokens, new.entity);
END;
CREATE TRIGGER customer_search_delete AFTER DELETE ON customer_search BEGIN
    INSERT INTO customer_search_fts (customer_search_fts, rowid, tokens, entity)
    VALUES ('delete', old.doc_id, old.tokens, old.entity);
END;
CREATE TRIGGER customer_search_update AFTER UPDATE ON customer_search BEGIN
    INSERT INTO customer_search_fts (customer_search_fts, rowid, tokens, entity)
    VALUES ('delete', old.doc_id, old.tokens, old.entity);
    INSERT INTO customer_search_fts (rowid, tokens, entity) VALUES (new.doc_id, new.tokens, new.entity);
END;
INSERT INTO customer_search_fts (customer_search_fts) VALUES ('rebuild');
