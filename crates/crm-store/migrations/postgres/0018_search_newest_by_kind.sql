-- A search first tries the newest documents of one kind (dialect::push_documents_first). They
-- were read backwards along the primary key, skipping the documents of other kinds: each
-- customer comes with three contacts, so a window of 1,250 customer documents read 5,000
-- contact documents beside them (16 ms of the 19 a search of a rare word took at a million
-- customers). This index gives one kind's documents newest first (under 1 ms).
CREATE INDEX customer_search_entity_newest_idx ON customer_search (entity, doc_id);
