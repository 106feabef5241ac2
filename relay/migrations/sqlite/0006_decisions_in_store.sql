-- What the rules decide from, kept as data so every decision is taken against the rows as they
-- are at commit, and survives a restart or a crash.

-- R7: when the customer came back to a waiting conversation; cleared when it is picked up.
ALTER TABLE conversations ADD COLUMN returned_at TEXT;
-- R8's exception, explicit: this assignment gave the conversation back to its own agent, who
-- may be at full capacity. Every other assignment must fit the agent's capacity.
ALTER TABLE conversations ADD COLUMN capacity_exempt INTEGER NOT NULL DEFAULT 0;

-- Each configured agent's capacity, written at start from the configuration; NULL: no limit known.
ALTER TABLE agents ADD COLUMN capacity INTEGER;

-- R8/R10: no assignment beyond the agent's capacity, whichever path takes it (routing, accept,
-- answering), unless it is R8's exception.
CREATE TRIGGER conversations_within_capacity
BEFORE UPDATE OF state, agent_id ON conversations
WHEN NEW.state = 'active' AND NEW.agent_id IS NOT NULL AND NEW.capacity_exempt = 0
    AND (OLD.state <> 'active' OR OLD.agent_id IS NOT NEW.agent_id)
    AND (SELECT count(*) FROM conversations
         WHERE agent_id = NEW.agent_id AND state = 'active' AND id <> NEW.id)
        >= coalesce((SELECT capacity FROM agents WHERE id = NEW.agent_id), 2147483647)
BEGIN
    SELECT RAISE(ABORT, 'tetap: agent at capacity');
END;

-- R11: which relay instances are running, each with a lease it renews; an instance that stops
-- or is killed lets its lease lapse.
CREATE TABLE relay_instances (
    id          TEXT PRIMARY KEY NOT NULL,
    started_at  TEXT NOT NULL,
    lease_until TEXT NOT NULL
);

-- R11: the open customer sockets, counted per identity and relay instance; gone with the
-- instance's lease.
CREATE TABLE customer_sockets (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    workstream  TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES relay_instances (id) ON DELETE CASCADE,
    sockets     INTEGER NOT NULL CHECK (sockets > 0),
    PRIMARY KEY (issuer, subject, workstream, instance_id)
) WITHOUT ROWID;
CREATE INDEX customer_sockets_by_instance ON customer_sockets (instance_id);
