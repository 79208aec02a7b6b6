-- SQLite's 0004 splits its full-text index by the kind of document; PostgreSQL has had a
-- partial GIN index per kind since 0003, so there is nothing to change here.
SELECT 1;
