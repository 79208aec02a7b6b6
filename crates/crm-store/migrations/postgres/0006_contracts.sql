-- Quotes, contracts, payment plans and payments (SAL-7..10), and orders placed under a contract.
-- Portable types as in 0001: ids and times TEXT, money integer 1/10,000 units with a currency
-- code, rates in 1/10,000 percent, dates YYYY-MM-DD.

CREATE TABLE quotes (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    title TEXT NOT NULL,
    summary TEXT,
    currency TEXT NOT NULL,
    valid_until TEXT,
    status TEXT NOT NULL,
    revision BIGINT NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX quotes_number_key ON quotes (number);
CREATE INDEX quotes_customer_idx ON quotes (customer_id, created_at, id);
CREATE INDEX quotes_created_at_idx ON quotes (created_at, id);

-- Every version of a quote's prices; the quote's own row repeats the current one's sums.
CREATE TABLE quote_revisions (
    quote_id TEXT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    title TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (quote_id, revision)
);

CREATE TABLE quote_lines (
    quote_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    position BIGINT NOT NULL,
    product_id TEXT REFERENCES products (id),
    description TEXT,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    discount_rate BIGINT NOT NULL,
    tax_rate BIGINT NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (quote_id, revision, position),
    FOREIGN KEY (quote_id, revision) REFERENCES quote_revisions (quote_id, revision) ON DELETE CASCADE
);
CREATE INDEX quote_lines_product_idx ON quote_lines (product_id);

CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    quote_id TEXT REFERENCES quotes (id),
    renewal_of_id TEXT REFERENCES contracts (id),
    title TEXT NOT NULL,
    signed_on TEXT,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    reminder_days BIGINT NOT NULL,
    expiring BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX contracts_number_key ON contracts (number);
-- One contract per quote and one successor per contract (NULLs do not collide).
CREATE UNIQUE INDEX contracts_quote_id_key ON contracts (quote_id);
CREATE UNIQUE INDEX contracts_renewal_of_id_key ON contracts (renewal_of_id);
CREATE INDEX contracts_customer_idx ON contracts (customer_id, created_at, id);
CREATE INDEX contracts_created_at_idx ON contracts (created_at, id);
CREATE INDEX contracts_status_ends_on_idx ON contracts (status, ends_on);

CREATE TABLE contract_lines (
    contract_id TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    product_id TEXT REFERENCES products (id),
    description TEXT,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    discount_rate BIGINT NOT NULL,
    tax_rate BIGINT NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (contract_id, position)
);
CREATE INDEX contract_lines_product_idx ON contract_lines (product_id);

CREATE TABLE payment_plan_items (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    due_on TEXT NOT NULL,
    amount BIGINT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX payment_plan_items_contract_idx ON payment_plan_items (contract_id, due_on, id);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    plan_item_id TEXT REFERENCES payment_plan_items (id),
    received_on TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    method TEXT,
    note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX payments_contract_idx ON payments (contract_id, received_on, id);
CREATE INDEX payments_plan_item_idx ON payments (plan_item_id);
CREATE INDEX payments_received_on_idx ON payments (received_on, id);

ALTER TABLE orders ADD COLUMN contract_id TEXT REFERENCES contracts (id);
CREATE INDEX orders_contract_idx ON orders (contract_id);
