-- Sales opportunities (SAL-1..5): the pipeline's stages, opportunities with their development
-- plans, and the board's per-stage totals. Portable types as in 0001: ids, times and dates
-- TEXT, money integer 1/10,000 units with its currency.

CREATE TABLE pipeline_stages (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    probability BIGINT NOT NULL,
    -- 'won' or 'lost' for the two closing stages; NULL for the open ones.
    outcome TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX pipeline_stages_name_key ON pipeline_stages (name);
CREATE UNIQUE INDEX pipeline_stages_outcome_key ON pipeline_stages (outcome);

CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    division_id TEXT NOT NULL REFERENCES divisions (id),
    customer_name TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id),
    source_id TEXT REFERENCES dictionary_entries (id),
    probability BIGINT NOT NULL,
    summary TEXT NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    description TEXT,
    status TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    assignee_id TEXT REFERENCES users (id),
    assigned_at TEXT,
    -- The assignee, or the creator while unassigned: whose pipeline it is in.
    owner_id TEXT REFERENCES users (id),
    stage_id TEXT NOT NULL REFERENCES pipeline_stages (id),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    expected_close_date TEXT,
    loss_reason_id TEXT REFERENCES dictionary_entries (id),
    closed_at TEXT,
    last_activity_at TEXT NOT NULL,
    stale_since TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX opportunities_number_key ON opportunities (number);
-- List sorts with their keyset tie-breaker, alone and within a division, an owner's or a
-- creator's book (the scopes of ACL-3), and the common filters within a division.
CREATE INDEX opportunities_created_at_idx ON opportunities (created_at, id);
CREATE INDEX opportunities_updated_at_idx ON opportunities (updated_at, id);
CREATE INDEX opportunities_division_created_at_idx ON opportunities (division_id, created_at, id);
CREATE INDEX opportunities_division_status_idx ON opportunities (division_id, status, created_at, id);
CREATE INDEX opportunities_division_close_idx ON opportunities (division_id, expected_close_date, id);
CREATE INDEX opportunities_owner_created_at_idx ON opportunities (owner_id, created_at, id);
CREATE INDEX opportunities_creator_created_at_idx ON opportunities (created_by, created_at, id);
CREATE INDEX opportunities_assignee_idx ON opportunities (assignee_id, created_at, id);
CREATE INDEX opportunities_customer_idx ON opportunities (customer_id);
CREATE INDEX opportunities_customer_name_idx ON opportunities (customer_name, id);
CREATE INDEX opportunities_amount_idx ON opportunities (amount, id);
CREATE INDEX opportunities_division_amount_idx ON opportunities (division_id, amount, id);
CREATE INDEX opportunities_owner_amount_idx ON opportunities (owner_id, amount, id);
-- The close date sorts with undated ones first, as the list's keyset needs a value.
CREATE INDEX opportunities_close_sort_idx ON opportunities ((COALESCE(expected_close_date, '')), id);
CREATE INDEX opportunities_division_close_sort_idx ON opportunities (division_id, (COALESCE(expected_close_date, '')), id);
CREATE INDEX opportunities_owner_close_sort_idx ON opportunities (owner_id, (COALESCE(expected_close_date, '')), id);
-- The board's cards: the most recently active of one stage, in a division or an owner's book.
CREATE INDEX opportunities_stage_updated_idx ON opportunities (stage_id, updated_at, id);
CREATE INDEX opportunities_division_stage_idx ON opportunities (division_id, stage_id, updated_at, id);
CREATE INDEX opportunities_owner_stage_idx ON opportunities (owner_id, stage_id, updated_at, id);
-- The forecast (open ones by expected close) and the stale check (open ones by last activity).
CREATE INDEX opportunities_status_close_idx ON opportunities (status, expected_close_date);
CREATE INDEX opportunities_status_activity_idx ON opportunities (status, last_activity_at);
-- The stale list (SAL-5) of a division or an owner: the few flagged rows only.
CREATE INDEX opportunities_division_stale_idx ON opportunities (division_id, created_at, id) WHERE stale_since IS NOT NULL;
CREATE INDEX opportunities_owner_stale_idx ON opportunities (owner_id, created_at, id) WHERE stale_since IS NOT NULL;

CREATE TABLE opportunity_plan_items (
    id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    planned_on TEXT NOT NULL,
    content TEXT NOT NULL,
    result TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX opportunity_plan_items_opportunity_idx ON opportunity_plan_items (opportunity_id, planned_on, id);

-- Count, amount and weighted amount (Σ amount × probability in percent) of the opportunities
-- of each division, stage, owner ('' for none), currency and month of expected close ('' for
-- none), kept in the write transactions: the board, the funnel and the forecast read these
-- rows instead of adding up every opportunity on each view.
CREATE TABLE pipeline_totals (
    division_id TEXT NOT NULL,
    stage_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_month TEXT NOT NULL,
    count BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    weighted BIGINT NOT NULL,
    PRIMARY KEY (division_id, stage_id, owner_id, currency, close_month)
);
CREATE INDEX pipeline_totals_owner_idx ON pipeline_totals (owner_id, stage_id);
