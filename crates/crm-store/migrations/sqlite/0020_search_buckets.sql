-- PostgreSQL's 0020 adds each search document's bucket to its GIN indexes; SQLite's full-text
-- indexes yield a word's documents newest first already, so there is nothing to change here.
SELECT 1;
