//! Agent presence and sign-in sessions, both stored so they survive a relay restart.

use super::super::rows::to_count;
use super::{SqliteStore, SqliteWriter};
use crate::store::{AgentWrites, StoreError};
use rusqlite::{OptionalExtension, params};

impl SqliteStore {
    /// The agent's stored presence: `offline` until they first go online.
    pub async fn presence(&self, agent_id: &str) -> Result<String, StoreError> {
        let presence: Option<String> =
            sqlx::query_scalar("SELECT presence FROM agents WHERE id = ?")
                .bind(agent_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(presence.unwrap_or_else(|| "offline".into()))
    }

    /// How many conversations use the agent's capacity (`active` ones).
    pub async fn agent_load(&self, agent_id: &str) -> Result<u32, StoreError> {
        let load: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM conversations WHERE agent_id = ? AND state = 'active'",
        )
        .bind(agent_id)
        .fetch_one(&self.reader)
        .await?;
        Ok(to_count(load))
    }

    /// The agent signed in with this token hash, if the session has not expired at `now`.
    pub async fn session_agent(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT agent_id FROM agent_sessions WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?)
    }
}

impl AgentWrites for SqliteWriter {
    /// Stores the agent's presence.
    fn set_presence(&mut self, agent_id: &str, online: bool) -> Result<(), StoreError> {
        let presence = if online { "online" } else { "offline" };
        self.run(
            "INSERT INTO agents (id, presence) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET presence = excluded.presence",
            params![agent_id, presence],
        )
    }

    /// Whether the agent is online, as this transaction sees it.
    fn is_online(&mut self, agent_id: &str) -> Result<bool, StoreError> {
        let presence: Option<String> = self
            .conn
            .prepare_cached("SELECT presence FROM agents WHERE id = ?1")?
            .query_row([agent_id], |row| row.get(0))
            .optional()?;
        Ok(presence.as_deref() == Some("online"))
    }

    /// The agent's `active` conversations, as this transaction sees them.
    fn agent_load(&mut self, agent_id: &str) -> Result<u32, StoreError> {
        let load: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM conversations WHERE agent_id = ?1 AND state = 'active'",
            )?
            .query_row([agent_id], |row| row.get(0))?;
        Ok(to_count(load))
    }

    fn record_capacities(&mut self, agents: &[(String, u32)]) -> Result<(), StoreError> {
        self.run("UPDATE agents SET capacity = NULL", [])?;
        for (agent_id, capacity) in agents {
            self.run(
                "INSERT INTO agents (id, capacity) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET capacity = excluded.capacity",
                params![agent_id, capacity],
            )?;
        }
        Ok(())
    }

    fn create_session(
        &mut self,
        token_hash: &str,
        agent_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            [token_hash, agent_id, created_at, expires_at],
        )
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.run(
            "DELETE FROM agent_sessions WHERE token_hash = ?1",
            [token_hash],
        )
    }
}

impl SqliteWriter {
    /// Runs one statement that returns nothing.
    fn run(&mut self, sql: &str, values: impl rusqlite::Params) -> Result<(), StoreError> {
        self.conn.prepare_cached(sql)?.execute(values)?;
        Ok(())
    }
}
