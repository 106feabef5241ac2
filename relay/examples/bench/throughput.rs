//! Durable messages per second.

use crate::client::{customer, next, send};
use crate::relay_process::{Relay, token};
use crate::report::{Row, row};
use std::time::Instant;
use tetap_shared::frames::{ClientFrame, ServerFrame};

/// Durable messages per second: many customers sending as fast as acks come back (group
/// commit), and one customer waiting for each ack (one commit per message).
pub async fn throughput(
    relay: &Relay,
    clients: usize,
    each: usize,
    fsyncs_per_second: f64,
) -> anyhow::Result<Vec<Row>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let url = relay.ws();
        let token = token(&format!("throughput-{c}"));
        tasks.push(tokio::spawn(async move {
            let (mut socket, _) = customer(&url, &token, None).await?;
            // A window of 16 in flight per customer.
            let mut sent = 0;
            let mut acked = 0;
            while acked < each {
                while sent < each && sent - acked < 16 {
                    send(
                        &mut socket,
                        &ClientFrame::Send {
                            client_id: format!("t{c}-{sent}"),
                            text: "x".into(),
                        },
                    )
                    .await?;
                    sent += 1;
                }
                if let ServerFrame::Ack { .. } = next(&mut socket).await? {
                    acked += 1;
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let grouped = (clients * each) as f64 / started.elapsed().as_secs_f64();
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
            String::new(),
        ),
        row(
            "durable messages/s, one commit per message (one customer)",
            format!("{single:.0}"),
            "",
            format!("{fsyncs_per_second:.0} fdatasyncs/s"),
        ),
    ])
}
