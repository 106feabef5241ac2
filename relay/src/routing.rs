//! Routing in the relay (R3, R8, R10): gathers the queue and the agents' presence and load, asks
//! `rules::route`, and commits each assignment through `decide`. Runs when woken, and when a
//! closed workstream with queued conversations opens.

use crate::decide::{self, DecideError, SystemEvent, keep_same_agent};
use crate::fanout;
use crate::state::AppState;
use jiff::Timestamp;
use tetap_shared::rules::{self, AgentSlot, Queued};

/// One routing pass.
pub async fn run_once(state: &AppState) -> Result<(), DecideError> {
    let _one_at_a_time = state.routing_lock.lock().await;
    let rows = state.store.queue().await?;
    if rows.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let queue: Vec<Queued> = rows
        .iter()
        .map(|row| {
            let workstream = state.config.workstream(&row.workstream);
            Queued {
                conversation: row.id.0.clone(),
                workstream: row.workstream.clone(),
                affinity_agent: row.affinity_agent.clone(),
                keep_same_agent: keep_same_agent(workstream, row.mode),
                workstream_open: workstream.is_some_and(|w| state.config.is_open(w, now)),
            }
        })
        .collect();
    let mut agents = Vec::with_capacity(state.config.agents.len());
    for agent in &state.config.agents {
        agents.push(AgentSlot {
            agent: agent.id.clone(),
            online: state.store.presence(&agent.id).await? == "online",
            capacity: agent.capacity,
            load: state.store.agent_load(&agent.id).await?,
            workstreams: agent.workstreams.clone(),
        });
    }
    for assignment in rules::route(&queue, &agents) {
        let id = tetap_shared::ConversationId(assignment.conversation);
        let event = SystemEvent::Assign {
            agent: assignment.agent,
        };
        match decide::system_event(state, &id, event).await {
            Ok(Some(decision)) => fanout::publish(state, &decision),
            // Someone accepted or the customer changed it meanwhile: the next pass sees that.
            Ok(None) | Err(DecideError::Refused(_) | DecideError::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// The earliest time a workstream that is closed now opens, if any has hours.
fn next_opening(state: &AppState, now: Timestamp) -> Option<Timestamp> {
    state
        .config
        .workstreams
        .iter()
        .filter_map(|w| state.config.hours_of(w))
        .filter(|hours| !hours.is_open(now))
        .filter_map(|hours| hours.next_open(now))
        .min()
}

/// The routing task: a pass at start (the queue survives restarts), then on every wake-up.
pub async fn task(state: AppState) {
    loop {
        if let Err(error) = run_once(&state).await {
            tracing::error!(%error, "routing pass failed");
        }
        let opening = next_opening(&state, state.clock.now());
        match opening {
            Some(at) => {
                tokio::select! {
                    () = state.wake.routing.notified() => {}
                    () = state.clock.sleep_until(at) => {}
                }
            }
            None => state.wake.routing.notified().await,
        }
    }
}
