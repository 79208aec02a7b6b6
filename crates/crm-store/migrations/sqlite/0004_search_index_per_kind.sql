-- Global search (issue 4): one FTS5 index per kind of search document. With the kind as a
-- column of one index (0003), a contact search intersected the word's documents with the
-- three million entries of "contact" (30 ms at a million customers); with an index of the
-- contacts' documents alone there is nothing to intersect. Both read their text from
-- customer_search; the triggers route each document to the index of its kind.
DROP TRIGGER customer_search_insert;
DROP TRIGGER customer_search_delete;
DROP TRIGGER customer_search_update;
DROP TABLE customer_search_fts;

CREATE VIRTUAL TABLE customer_search_fts USING fts5 (
    tokens, content = 'customer_search', content_rowid = 'doc_id', tokenize = 'ascii'
);
CREATE VIRTUAL TABLE contact_search_fts USING fts5 (
    tokens, content = 'customer_search', content_rowid = 'doc_id', tokenize = 'ascii'
);
CREATE TRIGGER customer_search_insert AFTER INSERT ON customer_search WHEN new.entity = 'customer' BEGIN
    INSERT INTO customer_search_fts (rowid, tokens) VALUES (new.doc_id, new.tokens);
END;
CREATE TRIGGER contact_search_insert AFTER INSERT ON customer_search WHEN new.entity = 'contact' BEGIN
    INSERT INTO contact_search_fts (rowid, tokens) VALUES (new.doc_id, new.tokens);
END;
CREATE TRIGGER customer_search_delete AFTER DELETE ON customer_search WHEN old.entity = 'customer' BEGIN
    INSERT INTO customer_search_fts (customer_search_fts, rowid, tokens) VALUES ('delete', old.doc_id, old.tokens);
END;
CREATE TRIGGER contact_search_delete AFTER DELETE ON customer_search WHEN old.entity = 'contact' BEGIN
    INSERT INTO contact_search_fts (contact_search_fts, rowid, tokens) VALUES ('delete', old.doc_id, old.tokens);
END;
-- The store never updates a document in place (it deletes and inserts), but a kind never
-- changes, so an update is a delete and an insert in the same index.
CREATE TRIGGER customer_search_update AFTER UPDATE ON customer_search WHEN old.entity = 'customer' BEGIN
    INSERT INTO customer_search_fts (customer_search_fts, rowid, tokens) VALUES ('delete', old.doc_id, old.tokens);
    INSERT INTO customer_search_fts (rowid, tokens) VALUES (new.doc_id, new.tokens);
END;
CREATE TRIGGER contact_search_update AFTER UPDATE ON customer_search WHEN old.entity = 'contact' BEGIN
    INSERT INTO contact_search_fts (contact_search_fts, rowid, tokens) VALUES ('delete', old.doc_id, old.tokens);
    INSERT INTO contact_search_fts (rowid, tokens) VALUES (new.doc_id, new.tokens);
END;
INSERT INTO customer_search_fts (rowid, tokens) SELECT doc_id, tokens FROM customer_search WHERE entity = 'customer';
INSERT INTO contact_search_fts (rowid, tokens) SELECT doc_id, tokens FROM customer_search WHERE entity = 'contact';
