//! Reading ahead for a round of the writer's batch on PostgreSQL: the current conversations of
//! the round's customers, locked in one statement (in id order, so two relays lock alike), and
//! their messages with the client ids the writes will look for, in another. The writes then
//! find these here instead of asking one by one, and their messages into these locked
//! conversations are numbered here and deferred (see `deferred`). What is kept here is true
//! until the transaction ends: the rows are locked, and everything this transaction writes
//! either goes through here or forgets all of it first.

use super::super::rows::{RawConversation, RawMessage, stored_message};
use super::PostgresWriter;
use crate::store::{
    ConversationRow, CustomerIdentity, Lookahead, MessageAuthorRow, NewMessage, StoreError,
};
use sqlx::FromRow;
use std::collections::HashMap;
use tetap_shared::{AuthorKind, ConversationId, Message};

const LOCK_CURRENT: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE state <> 'closed' AND (issuer, subject, workstream) IN \
     (SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[])) ORDER BY id FOR UPDATE"
);
/// The agents of the locked conversations, locked as [`crate::store::AgentWrites::is_online`]
/// locks one.
const LOCK_AGENTS: &str =
    "SELECT id, presence FROM agents WHERE id = ANY($1) ORDER BY id FOR UPDATE";
/// Each key probes the client-id index: the subquery is kept apart (`OFFSET 0`), or the planner
/// may rather read every message of the customers' conversations and filter them.
const BY_CLIENT_IDS: &str = concat!(
    "SELECT ",
    message_columns!("m."),
    ", c.id AS conversation_id, k.issuer, k.subject, k.workstream \
     FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[]) \
         AS k(issuer, subject, workstream, client_id) \
     CROSS JOIN LATERAL (SELECT * FROM messages WHERE client_id = k.client_id \
         AND author_kind = 'customer' OFFSET 0) AS m \
     JOIN conversations c ON c.id = m.conversation_id AND c.issuer = k.issuer \
         AND c.subject = k.subject AND c.workstream = k.workstream"
);

/// A customer's message found by client id, with whose it is.
#[derive(FromRow)]
struct RawFound {
    #[sqlx(flatten)]
    message: RawMessage,
    conversation_id: String,
    issuer: String,
    subject: String,
    workstream: String,
}

/// A message numbered here, not yet sent.
pub(super) struct Deferred {
    pub(super) conversation: ConversationId,
    pub(super) message: Message,
}

/// What was read ahead, and the messages deferred into it.
#[derive(Default)]
pub(super) struct Ahead {
    /// The locked conversations by id, as this transaction has them (deferred messages
    /// counted in `last_seq`).
    rows: HashMap<String, ConversationRow>,
    /// Each customer read ahead: their conversation that is not closed, if any.
    current: HashMap<CustomerIdentity, Option<String>>,
    /// Each customer's client id read ahead: their stored message with it, if any.
    by_client_id: HashMap<(CustomerIdentity, String), Option<(ConversationId, Message)>>,
    /// The locked agents' presence (absent: no row, offline).
    online: HashMap<String, bool>,
    /// Messages numbered and not yet sent, in order.
    pub(super) pending: Vec<Deferred>,
}

impl Ahead {
    /// Forgets everything read ahead: a statement of the transaction may change it now.
    pub(super) fn forget(&mut self) {
        debug_assert!(self.pending.is_empty(), "deferred messages forgotten");
        self.rows.clear();
        self.current.clear();
        self.by_client_id.clear();
        self.online.clear();
    }

    /// Whether everything `lookahead` names was read ahead.
    pub(super) fn has(&self, lookahead: &Lookahead) -> bool {
        self.current.contains_key(&lookahead.identity)
            && lookahead.client_id.as_ref().is_none_or(|client_id| {
                let key = (lookahead.identity.clone(), client_id.clone());
                self.by_client_id.contains_key(&key)
            })
    }

    /// The customer's conversation that is not closed, if read ahead.
    pub(super) fn current(&self, identity: &CustomerIdentity) -> Option<Option<ConversationRow>> {
        let id = self.current.get(identity)?;
        Some(id.as_ref().and_then(|id| self.rows.get(id)).cloned())
    }

    /// A locked conversation, if read ahead.
    pub(super) fn conversation(&self, id: &ConversationId) -> Option<ConversationRow> {
        self.rows.get(&id.0).cloned()
    }

    /// Whether a locked agent is online, if read ahead.
    pub(super) fn is_online(&self, agent_id: &str) -> Option<bool> {
        self.online.get(agent_id).copied()
    }

    /// The customer's message with `client_id`, if read ahead: a deferred one first.
    pub(super) fn customer_message(
        &self,
        identity: &CustomerIdentity,
        client_id: &str,
    ) -> Option<Option<(ConversationId, Message)>> {
        let stored = self
            .by_client_id
            .get(&(identity.clone(), client_id.to_owned()))?;
        let deferred = self.pending.iter().find(|d| {
            d.message.author.kind == AuthorKind::Customer
                && d.message.client_id.as_deref() == Some(client_id)
                && self
                    .rows
                    .get(&d.conversation.0)
                    .is_some_and(|row| &row.identity == identity)
        });
        Some(match deferred {
            Some(d) => Some((d.conversation.clone(), d.message.clone())),
            None => stored.clone(),
        })
    }

    /// Numbers a message into a locked conversation and defers it; `None` when the
    /// conversation was not read ahead.
    pub(super) fn defer(
        &mut self,
        conversation: &ConversationId,
        author: &MessageAuthorRow,
        system_kind: Option<&str>,
        new: &NewMessage,
    ) -> Option<Result<Message, StoreError>> {
        let row = self.rows.get_mut(&conversation.0)?;
        let seq = row.last_seq + 1;
        let id = uuid::Uuid::new_v4().to_string();
        let message = stored_message(super::super::to_i64(seq), id, author, system_kind, new);
        if let Ok(message) = &message {
            row.last_seq = seq;
            self.pending.push(Deferred {
                conversation: conversation.clone(),
                message: message.clone(),
            });
        }
        Some(message)
    }

    /// Undoes the messages deferred after the first `kept`.
    pub(super) fn undo_to(&mut self, kept: usize) {
        while self.pending.len() > kept {
            let Some(undone) = self.pending.pop() else {
                break;
            };
            if let Some(row) = self.rows.get_mut(&undone.conversation.0) {
                row.last_seq -= 1;
            }
        }
    }
}

impl PostgresWriter {
    /// Locks and reads the round's customers' current conversations, their agents, and their
    /// messages by client id. Kept where already read ahead (those may count deferred messages
    /// the database has not seen yet).
    pub(super) fn read_ahead(&mut self, wanted: &[&Lookahead]) -> Result<(), StoreError> {
        let mut fresh: Vec<&CustomerIdentity> = Vec::new();
        let mut with_ids: Vec<(&CustomerIdentity, &str)> = Vec::new();
        for l in wanted {
            if !self.ahead.current.contains_key(&l.identity) && !fresh.contains(&&l.identity) {
                fresh.push(&l.identity);
            }
            if let Some(client_id) = l.client_id.as_deref() {
                let key = (l.identity.clone(), client_id.to_owned());
                if !self.ahead.by_client_id.contains_key(&key)
                    && !with_ids.contains(&(&l.identity, client_id))
                {
                    with_ids.push((&l.identity, client_id));
                }
            }
        }
        if fresh.is_empty() && with_ids.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&CustomerIdentity) -> &String| -> Vec<&str> {
            fresh.iter().map(|i| f(i).as_str()).collect()
        };
        let rows = if fresh.is_empty() {
            Vec::new()
        } else {
            self.raw_all(
                sqlx::query_as::<_, RawConversation>(LOCK_CURRENT)
                    .bind(column(|i| &i.issuer))
                    .bind(column(|i| &i.subject))
                    .bind(column(|i| &i.workstream)),
            )?
        };
        let rows: Vec<ConversationRow> = rows
            .into_iter()
            .map(ConversationRow::try_from)
            .collect::<Result<_, _>>()?;
        let agents: Vec<&str> = rows.iter().filter_map(|r| r.agent_id.as_deref()).collect();
        let mut online: HashMap<String, bool> =
            agents.iter().map(|a| ((*a).to_owned(), false)).collect();
        if !agents.is_empty() {
            let presence: Vec<(String, String)> =
                self.raw_all(sqlx::query_as(LOCK_AGENTS).bind(&agents))?;
            for (agent, presence) in presence {
                online.insert(agent, presence == "online");
            }
        }
        let found = if with_ids.is_empty() {
            Vec::new()
        } else {
            let column = |f: fn(&CustomerIdentity) -> &String| -> Vec<&str> {
                with_ids.iter().map(|(i, _)| f(i).as_str()).collect()
            };
            let client_ids: Vec<&str> = with_ids.iter().map(|(_, c)| *c).collect();
            self.raw_all(
                sqlx::query_as::<_, RawFound>(BY_CLIENT_IDS)
                    .bind(column(|i| &i.issuer))
                    .bind(column(|i| &i.subject))
                    .bind(column(|i| &i.workstream))
                    .bind(client_ids),
            )?
        };
        // Only now, all of it read: a failure above leaves nothing half-known.
        for identity in fresh {
            self.ahead.current.insert(identity.clone(), None);
        }
        for (identity, client_id) in with_ids {
            let key = (identity.clone(), client_id.to_owned());
            self.ahead.by_client_id.insert(key, None);
        }
        for row in rows {
            self.ahead
                .current
                .insert(row.identity.clone(), Some(row.id.0.clone()));
            self.ahead.rows.insert(row.id.0.clone(), row);
        }
        self.ahead.online.extend(online);
        for raw in found {
            let identity = CustomerIdentity {
                issuer: raw.issuer,
                subject: raw.subject,
                workstream: raw.workstream,
            };
            let client_id = raw.message.client_id.clone().unwrap_or_default();
            let found = (ConversationId(raw.conversation_id), raw.message.try_into()?);
            self.ahead
                .by_client_id
                .insert((identity, client_id), Some(found));
        }
        Ok(())
    }
}
