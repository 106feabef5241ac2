//! Agents on PostgreSQL: presence, capacity and sign-in sessions, and the relay's own secrets.
//! A write that reads an agent's presence or load locks the agent's row, so decisions about one
//! agent, on any relay, take turns.

use super::super::rows::to_count;
use super::{PostgresStore, PostgresWriter};
use crate::store::{AgentWrites, SecretWrites, StoreError};

impl PostgresStore {
    pub(in crate::store) async fn presence(&self, agent_id: &str) -> Result<String, StoreError> {
        let presence: Option<String> =
            sqlx::query_scalar("SELECT presence FROM agents WHERE id = $1")
                .bind(agent_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(presence.unwrap_or_else(|| "offline".into()))
    }

    pub(in crate::store) async fn agent_load(&self, agent_id: &str) -> Result<u32, StoreError> {
        let load: Option<i32> = sqlx::query_scalar("SELECT load FROM agents WHERE id = $1")
            .bind(agent_id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(to_count(load.unwrap_or(0).into()))
    }

    pub(in crate::store) async fn session_agent(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT agent_id FROM agent_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?)
    }
}

impl AgentWrites for PostgresWriter {
    fn set_presence(&mut self, agent_id: &str, online: bool) -> Result<(), StoreError> {
        let presence = if online { "online" } else { "offline" };
        self.execute(
            sqlx::query(
                "INSERT INTO agents (id, presence) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET presence = excluded.presence",
            )
            .bind(agent_id)
            .bind(presence),
        )?;
        Ok(())
    }

    fn is_online(&mut self, agent_id: &str) -> Result<bool, StoreError> {
        if let Some(online) = self.ahead.is_online(agent_id) {
            return Ok(online);
        }
        let presence: Option<(String,)> = self.optional(
            sqlx::query_as("SELECT presence FROM agents WHERE id = $1 FOR UPDATE").bind(agent_id),
        )?;
        Ok(presence.is_some_and(|(presence,)| presence == "online"))
    }

    fn agent_load(&mut self, agent_id: &str) -> Result<u32, StoreError> {
        let load: Option<(i32,)> = self.optional(
            sqlx::query_as("SELECT load FROM agents WHERE id = $1 FOR UPDATE").bind(agent_id),
        )?;
        Ok(to_count(load.map_or(0, |(load,)| load.into())))
    }

    fn record_capacities(&mut self, agents: &[(String, u32)]) -> Result<(), StoreError> {
        self.execute(sqlx::query(
            "UPDATE agents SET capacity = NULL, over_capacity = 0 WHERE capacity IS NOT NULL",
        ))?;
        for (agent_id, capacity) in agents {
            // A capacity lowered below the agent's current load keeps the excess, which drains.
            self.execute(
                sqlx::query(
                    "INSERT INTO agents (id, capacity) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET capacity = excluded.capacity, \
                     over_capacity = greatest(0, agents.load - agents.exempt_load - excluded.capacity)",
                )
                .bind(agent_id)
                .bind(i32::try_from(*capacity).unwrap_or(i32::MAX)),
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
        self.execute(
            sqlx::query(
                "INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(agent_id)
            .bind(created_at)
            .bind(expires_at),
        )?;
        Ok(())
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.execute(
            sqlx::query("DELETE FROM agent_sessions WHERE token_hash = $1").bind(token_hash),
        )?;
        Ok(())
    }
}

impl SecretWrites for PostgresWriter {
    fn relay_secret(&mut self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.execute(
            sqlx::query(
                "INSERT INTO relay_secrets (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh),
        )?;
        self.scalar(
            sqlx::query_scalar("SELECT value FROM relay_secrets WHERE name = $1").bind(name),
        )
    }
}
