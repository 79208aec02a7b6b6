-- Reports (RPT-1..3, 5..8) add up orders per customer and currency over a period. These
-- indexes hold every column those sums read, so the database reads an index instead of the
-- orders and customers themselves: by date for a period over every division, by customer
-- when the scope (a division, an owner's book) picks the customers first.
CREATE INDEX orders_date_report_idx ON orders (order_date, customer_id, currency, status, total);
CREATE INDEX orders_customer_report_idx ON orders (customer_id, currency, order_date, status, total);
CREATE INDEX customers_scope_report_idx ON customers (id, division_id, owner_id);
