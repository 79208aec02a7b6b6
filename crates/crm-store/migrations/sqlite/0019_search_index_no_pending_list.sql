-- PostgreSQL's 0019 turns off its GIN indexes' pending lists; SQLite's full-text indexes have
-- none, so there is nothing to change here.
SELECT 1;
