//! Last-50 history latency on a large store, seeded in bulk straight into the database (SQLite
//! or PostgreSQL), then read through the relay's agent API.

use crate::relay_process::{Pin, Relay};
use crate::report::{Row, ms, percentiles, row};
use serde_json::Value;
use std::path::Path;
use std::time::Instant;

/// Conversations the seeded messages are spread over.
const CONVERSATIONS: usize = 100;

/// Last-50 history on a store of `rows` messages: seeded straight into the store at
/// `database_url` (already migrated by a relay that ran on it, whose config is in `dir`), then
/// read through the agent API of a relay started again from that config.
pub async fn history_latency(
    binary: &Path,
    dir: &Path,
    database_url: &str,
    rows: usize,
) -> anyhow::Result<Row> {
    let per_conversation = (rows / CONVERSATIONS) as i64;
    match database_url.strip_prefix("sqlite://") {
        Some(db) => seed_sqlite(Path::new(db), per_conversation).await?,
        None => seed_postgres(database_url, per_conversation).await?,
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = dir.join("tetap.toml");
    let text = std::fs::read_to_string(&config)?;
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("listen") {
                format!("listen = \"127.0.0.1:{port}\"")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&config, text)?;
    let mut relay = Relay::spawn(binary, config, port, Pin::OwnCore).await?;
    let agent = relay.agent_token().await?;
    let http = reqwest::Client::new();
    let mut samples = Vec::new();
    for i in 0..2000 {
        let c = i % CONVERSATIONS;
        let at = Instant::now();
        let page: Vec<Value> = http
            .get(relay.http(&format!(
                "/v1/agent/conversations/history-{c}/messages?limit=50"
            )))
            .bearer_auth(&agent)
            .send()
            .await?
            .json()
            .await?;
        samples.push(at.elapsed());
        anyhow::ensure!(page.len() == 50, "a full page");
    }
    relay.stop().await;
    let (p50, p99, _) = percentiles(samples);
    Ok(row(
        &format!("last-50 history over HTTP on {rows} stored messages (p50 / p99)"),
        format!("{} / {} ms", ms(p50), ms(p99)),
        "p99 ≤ 5 ms",
        String::new(),
    ))
}

/// One statement per conversation generating its rows inside SQLite: bulk, not via the relay.
async fn seed_sqlite(db: &Path, per_conversation: i64) -> anyhow::Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .connect()
        .await?;
    let mut tx = conn.begin().await?;
    for c in 0..CONVERSATIONS {
        sqlx::query(
            "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, created_at, \
             updated_at, queued_at, last_seq) VALUES (?, 'support', 'persistent', 'open', \
             'https://shop.test', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', \
             '2026-01-01T00:00:00.000Z', ?)",
        )
        .bind(format!("history-{c}"))
        .bind(format!("history-customer-{c}"))
        .bind(per_conversation)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM n WHERE seq < ?1) \
             INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
             text, at) SELECT ?2, seq, 'h' || ?3 || '-' || seq, 'h' || ?3 || '-' || seq, \
             'customer', ?4, 'a stored message of some length', '2026-01-01T00:00:00.000Z' FROM n",
        )
        .bind(per_conversation)
        .bind(format!("history-{c}"))
        .bind(c as i64)
        .bind(format!("history-customer-{c}"))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    conn.close().await?;
    Ok(())
}

/// The same rows generated inside PostgreSQL (`generate_series`) in one transaction, then
/// vacuumed and analysed as autovacuum would have done on a store that grew to this size: the
/// first reads then pay for no hint bits, and the planner knows the table.
async fn seed_postgres(url: &str, per_conversation: i64) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut tx = conn.begin().await?;
    sqlx::query(
        "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, created_at, \
         updated_at, queued_at, last_seq) SELECT 'history-' || c, 'support', 'persistent', \
         'open', 'https://shop.test', 'history-customer-' || c, '2026-01-01T00:00:00.000Z', \
         '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', $2 \
         FROM generate_series(0, $1 - 1) AS c",
    )
    .bind(CONVERSATIONS as i64)
    .bind(per_conversation)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
         text, at) SELECT 'history-' || c, s, 'h' || c || '-' || s, 'h' || c || '-' || s, \
         'customer', 'history-customer-' || c, 'a stored message of some length', \
         '2026-01-01T00:00:00.000Z' \
         FROM generate_series(0, $1 - 1) AS c, generate_series(1, $2) AS s",
    )
    .bind(CONVERSATIONS as i64)
    .bind(per_conversation)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::raw_sql("VACUUM ANALYZE conversations, messages")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
