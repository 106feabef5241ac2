//! Agent presence and sign-in sessions, both stored so they survive a relay restart.

use super::{Store, StoreError, StoreTx};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// The agent's stored presence: `offline` until they first go online.
    pub async fn presence(&self, agent_id: &str) -> Result<String, StoreError> {
        let presence: Option<String> =
            sqlx::query_scalar("SELECT presence FROM agents WHERE id = ?")
                .bind(agent_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(presence.unwrap_or_else(|| "offline".into()))
    }

    /// Stores each configured agent's capacity, which the store's capacity check reads (R10).
    pub async fn record_capacities(&self, agents: Vec<(String, u32)>) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.run("UPDATE agents SET capacity = NULL", [])?;
            for (agent_id, capacity) in &agents {
                tx.run(
                    "INSERT INTO agents (id, capacity) VALUES (?1, ?2) \
                     ON CONFLICT (id) DO UPDATE SET capacity = excluded.capacity",
                    params![agent_id, capacity],
                )?;
            }
            Ok(())
        })
        .await
    }

    /// How many conversations use the agent's capacity (`active` ones).
    pub async fn agent_load(&self, agent_id: &str) -> Result<u32, StoreError> {
        let load: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM conversations WHERE agent_id = ? AND state = 'active'",
        )
        .bind(agent_id)
        .fetch_one(&self.reader)
        .await?;
        Ok(u32::try_from(load).unwrap_or(u32::MAX))
    }

    /// Records a session by the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let values = [token_hash, agent_id, created_at, expires_at].map(str::to_owned);
        self.write(move |tx| {
            tx.run(
                "INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                values,
            )
        })
        .await
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

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            tx.run(
                "DELETE FROM agent_sessions WHERE token_hash = ?1",
                [token_hash],
            )
        })
        .await
    }
}

impl StoreTx<'_> {
    /// Stores the agent's presence.
    pub fn set_presence(&mut self, agent_id: &str, online: bool) -> Result<(), StoreError> {
        let presence = if online { "online" } else { "offline" };
        self.run(
            "INSERT INTO agents (id, presence) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET presence = excluded.presence",
            params![agent_id, presence],
        )
    }

    /// Whether the agent is online, as this transaction sees it.
    pub fn is_online(&mut self, agent_id: &str) -> Result<bool, StoreError> {
        let presence: Option<String> = self
            .conn
            .prepare_cached("SELECT presence FROM agents WHERE id = ?1")?
            .query_row([agent_id], |row| row.get(0))
            .optional()?;
        Ok(presence.as_deref() == Some("online"))
    }

    /// The agent's `active` conversations, as this transaction sees them.
    pub fn agent_load(&mut self, agent_id: &str) -> Result<u32, StoreError> {
        let load: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM conversations WHERE agent_id = ?1 AND state = 'active'",
            )?
            .query_row([agent_id], |row| row.get(0))?;
        Ok(u32::try_from(load).unwrap_or(u32::MAX))
    }

    /// Runs one statement that returns nothing.
    fn run(&mut self, sql: &str, values: impl rusqlite::Params) -> Result<(), StoreError> {
        self.conn.prepare_cached(sql)?.execute(values)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CustomerIdentity, NewConversation, SavedState, Store, StoreError};
    use tetap_shared::{ConversationState, Mode};

    const AT: &str = "2026-11-24T09:00:00.000Z";

    /// A new conversation of customer `sub`, handed to anna with or without R8's exception.
    async fn assign_to_anna(store: &Store, sub: &str, exempt: bool) -> Result<(), StoreError> {
        let sub = sub.to_owned();
        store
            .write(move |tx| {
                let identity = CustomerIdentity {
                    issuer: "iss".into(),
                    subject: sub,
                    workstream: "support".into(),
                };
                let row = tx.create_conversation(NewConversation {
                    identity: &identity,
                    mode: Mode::Persistent,
                    customer_name: None,
                    customer_email: None,
                    locale: "en",
                    at: AT,
                })?;
                tx.save_state(
                    &row.id,
                    &SavedState {
                        state: ConversationState::Active,
                        agent: Some("anna"),
                        affinity_agent: Some("anna"),
                        returned_notified: false,
                        returned_at: None,
                        capacity_exempt: exempt,
                        at: AT,
                    },
                )
            })
            .await
    }

    #[tokio::test]
    async fn r10_the_store_refuses_an_assignment_beyond_capacity_except_r8s_return() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.expect("store");
        store
            .record_capacities(vec![("anna".into(), 2)])
            .await
            .expect("capacities");
        for sub in ["c1", "c2"] {
            assign_to_anna(&store, sub, false)
                .await
                .expect("within capacity");
        }
        let refused = assign_to_anna(&store, "c3", false).await;
        assert!(
            matches!(refused, Err(StoreError::AtCapacity)),
            "{refused:?}"
        );
        assign_to_anna(&store, "c4", true)
            .await
            .expect("R8: back to its own agent even at full capacity");
        assert_eq!(store.agent_load("anna").await.expect("load"), 3);
    }
}
