-- Vendor feeds as last polled: the validators of the last body read in full, and the last failure.
CREATE TABLE feed_state (
    name            TEXT PRIMARY KEY NOT NULL,
    url             TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    polled_at       TIMESTAMPTZ,
    succeeded_at    TIMESTAMPTZ,
    error           TEXT,
    failures        BIGINT NOT NULL DEFAULT 0
);

-- Every item ever read from a feed, relevant or not, so an item is considered once.
CREATE TABLE feed_items (
    feed     TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feed, item_id)
);

-- The triage queue: vendor notices, tickets and user reports waiting for a decision.
CREATE TABLE notices (
    id           BIGSERIAL PRIMARY KEY,
    source       TEXT NOT NULL,                 -- feed, ticket or user-report
    feed         TEXT,
    item_id      TEXT,
    vendor       TEXT,
    asset        TEXT,
    title        TEXT NOT NULL,
    link         TEXT,
    published_at TIMESTAMPTZ,
    received_at  TIMESTAMPTZ NOT NULL,
    cves         TEXT NOT NULL DEFAULT '[]',    -- JSON array of CVE ids
    severity     TEXT,                          -- the most severe known severity of those CVEs
    state        TEXT NOT NULL,                 -- untriaged, opened, dismissed
    triaged_at   TIMESTAMPTZ,
    triaged_by   TEXT,
    reason       TEXT,
    record_id    BIGINT REFERENCES records (id)
);
CREATE INDEX notices_state ON notices (state);
CREATE UNIQUE INDEX notices_feed_item ON notices (feed, item_id);
