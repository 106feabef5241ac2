//! Storing what the rules decided: the new state, its system messages, timers and waits.

use super::write::Context;
use super::{DecideError, Decision};
use crate::config::{Config, WorkstreamConfig};
use crate::store::{ConversationRow, MessageAuthorRow, NewMessage, SavedState, StoreTx};
use std::time::Duration;
use tetap_shared::rules::{Effect, Facts, SystemKind, Timer, Transition, system_messages};
use tetap_shared::{AuthorKind, ConversationState, Mode};

/// The facts the rules see: the stored conversation plus its workstream's settings.
pub fn facts(config: &Config, row: &ConversationRow) -> Facts {
    let workstream = config.workstream(&row.workstream);
    Facts {
        mode: row.mode,
        state: row.state,
        agent: row.agent_id.clone(),
        affinity_agent: row.affinity_agent.clone(),
        keep_same_agent: keep_same_agent(workstream, row.mode),
        has_waiting_timeout: workstream.is_some_and(|w| w.waiting_timeout.is_some()),
        returned_notified: row.returned_notified,
    }
}

/// R8: on by default for persistent workstreams, off for live ones.
pub fn keep_same_agent(workstream: Option<&WorkstreamConfig>, mode: Mode) -> bool {
    workstream
        .and_then(|w| w.keep_same_agent)
        .unwrap_or(mode == Mode::Persistent)
}

pub(super) fn system_author() -> MessageAuthorRow {
    MessageAuthorRow {
        kind: AuthorKind::System,
        id: String::new(),
        name: None,
    }
}

pub(super) fn timer_duration(
    workstream: Option<&WorkstreamConfig>,
    timer: Timer,
) -> Option<Duration> {
    let workstream = workstream?;
    match timer {
        Timer::WaitingTimeout => workstream.waiting_timeout,
        Timer::AffinityGrace => Some(workstream.affinity_grace),
        Timer::ReconnectGrace => Some(workstream.reconnect_grace),
    }
}

/// Stores `transition` and carries out its effects inside `tx`.
pub(super) fn commit_transition(
    ctx: &Context,
    tx: &mut StoreTx,
    before: ConversationRow,
    transition: Transition,
) -> Result<Decision, DecideError> {
    if transition.is_noop(&facts(&ctx.config, &before)) {
        // Nothing to store (most messages in a running chat): the row stays as it was read.
        return Ok(Decision::unchanged(before));
    }
    let now = ctx.now;
    let at = ctx.at();
    let workstream = ctx.config.workstream(&before.workstream);
    // R7: marked from the return until the conversation leaves `waiting` (picked up, or the
    // customer wrote); the time is the first return of the waiting period.
    let returned = transition.state == ConversationState::Waiting && transition.returned_notified;
    let returned_at = returned.then(|| before.returned_at.as_deref().unwrap_or(&at));
    tx.save_state(
        &before.id,
        &SavedState {
            state: transition.state,
            agent: transition.agent.as_deref(),
            affinity_agent: transition.affinity_agent.as_deref(),
            returned_notified: transition.returned_notified,
            returned_at,
            capacity_exempt: is_own_agent_return(&before, &transition, workstream),
            at: &at,
        },
    )?;
    let assigned_from_queue =
        before.state == ConversationState::Open && transition.state == ConversationState::Active;
    if assigned_from_queue
        && let Some(queued_at) = before.queued_at.as_deref().and_then(crate::clock::parse)
    {
        let waited = now
            .duration_since(queued_at)
            .as_secs()
            .max(0)
            .unsigned_abs();
        tx.record_wait(&before.workstream, waited, &at)?;
    }
    let mut decision = Decision::unchanged(before);
    let id = decision.before.id.clone();
    for effect in transition.effects {
        match effect {
            Effect::System(kind) => {
                let (name, text) =
                    system_text(&ctx.config, &decision.before, kind, &transition.agent);
                let new = NewMessage {
                    client_id: None,
                    text,
                    at: at.clone(),
                };
                let message = tx.insert_message(&id, &system_author(), Some(name), &new)?;
                decision.messages.push(message);
            }
            Effect::Notify { agent, notice } => decision.notices.push((agent, notice)),
            Effect::StartTimer(timer) => {
                if let Some(duration) = timer_duration(workstream, timer) {
                    let span = jiff::SignedDuration::try_from(duration)
                        .unwrap_or(jiff::SignedDuration::MAX);
                    let due = now.saturating_add(span).unwrap_or(now);
                    tx.set_timer(&id, timer, &crate::clock::rfc3339(due))?;
                    decision.timers_changed = true;
                }
            }
            Effect::CancelTimer(timer) => tx.cancel_timer(&id, timer)?,
            Effect::Route => decision.route = true,
        }
    }
    decision.after = tx.conversation(&id)?.ok_or(DecideError::NotFound)?;
    Ok(decision)
}

/// R8's exception: the conversation becomes active with the agent it already had (a waiting
/// conversation picked up again) or, keeping the same agent, with its affinity agent. Only these
/// may take an agent beyond capacity; the store refuses every other assignment that would.
fn is_own_agent_return(
    before: &ConversationRow,
    transition: &Transition,
    workstream: Option<&WorkstreamConfig>,
) -> bool {
    let Some(agent) = transition.agent.as_deref() else {
        return false;
    };
    if transition.state != ConversationState::Active {
        return false;
    }
    match before.state {
        ConversationState::Waiting => before.agent_id.as_deref() == Some(agent),
        ConversationState::Open => {
            keep_same_agent(workstream, before.mode)
                && before.affinity_agent.as_deref() == Some(agent)
        }
        _ => false,
    }
}

pub(super) fn system_text(
    config: &Config,
    row: &ConversationRow,
    kind: SystemKind,
    agent: &Option<String>,
) -> (&'static str, String) {
    let overrides = config.workstream(&row.workstream).map(|w| &w.messages);
    let empty = Default::default();
    let overrides = overrides.unwrap_or(&empty);
    match kind {
        SystemKind::AgentJoined => {
            let name = agent
                .as_deref()
                .map(|id| config.agent(id).map_or(id, |a| a.name.as_str()))
                .unwrap_or_default();
            let text = system_messages::render(
                system_messages::AGENT_JOINED,
                &row.locale,
                overrides,
                &[("agent", name)],
            );
            (system_messages::AGENT_JOINED, text)
        }
        SystemKind::Ended => {
            let text = system_messages::render(system_messages::ENDED, &row.locale, overrides, &[]);
            (system_messages::ENDED, text)
        }
    }
}
