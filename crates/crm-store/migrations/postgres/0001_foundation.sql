-- Foundation: access control, audit, jobs, base data.
-- Portable types (DESIGN.md): ids are UUIDv7 text, times are UTC RFC 3339 text with
-- microseconds (sortable as text), money and quantities are integer 1/10,000 units.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE divisions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    code TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX divisions_name_key ON divisions (name);
CREATE UNIQUE INDEX divisions_code_key ON divisions (code);

CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    permissions TEXT NOT NULL,
    data_scope TEXT NOT NULL,
    builtin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX roles_code_key ON roles (code);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name TEXT,
    email TEXT,
    frozen BOOLEAN NOT NULL DEFAULT FALSE,
    locale TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

CREATE TABLE user_divisions (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    division_id TEXT NOT NULL REFERENCES divisions (id),
    PRIMARY KEY (user_id, division_id)
);
CREATE INDEX user_divisions_division_idx ON user_divisions (division_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    division_id TEXT,
    old_values TEXT,
    new_values TEXT
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_division_idx ON audit_log (division_id, id);

CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    interval_seconds BIGINT NOT NULL,
    run_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_error TEXT,
    runs BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE dictionary_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES dictionary_entries (id),
    code TEXT,
    label TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    editable BOOLEAN NOT NULL DEFAULT TRUE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX dictionary_entries_kind_parent_label_key ON dictionary_entries (kind, COALESCE(parent_id, ''), label);
CREATE UNIQUE INDEX dictionary_entries_kind_code_key ON dictionary_entries (kind, code);
CREATE INDEX dictionary_entries_kind_position_idx ON dictionary_entries (kind, position);
CREATE INDEX dictionary_entries_parent_idx ON dictionary_entries (parent_id);

CREATE TABLE number_sequences (
    kind TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    date_format TEXT NOT NULL,
    width BIGINT NOT NULL,
    period TEXT NOT NULL DEFAULT '',
    last_value BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX number_sequences_id_key ON number_sequences (id);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    model TEXT,
    unit TEXT,
    price BIGINT NOT NULL DEFAULT 0,
    cost BIGINT,
    currency TEXT NOT NULL DEFAULT 'CNY',
    batch TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX products_name_model_key ON products (name, COALESCE(model, ''));

CREATE TABLE inventory (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    division_id TEXT NOT NULL REFERENCES divisions (id),
    warehouse TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL DEFAULT 0,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
-- Unique per division: divisions keep their own warehouses, and a clash must not reveal another division's stock.
CREATE UNIQUE INDEX inventory_division_id_product_id_warehouse_location_key ON inventory (division_id, product_id, warehouse, location);
CREATE INDEX inventory_division_idx ON inventory (division_id, id);
CREATE INDEX inventory_product_idx ON inventory (product_id);
