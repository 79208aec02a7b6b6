-- Sales performance (RPT-5) reads the opportunities won or lost in a period by their closing time.
CREATE INDEX opportunities_status_closed_idx ON opportunities (status, closed_at);

-- Contribution over all of time (RPT-1) walks the kept totals by rank and RFM (RPT-6) reads
-- every customer's last order day, orders and total: indexes holding every column they read
-- spare a visit to the table's rows, which at a million customers are spread over the file.
DROP INDEX customer_order_totals_rank_idx;
CREATE INDEX customer_order_totals_rank_idx ON customer_order_totals (currency, total DESC, customer_id, orders);
CREATE INDEX customer_order_totals_rfm_idx ON customer_order_totals (currency, last_order_date, orders, total, customer_id);

-- The list by name filtered by region walks the name order and tests each customer's region;
-- with the region in the index that test needs no visit to the customer's row, so a region
-- whose customers come late in the name order costs index entries, not scattered rows.
DROP INDEX customers_name_idx;
CREATE INDEX customers_name_idx ON customers (name, id, region_id);
