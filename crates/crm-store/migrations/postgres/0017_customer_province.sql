-- A list filtered by a province (which takes in its cities) and sorted by name walked the name
-- order testing each customer's region: at a million customers a province's first page passed
-- tens of thousands of other customers. Each customer now keeps the province of its region (the
-- region itself when it is a province: the region tree has two levels, and an entry's parent
-- never changes), and one index yields a province's customers in name order; a city's are those
-- of its province with that region. The name index no longer needs to carry the region.
ALTER TABLE customers ADD COLUMN province_id TEXT;
UPDATE customers SET province_id = (
    SELECT COALESCE(r.parent_id, r.id) FROM dictionary_entries r WHERE r.id = customers.region_id
) WHERE region_id IS NOT NULL;
CREATE INDEX customers_province_name_idx ON customers (province_id, name, id, region_id);
DROP INDEX customers_name_idx;
CREATE INDEX customers_name_idx ON customers (name, id);
