-- One row per scan: what was scanned for which asset, and what it found.
CREATE TABLE scans (
    id           BIGSERIAL PRIMARY KEY,
    asset        TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    targets      TEXT NOT NULL,            -- JSON array of what was scanned
    packages     BIGINT NOT NULL,
    findings     BIGINT NOT NULL,
    unevaluated  BIGINT NOT NULL           -- advisories that could not be evaluated
);
CREATE INDEX scans_asset ON scans (asset, id);

-- A vulnerability present in a package of an asset. One row per (asset, vulnerability, package): seen
-- again, it keeps its first detected_at, so the remediation clock does not restart.
CREATE TABLE findings (
    id                    BIGSERIAL PRIMARY KEY,
    asset                 TEXT NOT NULL,
    vulnerability         TEXT NOT NULL,   -- the alias group's id (a CVE where there is one)
    ecosystem             TEXT NOT NULL,
    package               TEXT NOT NULL,
    version               TEXT NOT NULL,
    advisory_ids          TEXT NOT NULL,   -- JSON array
    aliases               TEXT NOT NULL,   -- JSON array
    severity              TEXT NOT NULL,   -- critical|high|medium|low|unknown
    cvss_score            DOUBLE PRECISION,
    kev                   BOOLEAN NOT NULL,
    fixed_versions        TEXT NOT NULL,   -- JSON array
    source                TEXT NOT NULL,   -- file:line
    summary               TEXT,
    detected_at           TIMESTAMPTZ NOT NULL,
    due_at                TIMESTAMPTZ,
    first_scan            BIGINT NOT NULL,
    last_seen_scan        BIGINT NOT NULL,
    last_seen_at          TIMESTAMPTZ NOT NULL,
    not_detected_since    BIGINT,          -- the first scan that no longer saw it
    UNIQUE (asset, vulnerability, ecosystem, package)
);
CREATE INDEX findings_asset ON findings (asset);
