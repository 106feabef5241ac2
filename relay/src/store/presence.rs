//! Customer presence as data (R11): the relay instances that are running, each with a lease it
//! renews, and the customer sockets each holds open. "The customer's last socket is gone" is a
//! question for these rows, so it stays true across restarts, crashes and several relays.

use super::conversations::{COLUMNS, RawConversation, convert};
use super::{ConversationRow, CustomerIdentity, StoreError, StoreTx};
use rusqlite::params;

impl StoreTx<'_> {
    /// Records `instance` as running until `lease_until` (new, or renewed); true when its row
    /// was still there (false: its lease had lapsed and its sockets were forgotten).
    pub fn renew_instance(
        &mut self,
        instance: &str,
        now: &str,
        lease_until: &str,
    ) -> Result<bool, StoreError> {
        let renewed = self
            .conn
            .prepare_cached("UPDATE relay_instances SET lease_until = ?2 WHERE id = ?1")?
            .execute(params![instance, lease_until])?;
        if renewed == 0 {
            self.conn
                .prepare_cached(
                    "INSERT INTO relay_instances (id, started_at, lease_until) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![instance, now, lease_until])?;
        }
        Ok(renewed == 1)
    }

    /// Forgets the instances whose lease lapsed before `now`, and with them their sockets;
    /// `instance` (the caller, alive by definition) is kept whatever its lease says.
    pub fn expire_instances(&mut self, instance: &str, now: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM relay_instances WHERE lease_until <= ?2 AND id <> ?1")?
            .execute(params![instance, now])?)
    }

    /// Forgets `instance` and its sockets (a relay stopping).
    pub fn remove_instance(&mut self, instance: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM relay_instances WHERE id = ?1")?
            .execute([instance])?;
        Ok(())
    }

    /// Sets how many sockets of the customer `instance` holds open (0 removes the row).
    pub fn set_customer_sockets(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        sockets: u32,
    ) -> Result<(), StoreError> {
        if sockets == 0 {
            self.conn
                .prepare_cached(
                    "DELETE FROM customer_sockets WHERE issuer = ?1 AND subject = ?2 \
                     AND workstream = ?3 AND instance_id = ?4",
                )?
                .execute(params![
                    identity.issuer,
                    identity.subject,
                    identity.workstream,
                    instance
                ])?;
        } else {
            self.conn
                .prepare_cached(
                    "INSERT INTO customer_sockets (issuer, subject, workstream, instance_id, sockets) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (issuer, subject, workstream, instance_id) \
                     DO UPDATE SET sockets = excluded.sockets",
                )?
                .execute(params![
                    identity.issuer,
                    identity.subject,
                    identity.workstream,
                    instance,
                    sockets
                ])?;
        }
        Ok(())
    }

    /// Whether the customer has a socket open on `instance` or on any instance whose lease
    /// runs past `now`.
    pub fn customer_connected(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let connected: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM customer_sockets AS s \
                 JOIN relay_instances AS i ON i.id = s.instance_id \
                 WHERE s.issuer = ?1 AND s.subject = ?2 AND s.workstream = ?3 \
                 AND (i.id = ?4 OR i.lease_until > ?5))",
            )?
            .query_row(
                params![
                    identity.issuer,
                    identity.subject,
                    identity.workstream,
                    instance,
                    now
                ],
                |row| row.get(0),
            )?;
        Ok(connected)
    }

    /// Live conversations that are not closed, whose customer has no socket on any running
    /// instance and whose reconnect grace is not running (R11): those the grace must start for.
    pub fn abandoned_live_conversations(
        &mut self,
        instance: &str,
        now: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations AS c \
             WHERE c.state IN ('open', 'active', 'waiting') AND c.mode = 'live' \
             AND NOT EXISTS (SELECT 1 FROM timers AS t \
                 WHERE t.conversation_id = c.id AND t.kind = 'reconnect_grace') \
             AND NOT EXISTS (SELECT 1 FROM customer_sockets AS s \
                 JOIN relay_instances AS i ON i.id = s.instance_id \
                 WHERE s.issuer = c.issuer AND s.subject = c.subject \
                 AND s.workstream = c.workstream AND (i.id = ?1 OR i.lease_until > ?2))"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let raw = statement
            .query_map(params![instance, now], RawConversation::from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        convert(raw)
    }
}
