//! Timers with their due times, and the queue waits the wait-time notices average.

use super::super::copy::{SourceRow, insert_json};
use serde::Serialize;
use sqlx::{FromRow, PgConnection};

/// A running timer with its due time.
#[derive(FromRow, Serialize)]
pub(super) struct TimerRow {
    conversation_id: String,
    kind: String,
    due_at: String,
}

impl SourceRow for TimerRow {
    const TABLE: &'static str = "timers";
    type Key = (String, String);
    const FIRST: &'static str = "SELECT conversation_id, kind, due_at FROM timers \
         ORDER BY conversation_id, kind LIMIT ?";
    const AFTER: &'static str = "SELECT conversation_id, kind, due_at FROM timers \
         WHERE (conversation_id, kind) > (?, ?) ORDER BY conversation_id, kind LIMIT ?";

    fn key(&self) -> (String, String) {
        (self.conversation_id.clone(), self.kind.clone())
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        insert_json(
            target,
            "INSERT INTO timers (conversation_id, kind, due_at) \
             SELECT conversation_id, kind, due_at FROM json_to_recordset($1::json) \
             AS t(conversation_id TEXT, kind TEXT, due_at TEXT) ON CONFLICT DO NOTHING",
            rows,
        )
        .await
    }
}

/// A queue wait. The table has no key: rowid order, and the progress recorded with each batch,
/// are what keep a resumed move from copying a wait twice.
#[derive(FromRow, Serialize)]
pub(super) struct Wait {
    source_rowid: i64,
    workstream: String,
    waited_seconds: i64,
    at: String,
}

impl SourceRow for Wait {
    const TABLE: &'static str = "waits";
    type Key = i64;
    const FIRST: &'static str = "SELECT rowid AS source_rowid, workstream, waited_seconds, at \
         FROM waits ORDER BY rowid LIMIT ?";
    const AFTER: &'static str = "SELECT rowid AS source_rowid, workstream, waited_seconds, at \
         FROM waits WHERE rowid > ? ORDER BY rowid LIMIT ?";

    fn key(&self) -> i64 {
        self.source_rowid
    }

    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error> {
        insert_json(
            target,
            "INSERT INTO waits (workstream, waited_seconds, at) \
             SELECT workstream, waited_seconds, at FROM json_to_recordset($1::json) \
             AS t(source_rowid BIGINT, workstream TEXT, waited_seconds BIGINT, at TEXT) \
             ORDER BY source_rowid",
            rows,
        )
        .await
    }
}
