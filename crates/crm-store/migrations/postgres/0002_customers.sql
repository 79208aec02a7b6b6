-- Customers (CUS-1..10): customers, their tags, shares and assignment history, contacts,
-- interactions, attachments, orders, saved filters, and the search and phone indexes.
-- Portable types as in 0001: ids and times TEXT, money integer 1/10,000 units, dates YYYY-MM-DD;
-- booleans BOOLEAN here, INTEGER on SQLite.

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    division_id TEXT NOT NULL REFERENCES divisions (id),
    owner_id TEXT REFERENCES users (id),
    status TEXT NOT NULL,
    level_id TEXT REFERENCES dictionary_entries (id),
    region_id TEXT REFERENCES dictionary_entries (id),
    industry_id TEXT REFERENCES dictionary_entries (id),
    size TEXT,
    lifecycle_stage TEXT,
    satisfaction BIGINT,
    credit BIGINT,
    phone TEXT,
    fax TEXT,
    website TEXT,
    address TEXT,
    postcode TEXT,
    tax_number TEXT,
    licence_number TEXT,
    legal_representative TEXT,
    registered_capital BIGINT,
    annual_turnover BIGINT,
    bank TEXT,
    bank_account TEXT,
    notes TEXT,
    last_order_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX customers_number_key ON customers (number);
-- Sorts with their keyset tie-breaker, alone and within a division or an owner's book.
CREATE INDEX customers_name_idx ON customers (name, id);
CREATE INDEX customers_created_at_idx ON customers (created_at, id);
CREATE INDEX customers_updated_at_idx ON customers (updated_at, id);
CREATE INDEX customers_division_name_idx ON customers (division_id, name, id);
CREATE INDEX customers_division_created_at_idx ON customers (division_id, created_at, id);
CREATE INDEX customers_owner_name_idx ON customers (owner_id, name, id);
CREATE INDEX customers_owner_created_at_idx ON customers (owner_id, created_at, id);
-- Filters, duplicate checks (CUS-7) and churn detection (CHN-1).
CREATE INDEX customers_status_idx ON customers (status, created_at);
CREATE INDEX customers_level_idx ON customers (level_id);
CREATE INDEX customers_region_idx ON customers (region_id);
CREATE INDEX customers_industry_idx ON customers (industry_id);
CREATE INDEX customers_name_lower_idx ON customers (LOWER(name));
CREATE INDEX customers_tax_number_idx ON customers (tax_number);
CREATE INDEX customers_licence_number_idx ON customers (licence_number);
CREATE INDEX customers_last_order_date_idx ON customers (last_order_date);

CREATE TABLE customer_tags (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag_idx ON customer_tags (tag, customer_id);

-- Users who see a customer as its owner does (ACL-3, CUS-8).
CREATE TABLE customer_shares (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    shared_by_name TEXT NOT NULL,
    shared_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, user_id)
);
CREATE INDEX customer_shares_user_idx ON customer_shares (user_id, customer_id);

CREATE TABLE customer_assignments (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    from_owner_id TEXT REFERENCES users (id),
    to_owner_id TEXT REFERENCES users (id),
    note TEXT,
    assigned_by_id TEXT,
    assigned_by_name TEXT NOT NULL,
    assigned_at TEXT NOT NULL
);
CREATE INDEX customer_assignments_customer_idx ON customer_assignments (customer_id, assigned_at, id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    gender TEXT,
    title TEXT,
    phone TEXT,
    mobile TEXT,
    email TEXT,
    birthday TEXT,
    reports_to_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contacts_customer_idx ON contacts (customer_id, name, id);
CREATE INDEX contacts_name_idx ON contacts (name, id);
CREATE INDEX contacts_reports_to_idx ON contacts (reports_to_id);
CREATE UNIQUE INDEX contacts_customer_id_is_primary_key ON contacts (customer_id) WHERE is_primary;

CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    occurred_at TEXT NOT NULL,
    kind_id TEXT REFERENCES dictionary_entries (id),
    place TEXT,
    summary TEXT NOT NULL,
    detail TEXT,
    contact_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    author_id TEXT,
    author_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX interactions_customer_idx ON interactions (customer_id, occurred_at, id);
CREATE INDEX interactions_occurred_at_idx ON interactions (occurred_at, id);
CREATE INDEX interactions_contact_idx ON interactions (contact_id);
CREATE INDEX interactions_author_idx ON interactions (author_id, occurred_at);

-- The bytes are the last column, so reading the description of a file leaves them on disk.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    interaction_id TEXT REFERENCES interactions (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by_id TEXT,
    uploaded_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX attachments_customer_idx ON attachments (customer_id, created_at, id);
CREATE INDEX attachments_interaction_idx ON attachments (interaction_id);

-- Orders do not cascade from customers: a customer with order history is merged, never deleted.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    order_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    total BIGINT NOT NULL,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX orders_number_key ON orders (number);
CREATE INDEX orders_customer_idx ON orders (customer_id, order_date, id);
CREATE INDEX orders_order_date_idx ON orders (order_date, id);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    product_id TEXT REFERENCES products (id),
    description TEXT,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);
CREATE INDEX order_lines_product_idx ON order_lines (product_id);

CREATE TABLE saved_filters (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX saved_filters_user_id_name_key ON saved_filters (user_id, name);

-- National digits of every phone of customers and contacts, for caller lookup (INT-6) and
-- duplicate checks. Rewritten by the store with the record it describes.
CREATE TABLE customer_phones (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    digits TEXT NOT NULL,
    PRIMARY KEY (entity_id, digits)
);
CREATE INDEX customer_phones_digits_idx ON customer_phones (digits, entity);
CREATE INDEX customer_phones_customer_idx ON customer_phones (customer_id);

-- Search documents (CUS-6): one per customer (name, number, phone) and one per contact
-- (name, phones, e-mail), holding the space-separated tokens of crm_core::customers::search.
-- Rewritten by the store in the transaction that changes the record.
CREATE TABLE customer_search (
    doc_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    tokens TEXT NOT NULL
);
CREATE UNIQUE INDEX customer_search_entity_id_key ON customer_search (entity_id);
CREATE INDEX customer_search_customer_idx ON customer_search (customer_id);

-- The index over the documents: a GIN index on the token array, queried with `@>` (contains
-- every query token). It needs no text-search parser, so Chinese bigrams work under any locale.
CREATE INDEX customer_search_tokens_idx ON customer_search USING GIN (string_to_array(tokens, ' '));
