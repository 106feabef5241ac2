//! The one decision point: load a conversation, ask `tetap_shared::rules` what an event does,
//! commit the new state with its system messages and timers in one transaction, and hand the
//! result to `fanout`. Nothing else changes a conversation's state.

use crate::config::{AgentConfig, WorkstreamConfig};
use crate::state::AppState;
use crate::store::{
    ConversationRow, CustomerIdentity, Lookahead, MessageAuthorRow, NewConversation, NewMessage,
    StoreError, StoreTx,
};
use tetap_shared::rules::{self, AgentNotice, Event, RuleError, Timer};
use tetap_shared::{AuthorKind, ConversationId, Message};

mod assign;
mod customer_presence;
mod transition;
mod write;

pub use assign::{agent_presence, assign, queued};
pub use customer_presence::{
    customer_socket_closed, customer_socket_opened, retire_instance, sweep_presence,
};

use transition::{commit_transition, system_author};
pub use transition::{facts, keep_same_agent};
use write::{Context, CustomerDetails, commit, commit_again};

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

impl Decision {
    /// A decision that changed nothing (yet): `after` is `row` as it was read.
    fn unchanged(row: ConversationRow) -> Self {
        Self {
            before: row.clone(),
            after: row,
            messages: Vec::new(),
            notices: Vec::new(),
            route: false,
            started: false,
            timers_changed: false,
        }
    }
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
    /// R3: a live workstream outside its hours starts no new chat (one going on continues).
    #[error("outside operating hours")]
    OutsideHours,
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

/// Commits a customer's message, starting a conversation when they have none (R9). The write is
/// queued when this is called: a socket's messages are stored in the order it sent them even
/// when it waits for none of them before reading the next. It may run more than once in its
/// transaction (only the last run is kept), so the store reads the customer's conversation and
/// client id ahead with the rest of the batch's and, where the rules change nothing, sends the
/// message with the batch's others in one statement.
pub fn customer_message(
    state: &AppState,
    write: CustomerWrite<'_>,
) -> impl Future<Output = Result<Written, DecideError>> + Send + 'static {
    let identity = write.identity.clone();
    let customer = CustomerDetails {
        name: write.name.map(str::to_owned),
        email: write.email.map(str::to_owned),
        locale: write.locale.to_owned(),
    };
    let mode = write.workstream.mode;
    let offline_chat = write.workstream.offline_chat;
    let new = write.new;
    let lookahead = Lookahead {
        identity: identity.clone(),
        client_id: new.client_id.clone(),
    };
    commit_again(state, lookahead, move |ctx, tx| {
        if let Some(client_id) = &new.client_id
            && let Some((conversation, message)) =
                tx.customer_message_by_client_id(&identity, client_id)?
        {
            return Ok(Written::Duplicate {
                conversation,
                message,
            });
        }
        let mut started = false;
        let (row, transition) = match tx.current_conversation(&identity)? {
            Some(row) => {
                let agent_online = match row.agent_id.as_deref() {
                    Some(agent) => tx.is_online(agent)?,
                    None => false,
                };
                let event = Event::CustomerMessage { agent_online };
                let transition = rules::apply(&facts(&ctx.config, &row), &event)?;
                (row, transition)
            }
            None => {
                // R3: decided here, against the conversation as it is at commit: a live chat
                // going on at closing time continues; outside hours only a new one is refused.
                if mode == tetap_shared::Mode::Live
                    && !offline_chat
                    && !ctx.config.is_open_by_id(&identity.workstream, ctx.now)
                {
                    return Err(DecideError::OutsideHours);
                }
                let new_conversation = NewConversation {
                    identity: &identity,
                    mode,
                    customer_name: customer.name.as_deref(),
                    customer_email: customer.email.as_deref(),
                    locale: &customer.locale,
                    at: &new.at,
                };
                started = true;
                (tx.create_conversation(new_conversation)?, rules::start())
            }
        };
        if customer.differs_from(&row) {
            tx.update_customer(
                &row.id,
                customer.name.as_deref(),
                customer.email.as_deref(),
                &customer.locale,
            )?;
        }
        let author = MessageAuthorRow {
            kind: AuthorKind::Customer,
            id: identity.subject.clone(),
            name: customer.name.clone(),
        };
        let message = tx.insert_message(&row.id, &author, None, &new)?;
        let mut decision = commit_transition(ctx, tx, row, transition)?;
        // The row was read before the message moved `last_seq`.
        decision.after.last_seq = decision.after.last_seq.max(message.seq);
        decision.messages.insert(0, message.clone());
        decision.started = started;
        Ok(Written::Committed {
            decision: Box::new(decision),
            message,
        })
    })
}

/// Commits an agent's message; writing to an `open` conversation picks it up (R10).
pub async fn agent_message(
    state: &AppState,
    id: &ConversationId,
    agent: &AgentConfig,
    new: NewMessage,
) -> Result<Written, DecideError> {
    let (id, agent) = (id.clone(), agent.clone());
    commit(state, move |ctx, tx| {
        if let Some(client_id) = &new.client_id
            && let Some(message) = tx.message_by_client_id(&id, client_id)?
        {
            if message.author.kind != AuthorKind::Agent || message.author.id != agent.id {
                return Err(DecideError::ClientIdConflict);
            }
            return Ok(Written::Duplicate {
                conversation: id.clone(),
                message,
            });
        }
        let row = tx.conversation(&id)?.ok_or(DecideError::NotFound)?;
        let event = Event::AgentMessage {
            agent: agent.id.clone(),
            in_workstreams: agent.workstreams.contains(&row.workstream),
            has_capacity: tx.agent_load(&agent.id)? < agent.capacity,
            online: tx.is_online(&agent.id)?,
        };
        let transition = rules::apply(&facts(&ctx.config, &row), &event)?;
        let mut decision = commit_transition(ctx, tx, row, transition)?;
        let author = MessageAuthorRow {
            kind: AuthorKind::Agent,
            id: agent.id.clone(),
            name: Some(agent.name.clone()),
        };
        let message = tx.insert_message(&id, &author, None, &new)?;
        tx.mark_read(&id, crate::store::Reader::Agent, message.seq)?;
        decision.messages.push(message.clone());
        decision.after = tx.conversation(&id)?.ok_or(DecideError::NotFound)?;
        Ok(Written::Committed {
            decision: Box::new(decision),
            message,
        })
    })
    .await
}

/// An agent's accept, ✖ (wait) or end.
pub async fn agent_action(
    state: &AppState,
    id: &ConversationId,
    agent: &AgentConfig,
    action: AgentAction,
) -> Result<Decision, DecideError> {
    let (id, agent) = (id.clone(), agent.clone());
    commit(state, move |ctx, tx| {
        let row = tx.conversation(&id)?.ok_or(DecideError::NotFound)?;
        let in_workstreams = agent.workstreams.contains(&row.workstream);
        let event = match action {
            AgentAction::Accept => Event::AgentAccept {
                agent: agent.id.clone(),
                in_workstreams,
                has_capacity: tx.agent_load(&agent.id)? < agent.capacity,
                online: tx.is_online(&agent.id)?,
            },
            AgentAction::Wait => Event::AgentWait {
                agent: agent.id.clone(),
            },
            AgentAction::End => Event::AgentEnd {
                agent: agent.id.clone(),
                in_workstreams,
            },
        };
        // Repeating an action (accept on an active conversation, ✖ on a waiting one) changes
        // nothing and answers with the conversation as it is.
        let unchanged = Decision::unchanged(row.clone());
        Ok(decide_in(ctx, tx, row, &event)?.unwrap_or(unchanged))
    })
    .await
}

/// A customer event (opened, end, left, back) on their current conversation; `None` when they
/// have none.
pub async fn customer_event(
    state: &AppState,
    identity: &CustomerIdentity,
    event: Event,
) -> Result<Option<Decision>, DecideError> {
    let identity = identity.clone();
    commit(state, move |ctx, tx| {
        let Some(row) = tx.current_conversation(&identity)? else {
            return Ok(None);
        };
        decide_in(ctx, tx, row, &event)
    })
    .await
}

/// A stored timer came due; `None` when it was cancelled or moved meanwhile.
pub async fn timer_due(
    state: &AppState,
    id: &ConversationId,
    timer: Timer,
) -> Result<Option<Decision>, DecideError> {
    let id = id.clone();
    commit(state, move |ctx, tx| {
        if !tx.take_due_timer(&id, timer, &ctx.at())? {
            return Ok(None);
        }
        let row = tx.conversation(&id)?.ok_or(DecideError::NotFound)?;
        // The timer row is gone either way: commit even when the rule changes nothing.
        let transition = rules::apply(&facts(&ctx.config, &row), &Event::TimerDue(timer))?;
        commit_transition(ctx, tx, row, transition).map(Some)
    })
    .await
}

/// Applies `event` to `row` inside the write; `None` (and nothing written) when the rules change
/// nothing.
fn decide_in(
    ctx: &Context,
    tx: &mut StoreTx<'_>,
    row: ConversationRow,
    event: &Event,
) -> Result<Option<Decision>, DecideError> {
    let facts = facts(&ctx.config, &row);
    let transition = rules::apply(&facts, event)?;
    if transition.is_noop(&facts) {
        return Ok(None);
    }
    commit_transition(ctx, tx, row, transition).map(Some)
}

/// System messages of a given kind written into a conversation outside any state change (the
/// live queue notices and the persistent "away" notice).
pub async fn notices(
    state: &AppState,
    id: &ConversationId,
    texts: Vec<(&'static str, String)>,
) -> Result<Vec<Message>, DecideError> {
    let id = id.clone();
    commit(state, move |ctx, tx| {
        let at = ctx.at();
        let mut messages = Vec::new();
        for (kind, text) in texts {
            let new = NewMessage {
                client_id: None,
                text,
                at: at.clone(),
            };
            messages.push(tx.insert_message(&id, &system_author(), Some(kind), &new)?);
        }
        Ok(messages)
    })
    .await
}
