//! The one decision point: load a conversation, ask `tetap_shared::rules` what an event does,
//! commit the new state with its system messages and timers in one transaction, and hand the
//! result to `fanout`. Nothing else changes a conversation's state.

use crate::config::{AgentConfig, WorkstreamConfig};
use crate::state::AppState;
use crate::store::{
    ConversationRow, CustomerIdentity, MessageAuthorRow, NewConversation, NewMessage, SavedState,
    StoreError, StoreTx,
};
use std::time::Duration;
use tetap_shared::rules::{
    self, AgentNotice, Effect, Event, Facts, RuleError, SystemKind, Timer, Transition,
    system_messages,
};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, Message, Mode};

/// What one committed decision changed.
#[derive(Clone, Debug)]
pub struct Decision {
    pub before: ConversationRow,
    pub after: ConversationRow,
    /// Messages committed with the decision, in `seq` order.
    pub messages: Vec<Message>,
    pub notices: Vec<(String, AgentNotice)>,
    /// The queue or someone's free capacity changed.
    pub route: bool,
    /// The customer's message started this conversation.
    pub started: bool,
    /// A timer was started: the timer task must look again once this is committed.
    pub timers_changed: bool,
}

/// Why nothing was committed.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no such conversation")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] RuleError),
    #[error("this client_id names another author's message")]
    ClientIdConflict,
}

/// The outcome of writing a message.
#[derive(Clone, Debug)]
pub enum Written {
    Committed {
        decision: Box<Decision>,
        message: Message,
    },
    /// The `client_id` was committed before: the stored message, nothing changed.
    Duplicate {
        conversation: ConversationId,
        message: Message,
    },
}

/// A customer's message and who they are.
pub struct CustomerWrite<'a> {
    pub identity: &'a CustomerIdentity,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub locale: &'a str,
    pub workstream: &'a WorkstreamConfig,
    pub new: NewMessage,
}

/// What an agent does to a conversation through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentAction {
    Accept,
    Wait,
    End,
}

/// Events that come from the relay itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemEvent {
    Assign { agent: String },
    AgentOffline { agent: String },
}

/// Commits a customer's message, starting a conversation when they have none (R9).
pub async fn customer_message(
    state: &AppState,
    write: CustomerWrite<'_>,
) -> Result<Written, DecideError> {
    let mut tx = state.store.begin().await?;
    if let Some(client_id) = &write.new.client_id
        && let Some((conversation, message)) = tx
            .customer_message_by_client_id(write.identity, client_id)
            .await?
    {
        return Ok(Written::Duplicate {
            conversation,
            message,
        });
    }
    let mut started = false;
    let (row, transition) = match tx.current_conversation(write.identity).await? {
        Some(row) => {
            let agent_online = match row.agent_id.as_deref() {
                Some(agent) => tx.is_online(agent).await?,
                None => false,
            };
            let event = Event::CustomerMessage { agent_online };
            let transition = rules::apply(&facts(state, &row), &event)?;
            (row, transition)
        }
        None => {
            let new = NewConversation {
                identity: write.identity,
                mode: write.workstream.mode,
                customer_name: write.name,
                customer_email: write.email,
                locale: write.locale,
                at: &write.new.at,
            };
            started = true;
            (tx.create_conversation(new).await?, rules::start())
        }
    };
    if customer_details_changed(&row, &write) {
        tx.update_customer(&row.id, write.name, write.email, write.locale)
            .await?;
    }
    let author = MessageAuthorRow {
        kind: AuthorKind::Customer,
        id: write.identity.subject.clone(),
        name: write.name.map(str::to_owned),
    };
    let message = tx
        .insert_message(&row.id, &author, None, &write.new)
        .await?;
    let mut decision = commit_transition(state, &mut tx, row, transition).await?;
    decision.messages.insert(0, message.clone());
    decision.started = started;
    commit(state, tx, &decision.messages).await?;
    Ok(Written::Committed {
        decision: Box::new(decision),
        message,
    })
}

/// Commits an agent's message; writing to an `open` conversation picks it up (R10).
pub async fn agent_message(
    state: &AppState,
    id: &ConversationId,
    agent: &AgentConfig,
    new: NewMessage,
) -> Result<Written, DecideError> {
    let mut tx = state.store.begin().await?;
    if let Some(client_id) = &new.client_id
        && let Some(message) = tx.message_by_client_id(id, client_id).await?
    {
        if message.author.kind != AuthorKind::Agent || message.author.id != agent.id {
            return Err(DecideError::ClientIdConflict);
        }
        return Ok(Written::Duplicate {
            conversation: id.clone(),
            message,
        });
    }
    let row = tx.conversation(id).await?.ok_or(DecideError::NotFound)?;
    let event = Event::AgentMessage {
        agent: agent.id.clone(),
        in_workstreams: agent.workstreams.contains(&row.workstream),
        has_capacity: tx.agent_load(&agent.id).await? < agent.capacity,
    };
    let transition = rules::apply(&facts(state, &row), &event)?;
    let mut decision = commit_transition(state, &mut tx, row, transition).await?;
    let author = MessageAuthorRow {
        kind: AuthorKind::Agent,
        id: agent.id.clone(),
        name: Some(agent.name.clone()),
    };
    let message = tx.insert_message(id, &author, None, &new).await?;
    tx.mark_read(id, crate::store::Reader::Agent, message.seq)
        .await?;
    decision.messages.push(message.clone());
    decision.after = tx.conversation(id).await?.ok_or(DecideError::NotFound)?;
    commit(state, tx, &decision.messages).await?;
    Ok(Written::Committed {
        decision: Box::new(decision),
        message,
    })
}

/// An agent's accept, ✖ (wait) or end.
pub async fn agent_action(
    state: &AppState,
    id: &ConversationId,
    agent: &AgentConfig,
    action: AgentAction,
) -> Result<Decision, DecideError> {
    let mut tx = state.store.begin().await?;
    let row = tx.conversation(id).await?.ok_or(DecideError::NotFound)?;
    let in_workstreams = agent.workstreams.contains(&row.workstream);
    let event = match action {
        AgentAction::Accept => Event::AgentAccept {
            agent: agent.id.clone(),
            in_workstreams,
            has_capacity: tx.agent_load(&agent.id).await? < agent.capacity,
        },
        AgentAction::Wait => Event::AgentWait {
            agent: agent.id.clone(),
        },
        AgentAction::End => Event::AgentEnd {
            agent: agent.id.clone(),
            in_workstreams,
        },
    };
    // Repeating an action (accept on an active conversation, ✖ on a waiting one) changes nothing
    // and answers with the conversation as it is.
    let unchanged = Decision {
        before: row.clone(),
        after: row.clone(),
        messages: Vec::new(),
        notices: Vec::new(),
        route: false,
        started: false,
        timers_changed: false,
    };
    Ok(decide_and_commit(state, tx, row, &event)
        .await?
        .unwrap_or(unchanged))
}

/// A customer event (opened, end, left, back) on their current conversation; `None` when they
/// have none.
pub async fn customer_event(
    state: &AppState,
    identity: &CustomerIdentity,
    event: Event,
) -> Result<Option<Decision>, DecideError> {
    let mut tx = state.store.begin().await?;
    let Some(row) = tx.current_conversation(identity).await? else {
        return Ok(None);
    };
    decide_and_commit(state, tx, row, &event).await
}

/// Routing's assignments and presence changes.
pub async fn system_event(
    state: &AppState,
    id: &ConversationId,
    event: SystemEvent,
) -> Result<Option<Decision>, DecideError> {
    let mut tx = state.store.begin().await?;
    let row = tx.conversation(id).await?.ok_or(DecideError::NotFound)?;
    let event = match event {
        SystemEvent::Assign { agent } => Event::Assign { agent },
        SystemEvent::AgentOffline { agent } => Event::AgentOffline { agent },
    };
    decide_and_commit(state, tx, row, &event).await
}

/// A stored timer came due; `None` when it was cancelled or moved meanwhile.
pub async fn timer_due(
    state: &AppState,
    id: &ConversationId,
    timer: Timer,
) -> Result<Option<Decision>, DecideError> {
    let mut tx = state.store.begin().await?;
    if !tx.take_due_timer(id, timer, &state.now_text()).await? {
        return Ok(None);
    }
    let row = tx.conversation(id).await?.ok_or(DecideError::NotFound)?;
    // The timer row is gone either way: commit even when the rule changes nothing.
    let transition = rules::apply(&facts(state, &row), &Event::TimerDue(timer))?;
    let decision = commit_transition(state, &mut tx, row, transition).await?;
    commit(state, tx, &decision.messages).await?;
    Ok(Some(decision))
}

/// Applies `event` to `row` and commits the outcome; `None` (and nothing written) when the rules
/// change nothing.
async fn decide_and_commit(
    state: &AppState,
    mut tx: StoreTx,
    row: ConversationRow,
    event: &Event,
) -> Result<Option<Decision>, DecideError> {
    let facts = facts(state, &row);
    let transition = rules::apply(&facts, event)?;
    if transition.is_noop(&facts) {
        return Ok(None);
    }
    let decision = commit_transition(state, &mut tx, row, transition).await?;
    commit(state, tx, &decision.messages).await?;
    Ok(Some(decision))
}

/// System messages of a given kind written into a conversation outside any state change (the
/// live queue notices and the persistent "away" notice).
pub async fn notices(
    state: &AppState,
    id: &ConversationId,
    texts: Vec<(&'static str, String)>,
) -> Result<Vec<Message>, DecideError> {
    let mut tx = state.store.begin().await?;
    let at = state.now_text();
    let mut messages = Vec::new();
    for (kind, text) in texts {
        let new = NewMessage {
            client_id: None,
            text,
            at: at.clone(),
        };
        messages.push(
            tx.insert_message(id, &system_author(), Some(kind), &new)
                .await?,
        );
    }
    commit(state, tx, &messages).await?;
    Ok(messages)
}

/// Commits `tx`, then counts the `messages` it made durable and how long the write took.
async fn commit(state: &AppState, tx: StoreTx, messages: &[Message]) -> Result<(), StoreError> {
    let begun = tx.begun();
    tx.commit().await?;
    state.metrics.messages_committed(messages, begun.elapsed());
    Ok(())
}

/// Whether the token or the widget brought a name, email or language the row does not have yet;
/// most messages bring none, and skip the write.
fn customer_details_changed(row: &ConversationRow, write: &CustomerWrite<'_>) -> bool {
    let differs = |new: Option<&str>, stored: &Option<String>| {
        new.is_some_and(|new| stored.as_deref() != Some(new))
    };
    differs(write.name, &row.customer_name)
        || differs(write.email, &row.customer_email)
        || row.locale != write.locale
}

/// The facts the rules see: the stored conversation plus its workstream's settings.
pub fn facts(state: &AppState, row: &ConversationRow) -> Facts {
    let workstream = state.config.workstream(&row.workstream);
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

fn system_author() -> MessageAuthorRow {
    MessageAuthorRow {
        kind: AuthorKind::System,
        id: String::new(),
        name: None,
    }
}

fn timer_duration(workstream: Option<&WorkstreamConfig>, timer: Timer) -> Option<Duration> {
    let workstream = workstream?;
    match timer {
        Timer::WaitingTimeout => workstream.waiting_timeout,
        Timer::AffinityGrace => Some(workstream.affinity_grace),
        Timer::ReconnectGrace => Some(workstream.reconnect_grace),
    }
}

/// Stores `transition` and carries out its effects inside `tx`.
async fn commit_transition(
    state: &AppState,
    tx: &mut StoreTx,
    before: ConversationRow,
    transition: Transition,
) -> Result<Decision, DecideError> {
    let now = state.clock.now();
    let at = crate::clock::rfc3339(now);
    let workstream = state.config.workstream(&before.workstream);
    tx.save_state(
        &before.id,
        &SavedState {
            state: transition.state,
            agent: transition.agent.as_deref(),
            affinity_agent: transition.affinity_agent.as_deref(),
            returned_notified: transition.returned_notified,
            at: &at,
        },
    )
    .await?;
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
        tx.record_wait(&before.workstream, waited, &at).await?;
    }
    let mut decision = Decision {
        after: before.clone(),
        before,
        messages: Vec::new(),
        notices: Vec::new(),
        route: false,
        started: false,
        timers_changed: false,
    };
    let id = decision.before.id.clone();
    for effect in transition.effects {
        match effect {
            Effect::System(kind) => {
                let (name, text) = system_text(state, &decision.before, kind, &transition.agent);
                let new = NewMessage {
                    client_id: None,
                    text,
                    at: at.clone(),
                };
                let message = tx
                    .insert_message(&id, &system_author(), Some(name), &new)
                    .await?;
                decision.messages.push(message);
            }
            Effect::Notify { agent, notice } => decision.notices.push((agent, notice)),
            Effect::StartTimer(timer) => {
                if let Some(duration) = timer_duration(workstream, timer) {
                    let span = jiff::SignedDuration::try_from(duration)
                        .unwrap_or(jiff::SignedDuration::MAX);
                    let due = now.saturating_add(span).unwrap_or(now);
                    tx.set_timer(&id, timer, &crate::clock::rfc3339(due))
                        .await?;
                    decision.timers_changed = true;
                }
            }
            Effect::CancelTimer(timer) => tx.cancel_timer(&id, timer).await?,
            Effect::Route => decision.route = true,
        }
    }
    decision.after = tx.conversation(&id).await?.ok_or(DecideError::NotFound)?;
    Ok(decision)
}

fn system_text(
    state: &AppState,
    row: &ConversationRow,
    kind: SystemKind,
    agent: &Option<String>,
) -> (&'static str, String) {
    let overrides = state
        .config
        .workstream(&row.workstream)
        .map(|w| &w.messages);
    let empty = Default::default();
    let overrides = overrides.unwrap_or(&empty);
    match kind {
        SystemKind::AgentJoined => {
            let name = agent
                .as_deref()
                .map(|id| state.config.agent(id).map_or(id, |a| a.name.as_str()))
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
