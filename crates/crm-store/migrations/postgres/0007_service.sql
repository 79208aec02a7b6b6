-- Customer service (SVC-1..3, SVC-5): service requests through their lifecycle, and the
-- response and resolution targets per service type. Portable types as in 0001: ids and times
-- TEXT.

-- Targets of a service type; a type without a row has the defaults of the code.
CREATE TABLE service_sla (
    type_id TEXT PRIMARY KEY REFERENCES dictionary_entries (id),
    response_minutes BIGINT NOT NULL,
    resolution_minutes BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE service_requests (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    -- The customer's division, copied at creation so that scoped lists use an index.
    division_id TEXT NOT NULL REFERENCES divisions (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    type_id TEXT NOT NULL REFERENCES dictionary_entries (id),
    summary TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    handler_id TEXT REFERENCES users (id),
    assigned_at TEXT,
    handling TEXT,
    handled_at TEXT,
    result TEXT,
    satisfaction BIGINT,
    feedback_at TEXT,
    archived_at TEXT,
    rounds BIGINT NOT NULL DEFAULT 1,
    respond_by TEXT NOT NULL,
    resolve_by TEXT NOT NULL,
    overdue_since TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX service_requests_number_key ON service_requests (number);
-- List sorts with their keyset tie-breaker, alone, within a division, and in a handler's or a
-- creator's book (the scopes of ACL-3); the queues by status within a division.
CREATE INDEX service_requests_created_at_idx ON service_requests (created_at, id);
CREATE INDEX service_requests_division_created_at_idx ON service_requests (division_id, created_at, id);
CREATE INDEX service_requests_division_status_idx ON service_requests (division_id, status, created_at, id);
CREATE INDEX service_requests_handler_idx ON service_requests (handler_id, created_at, id);
CREATE INDEX service_requests_creator_idx ON service_requests (created_by, created_at, id);
CREATE INDEX service_requests_customer_idx ON service_requests (customer_id, status);
-- The SLA check reads the open requests by deadline; the overdue list the few flagged ones.
CREATE INDEX service_requests_status_resolve_idx ON service_requests (status, resolve_by);
CREATE INDEX service_requests_division_overdue_idx ON service_requests (division_id, created_at, id) WHERE overdue_since IS NOT NULL;
