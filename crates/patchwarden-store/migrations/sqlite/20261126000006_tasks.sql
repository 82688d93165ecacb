-- Maintenance task runs. Times are Unix milliseconds (BIGINT) on both backends so lease arithmetic and
-- comparisons are the same SQL everywhere.

-- One row per task the scheduler has seen: when it was first seen (a new task's first slot comes after
-- that), and a counter every claim updates, which serialises claims on one task (row lock in PostgreSQL,
-- the write lock in SQLite).
CREATE TABLE task_state (
    task        TEXT PRIMARY KEY,
    first_seen  BIGINT NOT NULL,
    claims      BIGINT NOT NULL DEFAULT 0
);

-- A run: started by the scheduler for a slot, by hand (`tasks run`), or reported from elsewhere.
-- (task, slot) is unique, so one slot is run (or declared missed) once across every scheduler.
CREATE TABLE task_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    task            TEXT NOT NULL,
    slot            BIGINT,
    origin          TEXT NOT NULL,          -- schedule | manual | report
    status          TEXT NOT NULL,          -- running | succeeded | failed | timed_out | abandoned | missed
    runner          TEXT NOT NULL,
    external_id     TEXT,                   -- the reporter's run id, to tell overlapping runs apart
    started_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    lease_until     BIGINT,
    exit_code       INTEGER,
    output          TEXT NOT NULL DEFAULT '',
    output_dropped  BIGINT NOT NULL DEFAULT 0,
    detail          TEXT
);
CREATE UNIQUE INDEX task_runs_slot ON task_runs (task, slot);
CREATE UNIQUE INDEX task_runs_external ON task_runs (task, external_id);
CREATE INDEX task_runs_task_started ON task_runs (task, started_at);
CREATE INDEX task_runs_running ON task_runs (status, lease_until);

-- Notifications: how far each channel has read the audit log's alerts, and every delivery attempt's outcome.
CREATE TABLE notify_cursor (
    channel   TEXT PRIMARY KEY,
    last_seq  BIGINT NOT NULL
);

CREATE TABLE notify_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    event_seq   BIGINT,                 -- the alert's audit event; NULL for `notify test`
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    status      TEXT NOT NULL,          -- sent | failed | suppressed (a duplicate within the window)
    attempts    INTEGER NOT NULL,
    error       TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX notify_deliveries_dedupe ON notify_deliveries (channel, kind, subject, at);

-- "Due soon" warnings already raised, one per record and deadline.
CREATE TABLE sla_warnings (
    record_id  BIGINT NOT NULL,
    due_at     BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (record_id, due_at)
);
