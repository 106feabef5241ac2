//! Durable messages per second.

use crate::client::{customer, next, send};
use crate::relay_process::{Relay, token};
use crate::report::{Row, row};
use futures_util::{SinkExt, StreamExt};
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// How an acknowledgement frame starts (`ServerFrame::Ack` encoded).
const ACK: &str = r#"{"type":"ack""#;
use tetap_shared::frames::{ClientFrame, ServerFrame};

/// Durable messages per second: many customers sending as fast as acks come back (group
/// commit), and one customer waiting for each ack (one commit per message).
pub async fn throughput(
    relay: &Relay,
    clients: usize,
    each: usize,
    fsyncs_per_second: f64,
) -> anyhow::Result<Vec<Row>> {
    // Connected and greeted before the clock starts: signing and checking tokens is not what
    // this measures.
    let mut sockets = Vec::with_capacity(clients);
    for c in 0..clients {
        sockets.push(
            customer(&relay.ws(), &token(&format!("throughput-{c}")), None)
                .await?
                .0,
        );
    }
    let commits_before = relay.metric("tetap_store_commits_total").await?;
    let writes_before = relay.metric("tetap_store_writes_total").await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, mut socket) in sockets.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            // A window of 16 in flight per customer.
            let mut sent = 0;
            let mut acked = 0;
            while acked < each {
                while sent < each && sent - acked < 16 {
                    let frame =
                        format!(r#"{{"type":"send","client_id":"t{c}-{sent}","text":"x"}}"#);
                    socket.send(WsMessage::Text(frame.into())).await?;
                    sent += 1;
                }
                // Only acks are counted; telling them apart by their tag keeps this generator
                // from spending its core decoding every frame.
                match socket.next().await {
                    Some(Ok(WsMessage::Text(text))) if text.as_str().starts_with(ACK) => acked += 1,
                    Some(Ok(_)) => {}
                    other => anyhow::bail!("the socket ended: {other:?}"),
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let grouped = (clients * each) as f64 / started.elapsed().as_secs_f64();
    let commits = relay.metric("tetap_store_commits_total").await? - commits_before;
    let writes = relay.metric("tetap_store_writes_total").await? - writes_before;
    let per_commit = writes / commits.max(1.0);
    let (mut socket, _) = customer(&relay.ws(), &token("sequential"), None).await?;
    let n = 300;
    let started = Instant::now();
    for i in 0..n {
        send(
            &mut socket,
            &ClientFrame::Send {
                client_id: format!("s-{i}"),
                text: "x".into(),
            },
        )
        .await?;
        while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
    }
    let single = n as f64 / started.elapsed().as_secs_f64();
    Ok(vec![
        row(
            &format!("durable messages/s, group commit ({clients} customers)"),
            format!("{grouped:.0}"),
            "≥ 20,000",
            format!("{per_commit:.1} writes per commit ({commits:.0} commits)"),
        ),
        row(
            "durable messages/s, one commit per message (one customer)",
            format!("{single:.0}"),
            "",
            format!("{fsyncs_per_second:.0} fdatasyncs/s"),
        ),
    ])
}
