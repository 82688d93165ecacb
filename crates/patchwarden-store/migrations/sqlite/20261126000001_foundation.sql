-- People and their roles, as configured; kept so the record names who acted even after they leave.
CREATE TABLE people (
    name        TEXT PRIMARY KEY NOT NULL,
    email       TEXT,
    roles       TEXT NOT NULL,              -- comma-separated role names
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at  TEXT NOT NULL
);

-- The estate: what is patched, in which layer.
CREATE TABLE assets (
    name                TEXT PRIMARY KEY NOT NULL,
    layer               TEXT NOT NULL,
    owner               TEXT,
    environment         TEXT,
    data_classification TEXT,
    scan                TEXT NOT NULL DEFAULT '[]',   -- JSON array of paths
    components          TEXT NOT NULL DEFAULT '[]',   -- JSON array of name@version
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at          TEXT NOT NULL
);

-- The tamper-evident audit log: each event holds the SHA-256 of the one before it.
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_events_subject ON audit_events (subject);

-- The end of the chain, updated in the same transaction as every append: removing events from the end
-- without also forging this row is detected.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Events are append-only; the hash chain catches anyone who drops these triggers.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
