//! What the relay keeps about agents and itself: presence, sign-in sessions, and its own
//! secrets.

use super::super::copy::{SourceRow, insert_json};
use serde::Serialize;
use sqlx::{FromRow, PgConnection};

/// An agent's presence. Its capacity is set after the conversations
/// ([`crate::migrate_store::guard::restore_capacities`]); its load and exempt load are counted
/// on the target by its triggers as conversations arrive.
#[derive(FromRow, Serialize)]
pub(super) struct Agent {
    id: String,
    presence: String,
}

impl SourceRow for Agent {
    const TABLE: &'static str = "agents";
    type Key = String;
    const FIRST: &'static str = "SELECT id, presence FROM agents ORDER BY id LIMIT ?";
    const AFTER: &'static str = "SELECT id, presence FROM agents WHERE id > ? ORDER BY id LIMIT ?";

    fn key(&self) -> String {
        self.id.clone()
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        // The source's presence wins over a row a relay on the target may have made.
        insert_json(
            target,
            "INSERT INTO agents (id, presence) SELECT id, presence \
             FROM json_to_recordset($1::json) AS t(id TEXT, presence TEXT) \
             ON CONFLICT (id) DO UPDATE SET presence = excluded.presence",
            rows,
        )
        .await
    }
}

/// A sign-in session (by its token's hash), so agents stay signed in across the move.
#[derive(FromRow, Serialize)]
pub(super) struct AgentSession {
    token_hash: String,
    agent_id: String,
    created_at: String,
    expires_at: String,
}

impl SourceRow for AgentSession {
    const TABLE: &'static str = "agent_sessions";
    type Key = String;
    const FIRST: &'static str = "SELECT token_hash, agent_id, created_at, expires_at \
         FROM agent_sessions ORDER BY token_hash LIMIT ?";
    const AFTER: &'static str = "SELECT token_hash, agent_id, created_at, expires_at \
         FROM agent_sessions WHERE token_hash > ? ORDER BY token_hash LIMIT ?";

    fn key(&self) -> String {
        self.token_hash.clone()
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        insert_json(
            target,
            "INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) \
             SELECT token_hash, agent_id, created_at, expires_at \
             FROM json_to_recordset($1::json) AS t(token_hash TEXT, agent_id TEXT, \
             created_at TEXT, expires_at TEXT) ON CONFLICT DO NOTHING",
            rows,
        )
        .await
    }
}

/// One of the relay's own secrets (the visitor-token key): BLOB to BYTEA.
#[derive(FromRow)]
pub(super) struct RelaySecret {
    name: String,
    value: Vec<u8>,
}

impl SourceRow for RelaySecret {
    const TABLE: &'static str = "relay_secrets";
    type Key = String;
    const FIRST: &'static str = "SELECT name, value FROM relay_secrets ORDER BY name LIMIT ?";
    const AFTER: &'static str =
        "SELECT name, value FROM relay_secrets WHERE name > ? ORDER BY name LIMIT ?";

    fn key(&self) -> String {
        self.name.clone()
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        // Bytes, so one statement a row (there are a few). The source's secret wins over one a
        // relay started on the target made: what it signed (visitors' tokens) must stay valid.
        for secret in rows {
            sqlx::query(
                "INSERT INTO relay_secrets (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(&secret.name)
            .bind(&secret.value)
            .execute(&mut *target)
            .await?;
        }
        Ok(())
    }
}
