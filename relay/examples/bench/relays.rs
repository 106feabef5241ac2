//! The rows of several relays on one PostgreSQL database (`--postgres`): durable messages/s with
//! one, two and three relays beside the pgbench floor, delivery from a customer on one relay to
//! an agent on another at 1,000 msg/s, and how long a killed relay's customers wait until a
//! surviving relay has stored their next message.

use crate::client::{customer, next, send};
use crate::relay_process::{Pin, Relay, token};
use crate::report::{Row, ms, percentiles, row};
use crate::{Scale, latency, throughput};
use std::time::{Duration, Instant};
use tetap_shared::frames::{ClientFrame, ServerFrame};

/// Customers on the relay that is killed, each waiting to be served by a surviving one.
const STRANDED: usize = 50;

/// Starts relays beside `first` on its configuration (so on its database) until there are
/// three, measuring throughput at one, two and three; then cross-relay delivery and the
/// recovery after a kill. Stops the relays it started.
pub async fn rows(first: &Relay, floor: Option<f64>, scale: &Scale) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut others: Vec<Relay> = Vec::new();
    if let Some(floor) = floor {
        for count in [2, 3] {
            while others.len() + 1 < count {
                others.push(first.peer(Pin::Anywhere).await?);
            }
            let all: Vec<&Relay> = std::iter::once(first).chain(others.iter()).collect();
            let grouped =
                throughput::grouped_across(&all, scale.throughput_clients, scale.throughput_each)
                    .await?;
            let ratio = grouped.median() / floor;
            rows.push(row(
                &grouped.metric(&format!(
                    "{count} relays on one database, customers spread evenly"
                )),
                format!(
                    "{}; {}; {ratio:.2}× the floor",
                    grouped.value(),
                    grouped.batching()
                ),
                if count == 2 {
                    "≥ the pgbench floor"
                } else {
                    ""
                },
                format!("{floor:.0} tx/s (pgbench)"),
            ));
        }
    }
    if others.is_empty() {
        others.push(first.peer(Pin::Anywhere).await?);
    }
    let delivery = latency::measure(first, &others[0], scale.latency_seconds, "across").await?;
    rows.push(row(
        "cross-relay delivery, customer on relay A → agent on relay B, 1,000 msg/s (p50 / p99 / p99.9)",
        delivery.value(),
        "p99 ≤ 10 ms",
        format!("one relay: see the delivery row above; typing across {}", delivery.typing_value()),
    ));
    let served = recovery(first, others.pop().expect("a second relay")).await?;
    rows.push(served);
    for mut relay in others {
        relay.stop().await;
    }
    Ok(rows)
}

/// [`STRANDED`] customers on `victim`; it is SIGKILLed, and each customer at once connects to
/// `survivor`, resumes and sends a message: the time from the kill to each acknowledgement.
async fn recovery(survivor: &Relay, mut victim: Relay) -> anyhow::Result<Row> {
    let mut sockets = Vec::with_capacity(STRANDED);
    for i in 0..STRANDED {
        let (mut socket, _) =
            customer(&victim.ws(), &token(&format!("stranded-{i}")), None).await?;
        send(
            &mut socket,
            &ClientFrame::Send {
                client_id: format!("before-{i}"),
                text: "before".into(),
            },
        )
        .await?;
        while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
        sockets.push(socket);
    }
    let killed = Instant::now();
    victim.kill_now()?;
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, mut old)| {
            let url = survivor.ws();
            tokio::spawn(async move {
                // The widget learns of the kill when its socket ends.
                while next(&mut old).await.is_ok() {}
                let (mut socket, _) =
                    customer(&url, &token(&format!("stranded-{i}")), None).await?;
                send(
                    &mut socket,
                    &ClientFrame::Send {
                        client_id: format!("after-{i}"),
                        text: "after".into(),
                    },
                )
                .await?;
                while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
                anyhow::Ok(killed.elapsed())
            })
        })
        .collect();
    let mut waits = Vec::with_capacity(STRANDED);
    for task in tasks {
        waits.push(tokio::time::timeout(Duration::from_secs(60), task).await???);
    }
    victim.stop().await;
    let (p50, _, _) = percentiles(waits.clone());
    let slowest = waits.iter().max().copied().unwrap_or_default();
    Ok(row(
        &format!(
            "killed relay's customers served again by another ({STRANDED} customers, p50 / slowest)"
        ),
        format!("{} / {} ms", ms(p50), ms(slowest)),
        "",
        "from SIGKILL to the ack of each one's next message, reconnecting at once".to_owned(),
    ))
}
