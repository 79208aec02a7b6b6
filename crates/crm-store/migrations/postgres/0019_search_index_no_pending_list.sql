-- GIN indexes take new entries into a pending list, merged into the index by VACUUM or when the
-- list passes gin_pending_list_limit; every search reads the whole list until then. After 44,000
-- customers were created at a million, a rare word's lookup in the customers' index read 367
-- pending pages: 2.3 ms instead of 0.02. Entries now go straight into the index.
ALTER INDEX customer_search_tokens_idx SET (fastupdate = off);
ALTER INDEX customer_search_customer_tokens_idx SET (fastupdate = off);
ALTER INDEX customer_search_contact_tokens_idx SET (fastupdate = off);
ALTER INDEX knowledge_search_article_tokens_idx SET (fastupdate = off);
ALTER INDEX knowledge_search_article_title_tokens_idx SET (fastupdate = off);
SELECT gin_clean_pending_list(i::regclass) FROM (VALUES ('customer_search_tokens_idx'),
    ('customer_search_customer_tokens_idx'), ('customer_search_contact_tokens_idx'),
    ('knowledge_search_article_tokens_idx'), ('knowledge_search_article_title_tokens_idx')) AS g (i);
