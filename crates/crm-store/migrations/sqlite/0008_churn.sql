-- Churn warning (CHN-1..3): warnings raised by the churn-detection job, the measures taken to
-- keep each customer, and the confirmation of the loss. Portable types as in 0001: ids, dates
-- and times TEXT. A warning has no division or owner of its own: it is seen through its
-- customer's.

CREATE TABLE churn_warnings (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    -- The customer's last order when the warning was raised.
    last_order_date TEXT NOT NULL,
    status TEXT NOT NULL,
    reason_id TEXT REFERENCES dictionary_entries (id),
    confirmed_at TEXT,
    confirmed_by TEXT REFERENCES users (id),
    -- Set when a new order reactivates the customer; the status stays as it was.
    closed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- At most one open warning per customer, whatever number of processes run the detection:
-- their INSERT … SELECT … ON CONFLICT DO NOTHING skips the customers warned meanwhile.
CREATE UNIQUE INDEX churn_warnings_open_customer_key ON churn_warnings (customer_id) WHERE closed_at IS NULL;
-- A customer's warnings, open or closed (the customer page, merges, reactivation); with
-- closed_at, the detection's check for an open warning reads the index alone.
CREATE INDEX churn_warnings_customer_idx ON churn_warnings (customer_id, closed_at);
-- List sorts with their keyset tie-breaker; the lists by status.
CREATE INDEX churn_warnings_created_at_idx ON churn_warnings (created_at, id);
CREATE INDEX churn_warnings_status_idx ON churn_warnings (status, created_at, id);

CREATE TABLE churn_measures (
    id TEXT PRIMARY KEY,
    warning_id TEXT NOT NULL REFERENCES churn_warnings (id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    text TEXT NOT NULL,
    author_id TEXT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX churn_measures_warning_idx ON churn_measures (warning_id, created_at);

-- The detection walks the active customers by last order date (and id, its chunks' keyset)
-- up to the threshold, from the index alone.
CREATE INDEX customers_status_last_order_date_idx ON customers (status, last_order_date, id);
