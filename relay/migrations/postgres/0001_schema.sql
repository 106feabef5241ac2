-- Tetap on PostgreSQL: the same rows as on SQLite (whose migrations 0001–0006 this one matches),
-- with PostgreSQL's own tools for what SQLite got from having one writer: row locks, a CHECK
-- on each agent's counted load, a partial unique index, and `FOR UPDATE SKIP LOCKED`.
--
-- Instants are TEXT, RFC 3339 in UTC with milliseconds (`2026-11-24T09:00:00.000Z`), as on
-- SQLite: the relay's clock decides every time (a test's clock too), so the database only
-- stores and compares them, and fixed-width text compares in time order.

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    -- Creation order, breaking ties of equal instants (FIFO queue, earlier conversations).
    created_order     BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    workstream        TEXT NOT NULL,
    mode              TEXT NOT NULL CHECK (mode IN ('persistent', 'live')),
    state             TEXT NOT NULL CHECK (state IN ('open', 'active', 'waiting', 'closed')),
    issuer            TEXT NOT NULL,
    subject           TEXT NOT NULL,
    customer_name     TEXT,
    customer_email    TEXT,
    agent_id          TEXT,
    affinity_agent    TEXT,
    -- The last message's seq: the next one is taken by `UPDATE … SET last_seq = last_seq + 1
    -- RETURNING` in the message's transaction, so the row lock orders a conversation's messages
    -- and a rolled-back message leaves no gap (a SEQUENCE would).
    last_seq          BIGINT NOT NULL DEFAULT 0,
    agent_read_seq    BIGINT NOT NULL DEFAULT 0,
    customer_read_seq BIGINT NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    closed_at         TEXT,
    -- R7: the once-per-waiting-period notice, and when the customer came back.
    returned_notified BOOLEAN NOT NULL DEFAULT FALSE,
    returned_at       TEXT,
    -- R10 FIFO: when the conversation entered the queue.
    queued_at         TEXT,
    locale            TEXT NOT NULL DEFAULT 'en',
    -- R8's exception, explicit: this assignment gave the conversation back to its own agent,
    -- who may be at full capacity.
    capacity_exempt   BOOLEAN NOT NULL DEFAULT FALSE
);

-- R2: at most one conversation that is not closed per (issuer, subject, workstream).
CREATE UNIQUE INDEX conversations_one_open_per_identity
    ON conversations (issuer, subject, workstream) WHERE state <> 'closed';
CREATE INDEX conversations_by_identity
    ON conversations (issuer, subject, workstream, created_at, created_order);
CREATE INDEX conversations_by_agent ON conversations (agent_id, state);
CREATE INDEX conversations_queue ON conversations (queued_at, created_order) WHERE state = 'open';
CREATE INDEX conversations_by_workstream ON conversations (workstream, state);

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq             BIGINT NOT NULL,
    id              TEXT NOT NULL,
    client_id       TEXT,
    author_kind     TEXT NOT NULL CHECK (author_kind IN ('customer', 'agent', 'system')),
    author_id       TEXT NOT NULL,
    author_name     TEXT,
    system_kind     TEXT,
    text            TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

-- Idempotent resends: one message per client id in a conversation; also finds a resend by id alone.
CREATE UNIQUE INDEX messages_by_client_id ON messages (client_id, conversation_id)
    WHERE client_id IS NOT NULL;

CREATE TABLE agents (
    id          TEXT PRIMARY KEY,
    presence    TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'offline')),
    -- Each configured agent's capacity, written at start from the configuration; NULL: no limit.
    capacity    INTEGER,
    -- The agent's `active` conversations, and how many of those are R8's exception; kept by
    -- the triggers below in the transaction that assigns, so the row lock orders assignments.
    load        INTEGER NOT NULL DEFAULT 0 CHECK (load >= 0),
    exempt_load INTEGER NOT NULL DEFAULT 0 CHECK (exempt_load >= 0 AND exempt_load <= load),
    -- What the load may exceed the capacity by when an operator lowers it below the current
    -- load: the excess drains as conversations end; it never grows.
    over_capacity INTEGER NOT NULL DEFAULT 0 CHECK (over_capacity >= 0),
    -- R8/R10: beyond its capacity an agent holds only R8's returns (and a lowered capacity's
    -- excess). The trigger refuses a single assignment precisely; this backs it whatever path
    -- writes the rows.
    CONSTRAINT agents_within_capacity
        CHECK (capacity IS NULL OR load <= capacity + exempt_load + over_capacity)
);

-- R8/R10: no assignment beyond the agent's capacity, whichever path takes it (routing, accept,
-- answering), unless it is R8's exception. Locks the agent's row first, so two relays
-- assigning to one agent take turns and the second counts the first.
CREATE FUNCTION conversations_within_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current_load INTEGER;
    agent_capacity INTEGER;
BEGIN
    IF NEW.state = 'active' AND NEW.agent_id IS NOT NULL AND NOT NEW.capacity_exempt
        AND (TG_OP = 'INSERT' OR OLD.state <> 'active' OR OLD.agent_id IS DISTINCT FROM NEW.agent_id)
    THEN
        SELECT load, capacity INTO current_load, agent_capacity
            FROM agents WHERE id = NEW.agent_id FOR UPDATE;
        IF current_load >= coalesce(agent_capacity, 2147483647) THEN
            RAISE EXCEPTION 'tetap: agent at capacity' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER conversations_within_capacity
    BEFORE INSERT OR UPDATE OF state, agent_id, capacity_exempt ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_within_capacity();

-- Keeps each agent's load: the old row's share leaves before the new row's arrives.
CREATE FUNCTION conversations_count_load() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'active' AND OLD.agent_id IS NOT NULL THEN
        UPDATE agents SET
            load = load - 1,
            exempt_load = exempt_load - OLD.capacity_exempt::INTEGER,
            over_capacity = greatest(0, least(over_capacity,
                load - 1 - (exempt_load - OLD.capacity_exempt::INTEGER) - coalesce(capacity, 0)))
        WHERE id = OLD.agent_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'active' AND NEW.agent_id IS NOT NULL THEN
        INSERT INTO agents (id, load, exempt_load)
            VALUES (NEW.agent_id, 1, NEW.capacity_exempt::INTEGER)
        ON CONFLICT (id) DO UPDATE SET
            load = agents.load + 1,
            exempt_load = agents.exempt_load + excluded.exempt_load;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER conversations_count_load
    AFTER INSERT OR UPDATE OF state, agent_id, capacity_exempt OR DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_count_load();

-- Only a hash of each session token is stored: a leaked database signs nobody in.
CREATE TABLE agent_sessions (
    token_hash  TEXT PRIMARY KEY,
    agent_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Timers with their due time, so they survive a restart; claimed with `FOR UPDATE SKIP LOCKED`
-- and fired in the claiming transaction (exactly once, however many relays poll).
CREATE TABLE timers (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('waiting_timeout', 'affinity_grace', 'reconnect_grace')),
    due_at          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, kind)
);
CREATE INDEX timers_by_due ON timers (due_at);

-- How long recent conversations waited in the queue, per workstream (live wait-time notices).
CREATE TABLE waits (
    workstream      TEXT NOT NULL,
    waited_seconds  BIGINT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX waits_by_workstream ON waits (workstream, at);

-- The relay's own secrets, made on first use (the visitor-token key).
CREATE TABLE relay_secrets (
    name   TEXT PRIMARY KEY,
    value  BYTEA NOT NULL
);

-- R11: which relay instances are running, each with a lease it renews.
CREATE TABLE relay_instances (
    id          TEXT PRIMARY KEY,
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
);
CREATE INDEX customer_sockets_by_instance ON customer_sockets (instance_id);
