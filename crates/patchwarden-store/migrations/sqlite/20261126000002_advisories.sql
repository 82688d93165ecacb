-- Advisories (OSV records) as imported: the record itself plus what matching and reports need in columns.
CREATE TABLE advisories (
    id                TEXT PRIMARY KEY NOT NULL,
    modified          TEXT NOT NULL,
    published         TEXT,
    withdrawn         TEXT,
    summary           TEXT,
    aliases           TEXT NOT NULL DEFAULT '[]',  -- JSON array
    related           TEXT NOT NULL DEFAULT '[]',
    upstream          TEXT NOT NULL DEFAULT '[]',
    severity_vector   TEXT,
    severity_version  TEXT,
    severity_score    REAL,
    severity_label    TEXT,
    source            TEXT NOT NULL,
    record            TEXT NOT NULL                -- the OSV JSON
);

-- One row per affected package of an advisory: the lookup index for matching.
CREATE TABLE advisory_packages (
    advisory_id  TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    ecosystem    TEXT NOT NULL,                    -- as OSV writes it, e.g. Debian:12
    name         TEXT NOT NULL,                    -- normalised as the ecosystem compares names
    affected     TEXT NOT NULL                     -- JSON: the affected[] entry (package, ranges, versions)
);
CREATE INDEX advisory_packages_key ON advisory_packages (ecosystem, name);
CREATE INDEX advisory_packages_advisory ON advisory_packages (advisory_id);

-- Every name an advisory goes by (its id and its aliases), to join with the KEV catalog and to group
-- aliases of one vulnerability.
CREATE TABLE advisory_aliases (
    alias        TEXT NOT NULL,
    advisory_id  TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE
);
CREATE INDEX advisory_aliases_alias ON advisory_aliases (alias);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id);

-- The CISA Known Exploited Vulnerabilities catalog, replaced as a whole on each import.
CREATE TABLE kev_entries (
    cve_id          TEXT PRIMARY KEY NOT NULL,
    vendor_project  TEXT NOT NULL,
    product         TEXT NOT NULL,
    name            TEXT NOT NULL,
    date_added      TEXT NOT NULL,
    due_date        TEXT,
    ransomware      TEXT
);

-- Where advisory data came from, and what it looked like last time (to skip unchanged sources and to
-- make conditional requests).
CREATE TABLE advisory_sources (
    name           TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,                  -- osv-zip, osv-dir, osv-file, kev
    location       TEXT NOT NULL,
    sha256         TEXT,
    etag           TEXT,
    last_modified  TEXT,
    advisories     BIGINT NOT NULL DEFAULT 0,
    imported_at    TEXT,
    checked_at     TEXT NOT NULL
);
