//! Durable messages per second: many customers at once (group commit), and one customer waiting
//! for each acknowledgement (one commit per message).

use crate::client::{customer, next, send};
use crate::relay_process::{Relay, token};
use crate::report::{Row, row};
use futures_util::{SinkExt, StreamExt};
use std::time::Instant;
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// How an acknowledgement frame starts (`ServerFrame::Ack` encoded).
const ACK: &str = r#"{"type":"ack""#;
/// Messages each customer keeps in flight.
const WINDOW: usize = 16;

/// Group-commit runs; the figure is their median, so one unlucky scheduling does not decide it.
const RUNS: usize = 3;

/// What the group-commit runs measured.
pub struct Grouped {
    clients: usize,
    /// Messages per second of each run, sorted.
    per_second: Vec<f64>,
    commits: f64,
    writes_per_commit: f64,
}

impl Grouped {
    /// The table row, `how` saying where the relay ran.
    pub fn row(&self, how: &str) -> Row {
        row(&self.metric(how), self.value(), "≥ 20,000", self.batching())
    }

    /// What the row measures, `how` saying where the relay ran.
    pub fn metric(&self, how: &str) -> String {
        format!(
            "durable messages/s, group commit ({} customers, {how})",
            self.clients
        )
    }

    /// The figure: the median run's messages per second.
    pub fn median(&self) -> f64 {
        self.per_second[RUNS / 2]
    }

    /// The median with the spread of the runs.
    pub fn value(&self) -> String {
        format!(
            "{:.0} (median of {RUNS}; {:.0}–{:.0})",
            self.median(),
            self.per_second[0],
            self.per_second[RUNS - 1]
        )
    }

    /// How well the writes shared commits.
    pub fn batching(&self) -> String {
        format!(
            "{:.1} writes per commit ({:.0} commits in all)",
            self.writes_per_commit, self.commits
        )
    }
}

/// Both figures against the pinned relay.
pub async fn throughput(
    relay: &Relay,
    clients: usize,
    each: usize,
    fsyncs_per_second: f64,
) -> anyhow::Result<Vec<Row>> {
    let grouped = grouped(relay, clients, each).await?;
    let single = one_at_a_time(relay, 300).await?;
    Ok(vec![
        grouped.row("relay on its own core"),
        row(
            "durable messages/s, one commit per message (one customer)",
            format!("{single:.0}"),
            "",
            format!("{fsyncs_per_second:.0} fdatasyncs/s"),
        ),
    ])
}

/// [`RUNS`] runs of `clients` customers each sending `each` messages with [`WINDOW`] in flight.
pub async fn grouped(relay: &Relay, clients: usize, each: usize) -> anyhow::Result<Grouped> {
    grouped_across(&[relay], clients, each).await
}

/// Like [`grouped`], the customers spread evenly over `relays` (which share one store), as a
/// load balancer would spread them.
pub async fn grouped_across(
    relays: &[&Relay],
    clients: usize,
    each: usize,
) -> anyhow::Result<Grouped> {
    // Each call's messages are new ones even on a store that kept an earlier call's: a
    // re-posted client id would be answered from the store without a write.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let commits_before = sum(relays, "tetap_store_commits_total").await?;
    let writes_before = sum(relays, "tetap_store_writes_total").await?;
    let mut per_second = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        per_second.push(grouped_run(relays, &format!("{call}-{run}"), clients, each).await?);
    }
    per_second.sort_by(f64::total_cmp);
    let commits = sum(relays, "tetap_store_commits_total").await? - commits_before;
    let writes = sum(relays, "tetap_store_writes_total").await? - writes_before;
    Ok(Grouped {
        clients,
        per_second,
        commits,
        writes_per_commit: writes / commits.max(1.0),
    })
}

/// A metric summed over `relays`.
async fn sum(relays: &[&Relay], series: &str) -> anyhow::Result<f64> {
    let mut total = 0.0;
    for relay in relays {
        total += relay.metric(series).await?;
    }
    Ok(total)
}

/// One run: messages per second.
async fn grouped_run(
    relays: &[&Relay],
    run: &str,
    clients: usize,
    each: usize,
) -> anyhow::Result<f64> {
    // Connected and greeted before the clock starts: signing and checking tokens is not what
    // this measures.
    let mut sockets = Vec::with_capacity(clients);
    for c in 0..clients {
        let token = token(&format!("throughput-{c}"));
        let relay = &relays[c % relays.len()];
        sockets.push(customer(&relay.ws(), &token, None).await?.0);
    }
    let started = Instant::now();
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(c, mut socket)| {
            let run = run.to_owned();
            tokio::spawn(async move {
                let mut sent = 0;
                let mut acked = 0;
                while acked < each {
                    while sent < each && sent - acked < WINDOW {
                        let frame = format!(
                            r#"{{"type":"send","client_id":"t{run}-{c}-{sent}","text":"x"}}"#
                        );
                        socket.send(WsMessage::Text(frame.into())).await?;
                        sent += 1;
                    }
                    // Only acks are counted; telling them apart by their tag keeps this
                    // generator from spending its core decoding every frame.
                    match socket.next().await {
                        Some(Ok(WsMessage::Text(text))) if text.as_str().starts_with(ACK) => {
                            acked += 1
                        }
                        Some(Ok(_)) => {}
                        other => anyhow::bail!("the socket ended: {other:?}"),
                    }
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok((clients * each) as f64 / started.elapsed().as_secs_f64())
}

/// One customer sending `count` messages, each after the previous one's acknowledgement.
async fn one_at_a_time(relay: &Relay, count: usize) -> anyhow::Result<f64> {
    let (mut socket, _) = customer(&relay.ws(), &token("sequential"), None).await?;
    let started = Instant::now();
    for i in 0..count {
        let frame = ClientFrame::Send {
            client_id: format!("s-{i}"),
            text: "x".into(),
        };
        send(&mut socket, &frame).await?;
        while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}
