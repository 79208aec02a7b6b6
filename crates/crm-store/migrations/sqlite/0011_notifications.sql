-- The notification centre (CFG-3, TSK-3, CUS-10, ACL-6): notices to one user about a record.
-- A notice's key is unique per recipient, so whatever writes it twice writes it once.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE UNIQUE INDEX notifications_user_key ON notifications (user_id, dedupe_key);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Birthdays are found by month and day (`MM-DD` of the `YYYY-MM-DD` text).
CREATE INDEX contacts_birthday_day_idx ON contacts (substr(birthday, 6));
