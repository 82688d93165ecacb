-- Patch records: the work to remove one vulnerability from one asset, and its proof. The record itself is
-- a JSON document (the domain type); the columns are what lists and reports filter on.
CREATE TABLE records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    version        BIGINT NOT NULL,             -- optimistic concurrency
    asset          TEXT NOT NULL,
    vulnerability  TEXT,
    state          TEXT NOT NULL,
    severity       TEXT,
    detected_at    TEXT NOT NULL,
    due_at         TEXT,
    closed_at      TEXT,
    document       TEXT NOT NULL
);
CREATE INDEX records_asset_vulnerability ON records (asset, vulnerability);
CREATE INDEX records_state ON records (state);

-- Evidence files attached to records (test reports), kept with their SHA-256.
CREATE TABLE evidence (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id  BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    BLOB NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX evidence_record ON evidence (record_id);
