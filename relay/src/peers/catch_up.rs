//! Reading from the tables what the other relays committed: for a batch of notes (one read of
//! the conversations, one of their new messages), and for everything this relay's clients
//! follow after its listener reconnected or on the safety poll.

use super::note::{Before, Note, Notice, What};
use crate::decide::Decision;
use crate::state::AppState;
use crate::store::{ConversationRow, Shared, StoreError};
use std::collections::{HashMap, HashSet};
use tetap_shared::{AgentEvent, ConversationId, ConversationState, Message, ServerFrame};

/// Messages of one conversation read at once; a conversation further behind is read on.
const MESSAGES_AT_ONCE: u32 = 500;
/// Conversations or customers asked for in one statement.
const ROWS_AT_ONCE: usize = 1000;
/// Decisions published before letting the sockets' tasks run: a batch of notes read at once
/// must not fill an agent stream's backlog before its task could send any of it.
const PUBLISH_AT_ONCE: usize = 16;

/// A conversation's notes of one batch, merged: the oldest `before`, every notice.
#[derive(Default)]
struct Changes {
    first: Option<u64>,
    before: Option<Before>,
    started: bool,
    notices: Vec<Notice>,
}

/// Publishes what a batch of the other relays' notes points at.
pub(super) async fn notes(
    state: &AppState,
    shared: Shared<'_>,
    notes: Vec<Note>,
) -> Result<(), StoreError> {
    if notes.is_empty() {
        return Ok(());
    }
    state.metrics.relay_notes_received(notes.len());
    let mut order: Vec<ConversationId> = Vec::new();
    let mut changes: HashMap<ConversationId, Changes> = HashMap::new();
    let mut passing = Vec::new();
    for note in notes {
        match note.what {
            What::Changed {
                first,
                before,
                started,
                notices,
                timers,
            } => {
                if timers {
                    state.wake.timers.notify_one();
                }
                let merged = changes.entry(note.conversation.clone()).or_insert_with(|| {
                    order.push(note.conversation.clone());
                    Changes::default()
                });
                merged.first = match (merged.first, first) {
                    (Some(earlier), Some(this)) => Some(earlier.min(this)),
                    (earlier, this) => earlier.or(this),
                };
                if merged.before.is_none() {
                    merged.before = before;
                }
                merged.started |= started;
                merged.notices.extend(notices);
            }
            what => passing.push((note.conversation, what)),
        }
    }
    let mut ids: Vec<ConversationId> = order.clone();
    ids.extend(passing.iter().map(|(id, _)| id.clone()));
    ids.sort();
    ids.dedup();
    // Where each changed conversation's new messages start is known before reading it: the
    // rows and the messages are read at once (one round trip less before an agent on this relay
    // sees a message committed on another), the messages of conversations nobody here sees
    // dropped after.
    let wanted: Vec<(ConversationId, u64)> = {
        let sent = state.peers.sent();
        order
            .iter()
            .filter_map(|id| {
                let first = changes.get(id)?.first;
                let from = sent.upto(id).or(first.map(|seq| seq.saturating_sub(1)))?;
                Some((id.clone(), from))
            })
            .collect()
    };
    let (rows, mut messages) =
        tokio::try_join!(shared.conversations(&ids), read_messages(shared, &wanted))?;
    let rows: HashMap<ConversationId, ConversationRow> =
        rows.into_iter().map(|row| (row.id.clone(), row)).collect();
    // Only what a client of this relay sees is published.
    let (seen, unseen): (Vec<ConversationId>, Vec<ConversationId>) =
        order.into_iter().partition(|id| {
            rows.get(id)
                .zip(changes.get(id))
                .is_some_and(|(row, change)| {
                    seen_here(
                        state,
                        row,
                        change.before.as_ref(),
                        change.started,
                        &change.notices,
                    )
                })
        });
    // What was published of those here is out of date from this note on: a client that comes
    // to see one again starts from what it reads then, not from an old mark (a catch-up would
    // publish everything in between once more).
    state.peers.sent().forget(&unseen);
    let mut publisher = Publisher::default();
    for id in seen {
        let (Some(row), Some(change)) = (rows.get(&id), changes.remove(&id)) else {
            continue;
        };
        let mut decision = committed_elsewhere(row.clone(), change.before, change.started);
        decision.messages = messages.remove(&id).unwrap_or_default();
        decision.notices = change
            .notices
            .into_iter()
            .map(|notice| (notice.agent, notice.kind.into()))
            .collect();
        publisher.publish(state, decision).await;
    }
    for (id, what) in passing {
        if let Some(row) = rows.get(&id) {
            pass_on(state, row, what);
        }
    }
    Ok(())
}

/// Typing and read receipts, to this relay's sockets.
fn pass_on(state: &AppState, row: &ConversationRow, what: What) {
    let conversation = row.id.clone();
    match what {
        What::CustomerTyping => {
            crate::fanout::to_agents_here(state, row, AgentEvent::Typing { conversation });
        }
        What::CustomerRead { seq } => {
            crate::fanout::to_agents_here(state, row, AgentEvent::Read { conversation, seq });
        }
        What::AgentTyping { agent } => {
            let frame = ServerFrame::Typing {
                conversation,
                agent,
            };
            state.hub.publish_customer(&row.identity, frame);
        }
        What::AgentRead { seq } => {
            let frame = ServerFrame::Read { conversation, seq };
            state.hub.publish_customer(&row.identity, frame);
        }
        What::Changed { .. } => {}
    }
}

/// Reads the tables for everything this relay's clients follow and publishes what they were
/// not told: after the listener (re)connected, and on the safety poll.
pub(super) async fn everything(state: &AppState, shared: Shared<'_>) -> Result<(), StoreError> {
    // A relay that died may have left a conversation queued or a timer set unannounced.
    state.wake.routing.notify_one();
    state.wake.timers.notify_one();
    let mut rows: HashMap<ConversationId, ConversationRow> = HashMap::new();
    let followed = state.peers.sent().ids();
    for chunk in followed.chunks(ROWS_AT_ONCE) {
        rows.extend(by_id(shared.conversations(chunk).await?));
    }
    let customers: Vec<_> = state
        .hub
        .customer_socket_counts()
        .into_iter()
        .map(|(identity, _)| identity)
        .collect();
    for chunk in customers.chunks(ROWS_AT_ONCE) {
        rows.extend(by_id(shared.current_conversations(chunk).await?));
    }
    for agent in state.hub.agents_listening() {
        if let Some(config) = state.config.agent(&agent) {
            let theirs = state
                .store
                .agent_conversations(&agent, &config.workstreams, false)
                .await?;
            rows.extend(by_id(theirs));
        }
    }
    rows.retain(|_, row| seen_here(state, row, None, false, &[]));
    state.peers.sent().retain(|id| rows.contains_key(id));
    let mut wanted = Vec::new();
    let mut befores = HashMap::new();
    {
        let sent = state.peers.sent();
        for row in rows.values() {
            match sent.get(&row.id) {
                Some(track) => {
                    let moved = track.state != row.state || track.agent != row.agent_id;
                    let upto = sent.upto(&row.id).unwrap_or(row.last_seq);
                    if upto < row.last_seq {
                        wanted.push((row.id.clone(), upto));
                    }
                    if moved || upto < row.last_seq {
                        let was = Before {
                            state: track.state,
                            agent: track.agent.clone(),
                        };
                        befores.insert(row.id.clone(), Some(was));
                    }
                }
                // New to this relay's clients since they read the store: a conversation
                // started, or handed to their agent, while notes were lost.
                None => {
                    wanted.push((row.id.clone(), 0));
                    befores.insert(row.id.clone(), None);
                }
            }
        }
    }
    let mut messages = read_messages(shared, &wanted).await?;
    let mut publisher = Publisher::default();
    for (id, was) in befores {
        let Some(row) = rows.remove(&id) else {
            continue;
        };
        let started = was.is_none();
        let mut decision = committed_elsewhere(row, was, started);
        decision.messages = messages.remove(&id).unwrap_or_default();
        publisher.publish(state, decision).await;
    }
    Ok(())
}

/// What another relay committed, as this relay publishes it: the conversation as read now,
/// after the state and agent it had before (`was`, when they changed); messages and notices
/// are the caller's to add.
fn committed_elsewhere(row: ConversationRow, was: Option<Before>, started: bool) -> Decision {
    let mut before = row.clone();
    if let Some(was) = was {
        before.state = was.state;
        before.agent_id = was.agent;
    }
    Decision {
        before,
        after: row,
        messages: Vec::new(),
        notices: Vec::new(),
        route: false,
        started,
        timers_changed: false,
    }
}

/// Publishes decisions read together, letting the sockets' tasks run every
/// [`PUBLISH_AT_ONCE`] of them.
#[derive(Default)]
struct Publisher(usize);

impl Publisher {
    async fn publish(&mut self, state: &AppState, decision: Decision) {
        state.peers.arrived(state, decision);
        self.0 += 1;
        if self.0.is_multiple_of(PUBLISH_AT_ONCE) {
            tokio::task::yield_now().await;
        }
    }
}

fn by_id(rows: Vec<ConversationRow>) -> impl Iterator<Item = (ConversationId, ConversationRow)> {
    rows.into_iter().map(|row| (row.id.clone(), row))
}

async fn read_messages(
    shared: Shared<'_>,
    wanted: &[(ConversationId, u64)],
) -> Result<HashMap<ConversationId, Vec<Message>>, StoreError> {
    let mut messages: HashMap<ConversationId, Vec<Message>> = HashMap::new();
    for chunk in wanted.chunks(ROWS_AT_ONCE) {
        for (id, message) in shared.messages_after_each(chunk, MESSAGES_AT_ONCE).await? {
            messages.entry(id).or_default().push(message);
        }
    }
    Ok(messages)
}

/// Whether a client of this relay sees the conversation: the customer has a socket here, or an
/// agent who sees it (its agent before or after, one told of it, or, while it is queued or just
/// started, an agent of its workstream) has an event stream here.
fn seen_here(
    state: &AppState,
    row: &ConversationRow,
    before: Option<&Before>,
    started: bool,
    notices: &[Notice],
) -> bool {
    if state.hub.customer_sockets(&row.identity) > 0 {
        return true;
    }
    let queued = started
        || row.state == ConversationState::Open
        || before.is_some_and(|b| b.state == ConversationState::Open);
    let mut agents: HashSet<&str> = HashSet::new();
    agents.extend(row.agent_id.as_deref());
    agents.extend(before.and_then(|b| b.agent.as_deref()));
    agents.extend(notices.iter().map(|notice| notice.agent.as_str()));
    if queued {
        agents.extend(
            state
                .config
                .agents
                .iter()
                .filter(|agent| agent.workstreams.contains(&row.workstream))
                .map(|agent| agent.id.as_str()),
        );
    }
    agents
        .into_iter()
        .any(|agent| state.hub.agent_streams(agent) > 0)
}
