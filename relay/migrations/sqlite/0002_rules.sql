-- What the conversation rules keep: the once-per-waiting-period notice (R7), queue and
-- assignment times (R10 FIFO, live wait-time estimates), the customer's locale for system
-- messages, and timers stored with their due time so they survive a restart.

ALTER TABLE conversations ADD COLUMN returned_notified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN queued_at TEXT;
ALTER TABLE conversations ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';

CREATE INDEX conversations_queue ON conversations (state, queued_at) WHERE state = 'open';

CREATE TABLE timers (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('waiting_timeout', 'affinity_grace', 'reconnect_grace')),
    due_at          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, kind)
) WITHOUT ROWID;
CREATE INDEX timers_by_due ON timers (due_at);

-- How long recent conversations waited in the queue, per workstream (live wait-time notices).
CREATE TABLE waits (
    workstream      TEXT NOT NULL,
    waited_seconds  INTEGER NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX waits_by_workstream ON waits (workstream, at);
