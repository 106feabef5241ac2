//! Customer presence as rows on PostgreSQL (R11): relay instances with leases, and the customer
//! sockets each holds open; an instance's sockets go with its row.

use super::super::rows::{CONVERSATION_COLUMNS, RawConversation, convert};
use super::PostgresWriter;
use crate::store::{ConversationRow, CustomerIdentity, PresenceWrites, StoreError};

impl PresenceWrites for PostgresWriter {
    fn renew_instance(
        &mut self,
        instance: &str,
        now: &str,
        lease_until: &str,
    ) -> Result<bool, StoreError> {
        // `xmax = 0` only for a row this statement inserted: false when the lease had lapsed.
        let renewed: bool = self.scalar(
            sqlx::query_scalar(
                "INSERT INTO relay_instances (id, started_at, lease_until) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until \
                 RETURNING xmax <> 0",
            )
            .bind(instance)
            .bind(now)
            .bind(lease_until),
        )?;
        Ok(renewed)
    }

    fn expire_instances(&mut self, instance: &str, now: &str) -> Result<usize, StoreError> {
        let expired = self.execute(
            sqlx::query("DELETE FROM relay_instances WHERE lease_until <= $2 AND id <> $1")
                .bind(instance)
                .bind(now),
        )?;
        Ok(usize::try_from(expired).unwrap_or(usize::MAX))
    }

    fn remove_instance(&mut self, instance: &str) -> Result<(), StoreError> {
        self.execute(sqlx::query("DELETE FROM relay_instances WHERE id = $1").bind(instance))?;
        Ok(())
    }

    fn add_customer_socket(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            sqlx::query(
                "INSERT INTO customer_sockets (issuer, subject, workstream, instance_id, sockets) \
                 VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (issuer, subject, workstream, instance_id) \
                 DO UPDATE SET sockets = customer_sockets.sockets + 1",
            )
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .bind(instance),
        )?;
        Ok(())
    }

    fn remove_customer_socket(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
    ) -> Result<(), StoreError> {
        let last = self.execute(
            sqlx::query(
                "DELETE FROM customer_sockets WHERE issuer = $1 AND subject = $2 \
                 AND workstream = $3 AND instance_id = $4 AND sockets <= 1",
            )
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .bind(instance),
        )?;
        if last == 0 {
            self.execute(
                sqlx::query(
                    "UPDATE customer_sockets SET sockets = sockets - 1 WHERE issuer = $1 \
                     AND subject = $2 AND workstream = $3 AND instance_id = $4",
                )
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(&identity.workstream)
                .bind(instance),
            )?;
        }
        Ok(())
    }

    fn restore_customer_sockets(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        sockets: u32,
    ) -> Result<(), StoreError> {
        self.execute(
            sqlx::query(
                "INSERT INTO customer_sockets (issuer, subject, workstream, instance_id, sockets) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (issuer, subject, workstream, instance_id) \
                 DO UPDATE SET sockets = excluded.sockets",
            )
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .bind(instance)
            .bind(i32::try_from(sockets).unwrap_or(i32::MAX)),
        )?;
        Ok(())
    }

    fn customer_connected(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        self.scalar(
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM customer_sockets AS s \
                 JOIN relay_instances AS i ON i.id = s.instance_id \
                 WHERE s.issuer = $1 AND s.subject = $2 AND s.workstream = $3 \
                 AND (i.id = $4 OR i.lease_until > $5))",
            )
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .bind(instance)
            .bind(now),
        )
    }

    fn abandoned_live_conversations(
        &mut self,
        instance: &str,
        now: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations AS c \
             WHERE c.state IN ('open', 'active', 'waiting') AND c.mode = 'live' \
             AND NOT EXISTS (SELECT 1 FROM timers AS t \
                 WHERE t.conversation_id = c.id AND t.kind = 'reconnect_grace') \
             AND NOT EXISTS (SELECT 1 FROM customer_sockets AS s \
                 JOIN relay_instances AS i ON i.id = s.instance_id \
                 WHERE s.issuer = c.issuer AND s.subject = c.subject \
                 AND s.workstream = c.workstream AND (i.id = $1 OR i.lease_until > $2)) \
             ORDER BY c.created_order FOR UPDATE OF c"
        );
        let raw = self.all(
            sqlx::query_as::<_, RawConversation>(&sql)
                .bind(instance)
                .bind(now),
        )?;
        convert(raw)
    }
}
