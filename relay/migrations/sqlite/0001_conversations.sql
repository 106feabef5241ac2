-- Conversations, their messages, agent presence and agent sessions.

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY NOT NULL,
    workstream      TEXT NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('persistent', 'live')),
    state           TEXT NOT NULL CHECK (state IN ('open', 'active', 'waiting', 'closed')),
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    customer_name   TEXT,
    customer_email  TEXT,
    agent_id        TEXT,
    affinity_agent  TEXT,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    agent_read_seq  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT
);

-- R2: at most one conversation that is not closed per (issuer, subject, workstream).
CREATE UNIQUE INDEX conversations_one_open_per_identity
    ON conversations (issuer, subject, workstream) WHERE state <> 'closed';
CREATE INDEX conversations_by_identity ON conversations (issuer, subject, workstream, created_at);
CREATE INDEX conversations_by_state ON conversations (state, workstream);
CREATE INDEX conversations_by_agent ON conversations (agent_id, state);

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    id              TEXT NOT NULL,
    client_id       TEXT,
    author_kind     TEXT NOT NULL CHECK (author_kind IN ('customer', 'agent', 'system')),
    author_id       TEXT NOT NULL,
    author_name     TEXT,
    system_kind     TEXT,
    text            TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

-- Idempotent resends: one message per client id in a conversation; also finds a resend by id alone.
CREATE UNIQUE INDEX messages_by_client_id ON messages (client_id, conversation_id)
    WHERE client_id IS NOT NULL;

CREATE TABLE agents (
    id        TEXT PRIMARY KEY NOT NULL,
    presence  TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'offline'))
);

-- Only a hash of each session token is stored: a leaked database signs nobody in.
CREATE TABLE agent_sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    agent_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
