-- People and their roles, as configured; kept so the record names who acted even after they leave.
CREATE TABLE people (
    name        TEXT PRIMARY KEY,
    email       TEXT,
    roles       TEXT NOT NULL,              -- comma-separated role names
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- The estate: what is patched, in which layer.
CREATE TABLE assets (
    name                TEXT PRIMARY KEY,
    layer               TEXT NOT NULL,
    owner               TEXT,
    environment         TEXT,
    data_classification TEXT,
    scan                TEXT NOT NULL DEFAULT '[]',   -- JSON array of paths
    components          TEXT NOT NULL DEFAULT '[]',   -- JSON array of name@version
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- The tamper-evident audit log: each event holds the SHA-256 of the one before it.
CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_events_subject ON audit_events (subject);

-- The end of the chain, updated in the same transaction as every append (and locked by it, so appends
-- from several server instances queue up): removing events from the end without forging this row is
-- detected.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Events are append-only; the hash chain catches anyone who drops these triggers.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
