-- Customer contribution and RFM over all time (RPT-1, RPT-6) rank every customer; adding up
-- millions of orders for that each time is the slow part. This table holds each customer's
-- sums per currency of its orders that are not cancelled, kept in the transaction of every
-- write of orders; the reports read it when their period covers all of time.
CREATE TABLE customer_order_totals (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    orders BIGINT NOT NULL,
    first_order_date TEXT NOT NULL,
    last_order_date TEXT NOT NULL,
    PRIMARY KEY (customer_id, currency)
);

INSERT INTO customer_order_totals (customer_id, currency, total, orders, first_order_date, last_order_date)
SELECT customer_id, currency, SUM(total), COUNT(*), MIN(order_date), MAX(order_date)
FROM orders WHERE status <> 'cancelled' GROUP BY customer_id, currency;

-- Contribution ranks by total, largest first, within a currency: walking this index is the
-- ranking, with no sort.
CREATE INDEX customer_order_totals_rank_idx ON customer_order_totals (currency, total DESC, customer_id);
