//! Conversations and their messages: conversations in creation order, so the target numbers
//! them the same way, and messages in their primary key order.

use super::super::copy::{SourceRow, insert_json};
use serde::Serialize;
use sqlx::{FromRow, PgConnection};

/// Every column of a conversation but PostgreSQL's `created_order`, which the target numbers
/// as the rows arrive.
macro_rules! conversation_columns {
    () => {
        "id, workstream, mode, state, issuer, subject, customer_name, customer_email, agent_id, \
         affinity_agent, last_seq, agent_read_seq, customer_read_seq, created_at, updated_at, \
         closed_at, returned_notified, returned_at, queued_at, locale, capacity_exempt"
    };
}

/// A conversation, read in rowid order: the target's `created_order` identity then numbers
/// them in creation order, which breaks FIFO ties between conversations queued at one instant.
#[derive(FromRow, Serialize)]
pub(super) struct Conversation {
    source_rowid: i64,
    id: String,
    workstream: String,
    mode: String,
    state: String,
    issuer: String,
    subject: String,
    customer_name: Option<String>,
    customer_email: Option<String>,
    agent_id: Option<String>,
    affinity_agent: Option<String>,
    last_seq: i64,
    agent_read_seq: i64,
    customer_read_seq: i64,
    created_at: String,
    updated_at: String,
    closed_at: Option<String>,
    /// SQLite keeps booleans as 0 and 1; read as `bool`, they go to PostgreSQL as BOOLEAN.
    returned_notified: bool,
    returned_at: Option<String>,
    queued_at: Option<String>,
    locale: String,
    capacity_exempt: bool,
}

impl SourceRow for Conversation {
    const TABLE: &'static str = "conversations";
    type Key = i64;
    const FIRST: &'static str = concat!(
        "SELECT rowid AS source_rowid, ",
        conversation_columns!(),
        " FROM conversations ORDER BY rowid LIMIT ?"
    );
    const AFTER: &'static str = concat!(
        "SELECT rowid AS source_rowid, ",
        conversation_columns!(),
        " FROM conversations WHERE rowid > ? ORDER BY rowid LIMIT ?"
    );

    fn key(&self) -> i64 {
        self.source_rowid
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        // In source order, so `created_order` follows it. An `active` row passes the capacity
        // trigger because capacities are cleared until every conversation is in; the load
        // trigger counts it in its agent's row.
        insert_json(
            target,
            concat!(
                "INSERT INTO conversations (",
                conversation_columns!(),
                ") SELECT ",
                conversation_columns!(),
                " FROM json_to_recordset($1::json) AS t(source_rowid BIGINT, id TEXT, \
                 workstream TEXT, mode TEXT, state TEXT, issuer TEXT, subject TEXT, \
                 customer_name TEXT, customer_email TEXT, agent_id TEXT, affinity_agent TEXT, \
                 last_seq BIGINT, agent_read_seq BIGINT, customer_read_seq BIGINT, \
                 created_at TEXT, updated_at TEXT, closed_at TEXT, returned_notified BOOLEAN, \
                 returned_at TEXT, queued_at TEXT, locale TEXT, capacity_exempt BOOLEAN) \
                 ORDER BY source_rowid ON CONFLICT (id) DO NOTHING"
            ),
            rows,
        )
        .await
    }
}

macro_rules! message_columns {
    () => {
        "conversation_id, seq, id, client_id, author_kind, author_id, author_name, system_kind, \
         text, at"
    };
}

/// A message, in primary key order (the source's own index).
#[derive(FromRow, Serialize)]
pub(super) struct Message {
    conversation_id: String,
    seq: i64,
    id: String,
    client_id: Option<String>,
    author_kind: String,
    author_id: String,
    author_name: Option<String>,
    system_kind: Option<String>,
    text: String,
    at: String,
}

impl SourceRow for Message {
    const TABLE: &'static str = "messages";
    type Key = (String, i64);
    const FIRST: &'static str = concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages ORDER BY conversation_id, seq LIMIT ?"
    );
    const AFTER: &'static str = concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages WHERE (conversation_id, seq) > (?, ?) ORDER BY conversation_id, seq LIMIT ?"
    );

    fn key(&self) -> (String, i64) {
        (self.conversation_id.clone(), self.seq)
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        insert_json(
            target,
            concat!(
                "INSERT INTO messages (",
                message_columns!(),
                ") SELECT ",
                message_columns!(),
                " FROM json_to_recordset($1::json) AS t(conversation_id TEXT, seq BIGINT, \
                 id TEXT, client_id TEXT, author_kind TEXT, author_id TEXT, author_name TEXT, \
                 system_kind TEXT, text TEXT, at TEXT) ON CONFLICT DO NOTHING"
            ),
            rows,
        )
        .await
    }
}
