//! Routing with three relays deciding at once (R8, R10): 500 conversations, half persistent and
//! half live, pushed to 20 agents of capacity 3 who are signed in on different relays, end what
//! they get, accept from the queue and go offline and online again. Sampled from the database
//! all along: no agent ever holds more than their capacity, no live conversation is active with
//! an offline agent, every agent's stored load is what they hold; and in the end every
//! conversation went through an agent — none was lost from the queue.

use super::group::{Relays, customer, sign_in};
use crate::relay::support::{AgentClient, CustomerSocket};
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const AGENTS: usize = 20;
const CAPACITY: u64 = 3;
const CONVERSATIONS: usize = 500;
/// The whole run's bound: the routing of 500 conversations through three relays on two cores.
const RUN: Duration = Duration::from_secs(240);
/// How often the invariants are read from the database while the run goes on.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

fn agents_config() -> String {
    (0..AGENTS)
        .map(|i| {
            format!(
                "\n[[agent]]\nid = \"agent-{i:02}\"\nname = \"Agent {i}\"\n\
                 password_hash = \"{{password_hash}}\"\ncapacity = {CAPACITY}\n\
                 workstreams = [\"support\", \"sales\"]\n"
            )
        })
        .collect()
}

/// Each invariant as one statement, so each reads one snapshot of the database.
const INVARIANTS: [(&str, &str); 3] = [
    (
        "an agent over capacity",
        "SELECT count(*) FROM (SELECT agent_id FROM conversations WHERE state = 'active' \
         AND agent_id LIKE 'agent-%' GROUP BY agent_id HAVING count(*) > 3) AS over",
    ),
    (
        "a live conversation active with an offline agent",
        "SELECT count(*) FROM conversations c JOIN agents a ON a.id = c.agent_id \
         WHERE c.state = 'active' AND c.mode = 'live' AND a.presence = 'offline'",
    ),
    (
        "an agent whose stored load is not what they hold",
        "SELECT count(*) FROM agents a WHERE a.load <> (SELECT count(*) FROM conversations c \
         WHERE c.agent_id = a.id AND c.state = 'active')",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_relays_route_500_conversations_to_20_agents_within_capacity() {
    let group = Arc::new(Relays::start(3, "", &agents_config()).await);
    let (done_tx, done) = watch::channel(false);
    let sampler = tokio::spawn(sample_invariants(Arc::clone(&group), done.clone()));

    let (ended_tx, mut ended) = watch::channel(0usize);
    let ended_tx = Arc::new(ended_tx);
    let mut agents = Vec::new();
    for i in 0..AGENTS {
        let agent = sign_in(&group.relays[i % 3], &format!("agent-{i:02}")).await;
        agent.presence("online").await;
        // The event stream on another relay than the one the agent signed in on.
        let events_on = group.relays[(i + 1) % 3].http("/v1/agent");
        agents.push(tokio::spawn(work(
            agent,
            events_on,
            i,
            Arc::clone(&ended_tx),
            done.clone(),
        )));
    }

    // Live customers keep their sockets open: a live chat without one closes (R11).
    let mut live_sockets: Vec<CustomerSocket> = Vec::new();
    for i in 0..CONVERSATIONS {
        let relay = &group.relays[i % 3];
        let workstream = if i % 2 == 0 { "support" } else { "sales" };
        let (mut socket, _) = customer(relay, workstream, &format!("routed-{i}")).await;
        socket.say(&format!("routed-{i}"), "please help").await;
        socket
            .until(|frame| matches!(frame, tetap_shared::frames::ServerFrame::Ack { .. }))
            .await;
        if workstream == "sales" {
            live_sockets.push(socket);
        } else {
            socket.close().await;
        }
    }

    tokio::time::timeout(RUN, ended.wait_for(|n| *n >= CONVERSATIONS))
        .await
        .expect("every conversation reaches an agent and is ended within the run")
        .expect("the agents hold the counter");
    done_tx.send_replace(true);
    for agent in agents {
        agent.await.expect("agent task");
    }
    let samples = sampler.await.expect("sampler");
    assert!(
        samples > 0,
        "the invariants were read while routing went on"
    );

    let mut sql = group.sql().await;
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, count(*) FROM conversations GROUP BY state")
            .fetch_all(&mut sql)
            .await
            .expect("states");
    assert_eq!(
        states,
        [("closed".to_owned(), CONVERSATIONS as i64)],
        "every conversation went through an agent"
    );
    assert_eq!(*ended.borrow(), CONVERSATIONS, "each ended exactly once");
    drop(live_sockets);
}

/// Reads every invariant until `done`; returns how many samples it took.
async fn sample_invariants(group: Arc<Relays>, done: watch::Receiver<bool>) -> usize {
    let mut sql = group.sql().await;
    let mut samples = 0;
    let mut every = tokio::time::interval(SAMPLE_EVERY);
    while !*done.borrow() {
        every.tick().await;
        for (broken, query) in INVARIANTS {
            let count: i64 = sqlx::query_scalar(query)
                .fetch_one(&mut sql)
                .await
                .expect("invariant query");
            assert_eq!(count, 0, "{broken} (sample {samples})");
        }
        samples += 1;
    }
    samples
}

/// One agent: ends each conversation routed to it; every fifth, first takes one from the queue
/// with `accept`; every seventh, goes offline and online again (its live conversations go back
/// to the queue, its persistent ones stay: R8) and ends what it still holds.
async fn work(
    agent: AgentClient,
    events_on: String,
    index: usize,
    ended: Arc<watch::Sender<usize>>,
    mut done: watch::Receiver<bool>,
) {
    let events_agent = AgentClient {
        http: agent.http.clone(),
        base: events_on,
        token: agent.token.clone(),
    };
    let mut assigned = index;
    'stream: loop {
        let mut events = events_agent.events().await;
        // What it holds now (a stream that fell behind closes; the console reloads its lists).
        end_all_held(&agent, &ended).await;
        loop {
            let frame = tokio::select! {
                frame = events.stream().next() => frame,
                _ = done.wait_for(|done| *done) => return,
            };
            let Some(Ok(frame)) = frame else {
                continue 'stream;
            };
            let WsMessage::Text(text) = frame else {
                continue;
            };
            let event: Value = serde_json::from_str(text.as_str()).expect("json event");
            if event["type"] != "assigned" {
                continue;
            }
            assigned += 1;
            if assigned.is_multiple_of(5) {
                accept_one(&agent, &ended).await;
            }
            if assigned.is_multiple_of(7) {
                agent.presence("offline").await;
                agent.presence("online").await;
                end_all_held(&agent, &ended).await;
            }
            let id = event["conversation"].as_str().expect("id");
            end(&agent, id, &ended).await;
        }
    }
}

/// Ends a conversation if it is still the agent's; counts it when it was.
async fn end(agent: &AgentClient, id: &str, ended: &watch::Sender<usize>) {
    let (status, body) = agent.act(id, "end").await;
    match status {
        200 => ended.send_modify(|n| *n += 1),
        // Gone back to the queue when the agent went offline, or ended already.
        403 | 409 => {}
        other => panic!("end {id}: {other} {body}"),
    }
}

async fn end_all_held(agent: &AgentClient, ended: &watch::Sender<usize>) {
    let (_, list) = agent.get("/conversations").await;
    let me = agent.get("/me").await.1["id"].clone();
    for conversation in list.as_array().into_iter().flatten() {
        if conversation["state"] == "active" && conversation["agent"]["id"] == me {
            end(agent, conversation["id"].as_str().expect("id"), ended).await;
        }
    }
}

/// Takes the oldest queued conversation, if capacity allows, and ends it.
async fn accept_one(agent: &AgentClient, ended: &watch::Sender<usize>) {
    let (_, list) = agent.get("/conversations").await;
    let Some(open) = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["state"] == "open")
    else {
        return;
    };
    let id = open["id"].as_str().expect("id");
    let (status, body) = agent.act(id, "accept").await;
    match status {
        200 => end(agent, id, ended).await,
        // Routed elsewhere meanwhile, or the agent is at capacity.
        403 | 409 => {}
        other => panic!("accept {id}: {other} {body}"),
    }
}
