//! Relay memory per idle authenticated WebSocket.

use crate::client::customer;
use crate::relay_process::{Relay, token};
use crate::report::{Row, row};

pub async fn idle_memory(relay: &Relay, count: usize) -> anyhow::Result<Row> {
    let before = relay.rss_kib();
    // Every socket is its own customer, as on a real site.
    let tokens: Vec<String> = (0..count).map(|i| token(&format!("idle-{i}"))).collect();
    let mut sockets = Vec::with_capacity(count);
    for token in &tokens {
        sockets.push(customer(&relay.ws(), token, None).await?.0);
    }
    let after = relay.rss_kib();
    let per_socket = (after.saturating_sub(before) as f64 * 1024.0) / count as f64;
    drop(sockets);
    Ok(row(
        &format!("relay RSS per idle authenticated WebSocket ({count} open)"),
        format!("{:.1} KB", per_socket / 1000.0),
        "≤ 8 KB",
        String::new(),
    ))
}
