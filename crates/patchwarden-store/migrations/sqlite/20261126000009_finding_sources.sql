-- Which tools saw a finding: patchwarden's own scan and each imported report's tool. A run of one tool
-- marks gone only what that tool saw before; a finding is gone when no source sees it any more.
ALTER TABLE scans ADD COLUMN tool TEXT NOT NULL DEFAULT 'patchwarden';

CREATE TABLE finding_sources (
    finding_id          BIGINT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    tool                TEXT NOT NULL,     -- patchwarden, osv-scanner, pip-audit, trivy, …
    first_seen_at       TEXT NOT NULL,
    first_scan          BIGINT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    last_seen_scan      BIGINT NOT NULL,
    not_detected_since  BIGINT,            -- the first run of this tool that no longer saw it
    PRIMARY KEY (finding_id, tool)
);

-- Every finding so far came from patchwarden's own scans.
INSERT INTO finding_sources (finding_id, tool, first_seen_at, first_scan, last_seen_at, last_seen_scan, not_detected_since)
    SELECT id, 'patchwarden', detected_at, first_scan, last_seen_at, last_seen_scan, not_detected_since FROM findings;
