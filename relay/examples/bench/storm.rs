//! The reconnect storm.

use crate::client::{customer, next, send};
use crate::relay_process::{Relay, token};
use crate::report::{Row, row};
use std::time::Instant;
use tetap_shared::frames::{ClientFrame, Cursor, ServerFrame};

/// Customers reconnecting at once with their resume cursor: time until every one has resumed.
pub async fn reconnect_storm(relay: &Relay, clients: usize) -> anyhow::Result<Row> {
    let mut cursors = Vec::with_capacity(clients);
    let tokens: Vec<String> = (0..clients).map(|i| token(&format!("storm-{i}"))).collect();
    for t in &tokens {
        let (mut socket, _) = customer(&relay.ws(), t, None).await?;
        send(
            &mut socket,
            &ClientFrame::Send {
                client_id: "storm".into(),
                text: "before".into(),
            },
        )
        .await?;
        loop {
            if let ServerFrame::Ack {
                conversation, seq, ..
            } = next(&mut socket).await?
            {
                cursors.push(Cursor {
                    conversation,
                    after_seq: seq - 1,
                });
                break;
            }
        }
    }
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for (t, cursor) in tokens.into_iter().zip(cursors) {
        let url = relay.ws();
        tasks.push(tokio::spawn(async move {
            let expected = cursor.after_seq + 1;
            let (mut socket, _) = customer(&url, &t, Some(cursor)).await?;
            loop {
                if let ServerFrame::Messages { messages, .. } = next(&mut socket).await? {
                    anyhow::ensure!(messages.first().map(|m| m.seq) == Some(expected), "a gap");
                    return anyhow::Ok(socket);
                }
            }
        }));
    }
    let mut gaps = 0;
    let mut sockets = Vec::new();
    for task in tasks {
        match task.await? {
            Ok(socket) => sockets.push(socket),
            Err(_) => gaps += 1,
        }
    }
    let elapsed = started.elapsed();
    Ok(row(
        &format!("reconnect storm: {clients} clients resume at once"),
        format!("{} ms, {gaps} gaps", elapsed.as_millis()),
        "0 gaps",
        String::new(),
    ))
}
