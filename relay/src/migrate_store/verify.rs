//! The check that ends a move: every table holds as many rows in the target as in the source;
//! every conversation has the same `last_seq`, highest message `seq` and message count, in
//! the same creation order; every agent the same presence, capacity and load; every secret the
//! same bytes. Both sides are read in pages, by key.

use super::MigrateError;
use super::tables::{ALL, Table};
use sqlx::{FromRow, PgConnection, SqliteConnection};
use std::collections::HashMap;

/// Problems listed in the error, at most (the rest are counted).
const SHOWN_PROBLEMS: usize = 20;

/// What the check compared.
pub(super) struct Verified {
    /// Each table and its rows, equal on both sides.
    pub(super) counts: Vec<(&'static str, u64)>,
    /// Conversations compared one by one.
    pub(super) conversations: u64,
}

/// The problems found so far.
#[derive(Default)]
struct Problems {
    shown: Vec<String>,
    more: usize,
}

impl Problems {
    fn add(&mut self, problem: String) {
        if self.shown.len() < SHOWN_PROBLEMS {
            self.shown.push(problem);
        } else {
            self.more += 1;
        }
    }
}

/// Compares the target with the source; a [`MigrateError::Mismatch`] lists what differs.
pub(super) async fn verify(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    batch_rows: u32,
) -> Result<Verified, MigrateError> {
    let mut problems = Problems::default();
    let mut counts = Vec::new();
    for table in ALL {
        let name = table.name();
        // The target's load trigger makes the row of an agent who holds an `active`
        // conversation if the source had none (the source never needed one to count load).
        let source_count = if table == Table::Agents {
            "SELECT count(*) FROM (SELECT id FROM agents UNION \
             SELECT agent_id FROM conversations WHERE state = 'active' AND agent_id IS NOT NULL)"
                .to_owned()
        } else {
            format!("SELECT count(*) FROM {name}")
        };
        let in_source: i64 = sqlx::query_scalar(&source_count)
            .fetch_one(&mut *source)
            .await
            .map_err(MigrateError::database(format!(
                "counting {name} in the source"
            )))?;
        let in_target: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {name}"))
            .fetch_one(&mut *target)
            .await
            .map_err(MigrateError::database(format!(
                "counting {name} in the target"
            )))?;
        if in_source != in_target {
            problems.add(format!(
                "{name}: {in_source} rows in the source, {in_target} in the target"
            ));
        }
        counts.push((name, u64::try_from(in_target).unwrap_or(0)));
    }
    let conversations = conversations(source, target, batch_rows, &mut problems).await?;
    agents(source, target, batch_rows, &mut problems).await?;
    secrets(source, target, &mut problems).await?;
    if problems.shown.is_empty() {
        return Ok(Verified {
            counts,
            conversations,
        });
    }
    if problems.more > 0 {
        problems.shown.push(format!("and {} more", problems.more));
    }
    Err(MigrateError::Mismatch {
        problems: problems.shown,
    })
}

/// One conversation's messages as each side counts them.
#[derive(FromRow)]
struct Sequence {
    id: String,
    /// The source's rowid, or the target's `created_order`.
    position: i64,
    last_seq: i64,
    max_seq: Option<i64>,
    messages: i64,
}

/// Compares every conversation; how many there were.
async fn conversations(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    batch_rows: u32,
    problems: &mut Problems,
) -> Result<u64, MigrateError> {
    let page = i64::from(batch_rows.max(1));
    let (mut after, mut compared, mut last_order) = (i64::MIN, 0, None);
    loop {
        let expected: Vec<Sequence> = sqlx::query_as(
            "SELECT c.id, c.rowid AS position, c.last_seq, \
             (SELECT max(m.seq) FROM messages AS m WHERE m.conversation_id = c.id) AS max_seq, \
             (SELECT count(*) FROM messages AS m WHERE m.conversation_id = c.id) AS messages \
             FROM conversations AS c WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?",
        )
        .bind(after)
        .bind(page)
        .fetch_all(&mut *source)
        .await
        .map_err(MigrateError::database(
            "reading conversations from the source",
        ))?;
        let Some(last) = expected.last().map(|row| row.position) else {
            return Ok(compared);
        };
        let ids: Vec<&str> = expected.iter().map(|row| row.id.as_str()).collect();
        let found: Vec<Sequence> = sqlx::query_as(
            "SELECT c.id, c.created_order AS position, c.last_seq, \
             (SELECT max(m.seq) FROM messages AS m WHERE m.conversation_id = c.id) AS max_seq, \
             (SELECT count(*) FROM messages AS m WHERE m.conversation_id = c.id) AS messages \
             FROM conversations AS c WHERE c.id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *target)
        .await
        .map_err(MigrateError::database(
            "reading conversations from the target",
        ))?;
        let mut found: HashMap<String, Sequence> =
            found.into_iter().map(|row| (row.id.clone(), row)).collect();
        for want in &expected {
            compared += 1;
            let Some(got) = found.remove(&want.id) else {
                problems.add(format!("conversation {} is missing", want.id));
                continue;
            };
            let pairs = [
                ("last seq", Some(want.last_seq), Some(got.last_seq)),
                ("highest message seq", want.max_seq, got.max_seq),
                ("message count", Some(want.messages), Some(got.messages)),
            ];
            for (what, want_value, got_value) in pairs {
                if want_value != got_value {
                    problems.add(format!(
                        "conversation {}: {what} {} in the source, {} in the target",
                        want.id,
                        shown(want_value),
                        shown(got_value)
                    ));
                }
            }
            // Creation order breaks FIFO ties: the target must keep the source's.
            if last_order.is_some_and(|order| got.position <= order) {
                problems.add(format!(
                    "conversation {} is out of creation order in the target",
                    want.id
                ));
            }
            last_order = Some(got.position);
        }
        if expected.len() < page as usize {
            return Ok(compared);
        }
        after = last;
    }
}

fn shown(value: Option<i64>) -> String {
    value.map_or_else(|| "none".into(), |v| v.to_string())
}

/// An agent as each side keeps it.
#[derive(FromRow, PartialEq, Eq)]
struct AgentState {
    id: String,
    presence: String,
    capacity: Option<i64>,
    load: i64,
}

/// Compares every agent of the source: presence, capacity and the load the target's triggers
/// counted against the source's `active` conversations.
async fn agents(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    batch_rows: u32,
    problems: &mut Problems,
) -> Result<(), MigrateError> {
    let page = i64::from(batch_rows.max(1));
    // Agent ids are never empty, so "" is before the first.
    let mut after = String::new();
    loop {
        let expected: Vec<AgentState> = sqlx::query_as(
            "SELECT a.id, a.presence, max(0, min(a.capacity, 2147483647)) AS capacity, \
             (SELECT count(*) FROM conversations AS c \
              WHERE c.agent_id = a.id AND c.state = 'active') AS load \
             FROM agents AS a WHERE a.id > ? ORDER BY a.id LIMIT ?",
        )
        .bind(&after)
        .bind(page)
        .fetch_all(&mut *source)
        .await
        .map_err(MigrateError::database("reading agents from the source"))?;
        let Some(last) = expected.last().map(|agent| agent.id.clone()) else {
            return Ok(());
        };
        let ids: Vec<&str> = expected.iter().map(|agent| agent.id.as_str()).collect();
        let found: Vec<AgentState> = sqlx::query_as(
            "SELECT id, presence, capacity::BIGINT AS capacity, load::BIGINT AS load \
             FROM agents WHERE id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *target)
        .await
        .map_err(MigrateError::database("reading agents from the target"))?;
        let found: HashMap<&str, &AgentState> = found
            .iter()
            .map(|agent| (agent.id.as_str(), agent))
            .collect();
        for want in &expected {
            match found.get(want.id.as_str()) {
                None => problems.add(format!("agent {} is missing", want.id)),
                Some(got) if *got != want => problems.add(format!(
                    "agent {}: presence {}, capacity {}, load {} in the source; presence {}, \
                     capacity {}, load {} in the target",
                    want.id,
                    want.presence,
                    shown(want.capacity),
                    want.load,
                    got.presence,
                    shown(got.capacity),
                    got.load
                )),
                Some(_) => {}
            }
        }
        if expected.len() < page as usize {
            return Ok(());
        }
        after = last;
    }
}

/// Compares the relay's secrets byte for byte (a few rows).
async fn secrets(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    problems: &mut Problems,
) -> Result<(), MigrateError> {
    let expected: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT name, value FROM relay_secrets")
        .fetch_all(&mut *source)
        .await
        .map_err(MigrateError::database("reading secrets from the source"))?;
    let found: HashMap<String, Vec<u8>> = sqlx::query_as("SELECT name, value FROM relay_secrets")
        .fetch_all(&mut *target)
        .await
        .map_err(MigrateError::database("reading secrets from the target"))?
        .into_iter()
        .collect();
    for (name, value) in expected {
        if found.get(&name) != Some(&value) {
            // Never the bytes: they are a secret.
            problems.add(format!("secret {name} differs"));
        }
    }
    Ok(())
}
