-- Lists filtered by status are ordered by creation time and then id (the keyset's tie-break):
-- with only (status, created_at) the order by id was left to a sort, so PostgreSQL walked the
-- (created_at, id) index instead and skipped every newer customer of another status — tens of
-- thousands when the newest are prospects. The index now yields the whole order.
DROP INDEX customers_status_idx;
CREATE INDEX customers_status_idx ON customers (status, created_at, id);
