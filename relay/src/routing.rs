//! Routing in the relay (R3, R8, R10): plans from the queue and the agents' presence and load as
//! read, asks `rules::route`, then hands each assignment to `decide::assign`, which checks it
//! again against the rows at commit. Runs when woken, and when a closed workstream opens.

use crate::decide::{self, DecideError};
use crate::fanout;
use crate::state::AppState;
use jiff::Timestamp;
use tetap_shared::rules::{self, AgentSlot, Assignment, Queued};

/// One routing pass. A planned assignment that no longer holds at its commit (an agent accepted
/// or went offline meanwhile) leaves its conversation queued and wakes another pass.
pub async fn run_once(state: &AppState) -> Result<(), DecideError> {
    let _one_at_a_time = state.routing_lock.lock().await;
    let passed = run_locked(state).await;
    state.metrics.routing_passed();
    passed
}

/// What a routing pass would assign now, planned from the queue, presence and load as read
/// (`decide::assign` checks each again at its commit).
pub async fn plan(state: &AppState) -> Result<Vec<Assignment>, DecideError> {
    let rows = state.store.queue().await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let now = state.clock.now();
    let queue: Vec<Queued> = rows
        .iter()
        .map(|row| decide::queued(&state.config, now, row))
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
    Ok(rules::route(&queue, &agents))
}

async fn run_locked(state: &AppState) -> Result<(), DecideError> {
    let mut stale = false;
    for assignment in plan(state).await? {
        if let Some(hook) = &state.hooks.before_assign {
            hook(assignment.conversation.clone(), assignment.agent.clone()).await;
        }
        let id = tetap_shared::ConversationId(assignment.conversation);
        match decide::assign(state, &id, &assignment.agent).await {
            Ok(Some(decision)) => fanout::publish(state, &decision),
            // The plan was stale: what changed meanwhile is another pass's to see.
            Ok(None) | Err(DecideError::Refused(_) | DecideError::NotFound) => stale = true,
            Err(error) => return Err(error),
        }
    }
    if stale {
        state.wake.routing.notify_one();
    }
    Ok(())
}

/// The earliest time after `now` at which a workstream that is closed now opens, if any.
fn next_opening(state: &AppState, now: Timestamp) -> Option<Timestamp> {
    state
        .config
        .workstreams
        .iter()
        .filter_map(|w| state.config.hours_of(w))
        .filter(|hours| !hours.is_open(now))
        // Closed now, so each opening is strictly later (`Hours::next_open`): no busy loop.
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
