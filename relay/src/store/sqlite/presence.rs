//! Customer presence as data (R11): the relay instances that are running, each with a lease it
//! renews, and the customer sockets each holds open. "The customer's last socket is gone" is a
//! question for these rows, so it stays true across restarts, crashes and several relays.

use super::super::rows::{CONVERSATION_COLUMNS, convert};
use super::SqliteWriter;
use super::conversations::raw_conversation;
use crate::store::{ConversationRow, CustomerIdentity, PresenceWrites, StoreError};
use rusqlite::params;

impl PresenceWrites for SqliteWriter {
    /// Records `instance` as running until `lease_until` (new, or renewed); true when its row
    /// was still there (false: its lease had lapsed and its sockets were forgotten).
    fn renew_instance(
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
    fn expire_instances(&mut self, instance: &str, now: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM relay_instances WHERE lease_until <= ?2 AND id <> ?1")?
            .execute(params![instance, now])?)
    }

    /// Forgets `instance` and its sockets (a relay stopping).
    fn remove_instance(&mut self, instance: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM relay_instances WHERE id = ?1")?
            .execute([instance])?;
        Ok(())
    }

    /// Counts one more socket of the customer on `instance`. Counting by steps rather than
    /// storing a total keeps the count right whatever order concurrent sockets' writes commit in.
    fn add_customer_socket(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO customer_sockets (issuer, subject, workstream, instance_id, sockets) \
                 VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (issuer, subject, workstream, instance_id) \
                 DO UPDATE SET sockets = sockets + 1",
            )?
            .execute(params![
                identity.issuer,
                identity.subject,
                identity.workstream,
                instance
            ])?;
        Ok(())
    }

    /// Counts one socket of the customer on `instance` less (its row goes with the last one).
    fn remove_customer_socket(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
    ) -> Result<(), StoreError> {
        let values = params![
            identity.issuer,
            identity.subject,
            identity.workstream,
            instance
        ];
        let last = self
            .conn
            .prepare_cached(
                "DELETE FROM customer_sockets WHERE issuer = ?1 AND subject = ?2 \
                 AND workstream = ?3 AND instance_id = ?4 AND sockets <= 1",
            )?
            .execute(values)?;
        if last == 0 {
            self.conn
                .prepare_cached(
                    "UPDATE customer_sockets SET sockets = sockets - 1 WHERE issuer = ?1 \
                     AND subject = ?2 AND workstream = ?3 AND instance_id = ?4",
                )?
                .execute(values)?;
        }
        Ok(())
    }

    /// Records that `instance` holds `sockets` sockets of the customer (after its lease lapsed
    /// and its rows were forgotten).
    fn restore_customer_sockets(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        sockets: u32,
    ) -> Result<(), StoreError> {
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
        Ok(())
    }

    /// Whether the customer has a socket open on `instance` or on any instance whose lease
    /// runs past `now`.
    fn customer_connected(
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
                 AND s.workstream = c.workstream AND (i.id = ?1 OR i.lease_until > ?2))"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let raw = statement
            .query_map(params![instance, now], raw_conversation)?
            .collect::<Result<Vec<_>, _>>()?;
        convert(raw)
    }
}
