-- Patch records: the work to remove one vulnerability from one asset, and its proof. The record itself is
-- a JSON document (the domain type); the columns are what lists and reports filter on.
CREATE TABLE records (
    id             BIGSERIAL PRIMARY KEY,
    version        BIGINT NOT NULL,             -- optimistic concurrency
    asset          TEXT NOT NULL,
    vulnerability  TEXT,
    state          TEXT NOT NULL,
    severity       TEXT,
    detected_at    TIMESTAMPTZ NOT NULL,
    due_at         TIMESTAMPTZ,
    closed_at      TIMESTAMPTZ,
    document       TEXT NOT NULL
);
CREATE INDEX records_asset_vulnerability ON records (asset, vulnerability);
CREATE INDEX records_state ON records (state);

-- Evidence files attached to records (test reports), kept with their SHA-256.
CREATE TABLE evidence (
    id         BIGSERIAL PRIMARY KEY,
    record_id  BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    BYTEA NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_record ON evidence (record_id);
