-- PostgreSQL's 0018 indexes each kind's search documents newest first for its search window;
-- SQLite walks each kind's full-text index by rowid, so there is nothing to change here.
SELECT 1;
