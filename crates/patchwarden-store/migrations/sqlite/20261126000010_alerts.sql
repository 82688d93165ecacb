-- Alerts raised once per occasion (a post-mortem falling due, a cadence missed on a due date, a component
-- reaching its end of life…): the occasion's key, so every later check, on any scheduler, skips it.
CREATE TABLE raised_alerts (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    at    BIGINT NOT NULL,   -- Unix milliseconds
    PRIMARY KEY (kind, key)
);
