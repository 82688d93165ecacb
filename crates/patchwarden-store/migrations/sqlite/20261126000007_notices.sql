-- Vendor feeds as last polled: the validators of the last body read in full, and the last failure.
CREATE TABLE feed_state (
    name            TEXT PRIMARY KEY NOT NULL,
    url             TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    polled_at       TEXT,
    succeeded_at    TEXT,
    error           TEXT,
    failures        BIGINT NOT NULL DEFAULT 0
);

-- Every item ever read from a feed, relevant or not, so an item is considered once.
CREATE TABLE feed_items (
    feed     TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (feed, item_id)
);

-- The triage queue: vendor notices, tickets and user reports waiting for a decision.
CREATE TABLE notices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT NOT NULL,                 -- feed, ticket or user-report
    feed         TEXT,
    item_id      TEXT,
    vendor       TEXT,
    asset        TEXT,
    title        TEXT NOT NULL,
    link         TEXT,
    published_at TEXT,
    received_at  TEXT NOT NULL,
    cves         TEXT NOT NULL DEFAULT '[]',    -- JSON array of CVE ids
    severity     TEXT,                          -- the most severe known severity of those CVEs
    state        TEXT NOT NULL,                 -- untriaged, opened, dismissed
    triaged_at   TEXT,
    triaged_by   TEXT,
    reason       TEXT,
    record_id    BIGINT REFERENCES records (id)
);
CREATE INDEX notices_state ON notices (state);
CREATE UNIQUE INDEX notices_feed_item ON notices (feed, item_id);
