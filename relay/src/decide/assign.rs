//! Assignment and agent presence, decided inside the write against the rows as they are at
//! commit (R8, R10): a routing plan made from an earlier read is checked again here, and going
//! offline requeues whatever is the agent's at that commit.

use super::write::commit;
use super::{DecideError, Decision, decide_in};
use crate::config::{AgentConfig, Config};
use crate::state::AppState;
use crate::store::{ConversationRow, StoreTx};
use jiff::Timestamp;
use tetap_shared::rules::{self, AgentSlot, Event, Queued};
use tetap_shared::{ConversationId, ConversationState};

/// Routing's assignment of `id` to `agent`, if it still holds at commit: the conversation is
/// still queued, its workstream within hours, and the agent online, serving it and with free
/// capacity (or its R8 agent). `None` leaves it queued: the next pass plans again.
pub async fn assign(
    state: &AppState,
    id: &ConversationId,
    agent: &str,
) -> Result<Option<Decision>, DecideError> {
    let (id, agent) = (id.clone(), agent.to_owned());
    commit(state, move |ctx, tx| {
        let Some(row) = tx.conversation(&id)? else {
            return Ok(None);
        };
        let Some(config) = ctx.config.agent(&agent) else {
            return Ok(None);
        };
        if row.state != ConversationState::Open
            || !rules::may_take(&queued(&ctx.config, ctx.now, &row), &slot(tx, config)?)
        {
            return Ok(None);
        }
        decide_in(ctx, tx, row, &Event::Assign { agent })
    })
    .await
}

/// The queued conversation as routing sees it at `now`: routing plans with this, and the
/// assignment checks it again at commit.
pub fn queued(config: &Config, now: Timestamp, row: &ConversationRow) -> Queued {
    Queued {
        conversation: row.id.0.clone(),
        workstream: row.workstream.clone(),
        affinity_agent: row.affinity_agent.clone(),
        keep_same_agent: super::keep_same_agent(config.workstream(&row.workstream), row.mode),
        workstream_open: config.is_open_by_id(&row.workstream, now),
    }
}

/// The agent's presence and load as this transaction sees them.
fn slot(tx: &mut StoreTx<'_>, agent: &AgentConfig) -> Result<AgentSlot, DecideError> {
    Ok(AgentSlot {
        agent: agent.id.clone(),
        online: tx.is_online(&agent.id)?,
        capacity: agent.capacity,
        load: tx.agent_load(&agent.id)?,
        workstreams: agent.workstreams.clone(),
    })
}

/// Stores the agent's presence; going offline returns, in the same transaction, every live
/// conversation that is theirs at that commit to the queue (their persistent ones stay theirs,
/// R8). Returns what changed, to publish.
pub async fn agent_presence(
    state: &AppState,
    agent: &str,
    online: bool,
) -> Result<Vec<Decision>, DecideError> {
    let agent = agent.to_owned();
    commit(state, move |ctx, tx| {
        tx.set_presence(&agent, online)?;
        let mut decisions = Vec::new();
        if !online {
            for row in tx.conversations_of_agent(&agent)? {
                let event = Event::AgentOffline {
                    agent: agent.clone(),
                };
                decisions.extend(decide_in(ctx, tx, row, &event)?);
            }
        }
        Ok(decisions)
    })
    .await
}
