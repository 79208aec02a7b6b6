-- Tasks and the calendar (TSK-1, TSK-2, TSK-4) and each user's iCalendar feed (INT-4).
-- Portable types as in 0001: ids and times TEXT (fixed-width UTC, so text order is time order).

-- A task lives in the division of the record it follows up (customer, opportunity or service
-- request), or else in a division of its owner; directors see their divisions' tasks, an
-- own-scope user those they own or created.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    division_id TEXT NOT NULL REFERENCES divisions (id),
    title TEXT NOT NULL,
    notes TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    due_at TEXT,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
    opportunity_id TEXT REFERENCES opportunities (id) ON DELETE SET NULL,
    service_request_id TEXT REFERENCES service_requests (id) ON DELETE SET NULL,
    created_by TEXT REFERENCES users (id),
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
-- My tasks by due time, a division's by due time, the open ones by due time (overdue), and a
-- customer's.
CREATE INDEX tasks_owner_due_idx ON tasks (owner_id, status, due_at);
CREATE INDEX tasks_division_due_idx ON tasks (division_id, due_at, id);
CREATE INDEX tasks_status_due_idx ON tasks (status, due_at);
CREATE INDEX tasks_created_by_idx ON tasks (created_by);
CREATE INDEX tasks_customer_idx ON tasks (customer_id);
CREATE INDEX tasks_opportunity_idx ON tasks (opportunity_id);
CREATE INDEX tasks_service_request_idx ON tasks (service_request_id);

-- Appointments, calls and meetings. Overlap is decided on the UTC instants.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    division_id TEXT NOT NULL REFERENCES divisions (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    location TEXT,
    notes TEXT,
    customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX events_division_starts_idx ON events (division_id, starts_at, id);
CREATE INDEX events_starts_idx ON events (starts_at, id);
CREATE INDEX events_customer_idx ON events (customer_id);

CREATE TABLE event_attendees (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_attendees_user_idx ON event_attendees (user_id, event_id);

-- One secret feed address per user; only the token's hash is kept.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_token_hash_key ON calendar_feeds (token_hash);
