//! Last-50 history latency on a large store, seeded in bulk straight into SQLite.

use crate::relay_process::{Pin, Relay};
use crate::report::{Row, ms, percentiles, row};
use serde_json::Value;
use std::path::Path;
use std::time::Instant;

/// Last-50 history on a store of `rows` messages: seeded straight into SQLite, then read through
/// the agent API.
pub async fn history_latency(binary: &Path, dir: &Path, rows: usize) -> anyhow::Result<Row> {
    use sqlx::{ConnectOptions, Connection};
    let db = dir.join("tetap.db");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .connect()
        .await?;
    let conversations = 100;
    let per_conversation = (rows / conversations) as i64;
    let mut tx = conn.begin().await?;
    // One statement per conversation generating its rows inside SQLite: bulk, not via the relay.
    for c in 0..conversations {
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
        let c = i % conversations;
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
