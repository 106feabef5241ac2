//! What a move checks and prepares around the copy: no relay running on the source, the
//! target taken by this move alone and empty unless the move resumes, its progress table, and
//! the agents' capacities, cleared while conversations arrive and set again after them.

use super::MigrateError;
use super::copy::insert_json;
use serde::Serialize;
use sqlx::{Acquire as _, FromRow, PgConnection, SqliteConnection};

/// Where the target keeps each table's progress: the key of the last source row copied, as
/// JSON. It stays after the move, so a `--resume` after the end copies nothing twice (a
/// wait has no key of its own to skip it by) and only verifies again.
const PROGRESS_TABLE: &str = "CREATE TABLE IF NOT EXISTS tetap_migrate_store_progress (\
     source_table TEXT PRIMARY KEY, copied_through TEXT NOT NULL)";

/// Refuses a source on which a relay is still running (its lease has not lapsed): what it
/// wrote after its rows were copied would be lost.
pub(super) async fn refuse_running_relay(
    source: &mut SqliteConnection,
) -> Result<(), MigrateError> {
    let until: Option<String> = sqlx::query_scalar("SELECT max(lease_until) FROM relay_instances")
        .fetch_one(&mut *source)
        .await
        .map_err(MigrateError::database(
            "reading the source's running relays",
        ))?;
    let now = crate::clock::rfc3339(jiff::Timestamp::now());
    match until {
        Some(until) if until > now => Err(MigrateError::RelayRunning { until }),
        _ => Ok(()),
    }
}

/// Before copying: takes the target for this move alone, refuses one that holds data unless
/// the move resumes, records progress from now on, and clears the agents' capacities.
///
/// Capacities are cleared because PostgreSQL's capacity trigger checks each `active`
/// conversation as it is inserted (even one `ON CONFLICT DO NOTHING` then skips, as a BEFORE
/// trigger runs first): an agent whose capacity was lowered below their load, or whose
/// capacity a relay started on the target recorded, would have a conversation refused, and the
/// copy would stop. They are set again, from the source, once every conversation is in
/// ([`restore_capacities`]).
pub(super) async fn prepare(
    target: &mut PgConnection,
    url: &str,
    resume: bool,
) -> Result<(), MigrateError> {
    let checking = "checking the target";
    // A session lock on this connection (not a pool's), held until the move ends: a second
    // move into the same database at once would interleave their progress.
    let alone: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_lock(hashtextextended('tetap-relay migrate-store', 0))",
    )
    .fetch_one(&mut *target)
    .await
    .map_err(MigrateError::database(checking))?;
    if !alone {
        return Err(MigrateError::Busy { url: url.into() });
    }
    let (conversations, messages, progress): (bool, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM conversations), EXISTS (SELECT 1 FROM messages), \
         to_regclass('tetap_migrate_store_progress') IS NOT NULL",
    )
    .fetch_one(&mut *target)
    .await
    .map_err(MigrateError::database(checking))?;
    let earlier_move = progress
        && sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM tetap_migrate_store_progress)",
        )
        .fetch_one(&mut *target)
        .await
        .map_err(MigrateError::database(checking))?;
    if !resume && (conversations || messages || earlier_move) {
        let holds: Vec<&str> = [
            (conversations, "conversations"),
            (messages, "messages"),
            (earlier_move, "an earlier move's progress"),
        ]
        .into_iter()
        .filter_map(|(held, what)| held.then_some(what))
        .collect();
        let holds = match holds.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, others)) => format!("{} and {last}", others.join(", ")),
            None => String::new(),
        };
        return Err(MigrateError::NotEmpty {
            url: url.into(),
            holds,
        });
    }
    let preparing = "preparing the target";
    let mut tx = target
        .begin()
        .await
        .map_err(MigrateError::database(preparing))?;
    for statement in [
        PROGRESS_TABLE,
        "UPDATE agents SET capacity = NULL, over_capacity = 0 \
         WHERE capacity IS NOT NULL OR over_capacity <> 0",
    ] {
        sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .map_err(MigrateError::database(preparing))?;
    }
    tx.commit().await.map_err(MigrateError::database(preparing))
}

/// After the conversations: each agent's capacity from the source. A load above it (an
/// operator lowered it) is kept as the agent's excess, which drains as conversations end, as
/// when a relay records a lowered capacity.
pub(super) async fn restore_capacities(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    batch_rows: u32,
) -> Result<(), MigrateError> {
    #[derive(FromRow, Serialize)]
    struct Capacity {
        id: String,
        capacity: i64,
    }
    let page = i64::from(batch_rows.max(1));
    let mut after = String::new();
    loop {
        // Agent ids are never empty, so "" is before the first.
        let mut rows: Vec<Capacity> = sqlx::query_as(
            "SELECT id, capacity FROM agents WHERE capacity IS NOT NULL AND id > ? \
             ORDER BY id LIMIT ?",
        )
        .bind(&after)
        .bind(page)
        .fetch_all(&mut *source)
        .await
        .map_err(MigrateError::database("reading capacities from the source"))?;
        let Some(last) = rows.last().map(|row| row.id.clone()) else {
            return Ok(());
        };
        // As a relay stores a configured capacity (a u32) on PostgreSQL's INTEGER.
        for row in &mut rows {
            row.capacity = row.capacity.clamp(0, i64::from(i32::MAX));
        }
        insert_json(
            target,
            "UPDATE agents AS a SET capacity = t.capacity, \
             over_capacity = greatest(0, a.load - a.exempt_load - t.capacity) \
             FROM json_to_recordset($1::json) AS t(id TEXT, capacity INTEGER) WHERE a.id = t.id",
            &rows,
        )
        .await
        .map_err(MigrateError::database("writing capacities to the target"))?;
        if rows.len() < batch_rows.max(1) as usize {
            return Ok(());
        }
        after = last;
    }
}
