//! A customer's message: checked and queued for the store, then, once committed, published and
//! acknowledged, with a new conversation's notices.

use super::Customer;
use super::wire::send;
use crate::decide::{self, CustomerWrite, DecideError, Decision, Written};
use crate::fanout;
use crate::state::AppState;
use crate::store::NewMessage;
use crate::text_rules::{check_client_id, check_text};
use axum::extract::ws::WebSocket;
use std::pin::Pin;
use tetap_shared::rules::system_messages;
use tetap_shared::{ConversationId, ErrorCode, Message, ServerFrame};

/// A customer's message on its way to the store.
pub(super) type PendingMessage = Pin<Box<dyn Future<Output = Box<Settled>> + Send>>;

/// A customer's message once its write is over, with what its acknowledgement needs.
pub(super) struct Settled {
    client_id: String,
    within_hours: bool,
    outcome: Result<Written, DecideError>,
}

/// Checks a customer's message and queues its write, whose future is returned; a refusal is
/// answered at once and queues nothing. Refusals name the message's `client_id`.
pub(super) async fn begin_message(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &Customer,
    client_id: String,
    text: &str,
) -> Result<Option<PendingMessage>, axum::Error> {
    let refusal = |code: ErrorCode, message: String, client_id: &str| ServerFrame::Error {
        code,
        message,
        client_id: Some(client_id.to_owned()),
    };
    if customer.verified.expires_at <= state.clock.now() {
        let text = "the token has expired: send auth with a fresh one, then resend".to_owned();
        send(socket, &refusal(ErrorCode::TokenExpired, text, &client_id)).await?;
        return Ok(None);
    }
    if let Err(error) = check_client_id(&client_id) {
        send(socket, &refusal(error.code(), error.to_string(), "")).await?;
        return Ok(None);
    }
    let text = match check_text(text) {
        Ok(text) => text,
        Err(error) => {
            let frame = refusal(error.code(), error.to_string(), &client_id);
            send(socket, &frame).await?;
            return Ok(None);
        }
    };
    if let Err(seconds) = state
        .limits
        .messages_per_customer
        .check(&customer.identity, state.clock.now())
    {
        let text = format!("too many messages; send it again in {seconds} s");
        send(socket, &refusal(ErrorCode::RateLimited, text, &client_id)).await?;
        return Ok(None);
    }
    let workstream = &customer.workstream;
    // For the notices of a conversation this message starts; whether a live chat may start
    // outside hours is decided inside the write (R3), where a chat going on is known.
    let within_hours = state.config.is_open(workstream, state.clock.now());
    let write = CustomerWrite {
        identity: &customer.identity,
        name: customer.verified.name.as_deref(),
        email: customer.verified.email.as_deref(),
        locale: &customer.locale,
        workstream,
        new: NewMessage {
            client_id: Some(client_id.clone()),
            text,
            at: state.now_text(),
        },
    };
    // Queued here, in the order the socket sent its messages.
    let written = decide::customer_message(state, write);
    Ok(Some(Box::pin(async move {
        Box::new(Settled {
            client_id,
            within_hours,
            outcome: written.await,
        })
    })))
}

/// Publishes a committed message to the customer's other tabs and the agents, acknowledges it
/// and gives a new conversation its notices. Publishing comes first, so a socket that closed
/// meanwhile loses the acknowledgement only (a resend finds the message by its client id).
pub(super) async fn settle_message(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &mut Customer,
    settled: Box<Settled>,
) -> Result<(), axum::Error> {
    let Settled {
        client_id,
        within_hours,
        outcome,
    } = *settled;
    match outcome {
        Ok(Written::Duplicate {
            conversation,
            message,
        }) => send(socket, &ack(client_id, conversation, message)).await,
        Ok(Written::Committed { decision, message }) => {
            customer.acknowledged = Some((decision.after.id.clone(), message.seq));
            let ack = ack(client_id, decision.after.id.clone(), message);
            fanout::publish(state, &decision);
            let acknowledged = send(socket, &ack).await;
            if decision.started {
                start_notices(state, customer, &decision, within_hours).await;
            }
            acknowledged
        }
        Err(DecideError::OutsideHours) => {
            // R3: the live workstream's offline notice, in the customer's language.
            let text = system_messages::render(
                system_messages::OFFLINE,
                &customer.locale,
                &customer.workstream.messages,
                &[],
            );
            let frame = ServerFrame::Error {
                code: ErrorCode::OutsideOperatingHours,
                message: text,
                client_id: Some(client_id),
            };
            send(socket, &frame).await
        }
        Err(error) => {
            if matches!(error, DecideError::Store(_)) {
                tracing::error!(%error, "customer message not committed");
            }
            send(socket, &refusal_frame(error, Some(client_id))).await
        }
    }
}

/// The acknowledgement of the stored `message` sent as `client_id`.
fn ack(client_id: String, conversation: ConversationId, message: Message) -> ServerFrame {
    ServerFrame::Ack {
        client_id,
        conversation,
        seq: message.seq,
        id: message.id,
        at: message.at,
    }
}

/// The system messages a new conversation gets (R3, R5): for persistent outside hours, when the
/// team is back; for live, the queue position and average wait unless routing placed it at once.
/// Persistent never gets either queue message.
pub(super) async fn start_notices(
    state: &AppState,
    customer: &Customer,
    decision: &Decision,
    within_hours: bool,
) {
    let workstream = &customer.workstream;
    let overrides = &workstream.messages;
    let locale = customer.locale.as_str();
    let mut texts = Vec::new();
    if system_messages::shows_queue_messages(workstream.mode) {
        // Route now, so a conversation an agent takes at once shows no queue noise.
        if let Err(error) = crate::routing::run_once(state).await {
            tracing::error!(%error, "routing pass failed");
        }
        let Ok(Some(row)) = state.store.conversation(&decision.after.id).await else {
            return;
        };
        if row.state != tetap_shared::ConversationState::Open {
            return;
        }
        if let Ok(position) = state.store.queue_position(&row).await {
            let position = position.to_string();
            let text = system_messages::render(
                system_messages::QUEUE_POSITION,
                locale,
                overrides,
                &[("position", &position)],
            );
            texts.push((system_messages::QUEUE_POSITION, text));
        }
        let waits = state
            .store
            .recent_waits(&workstream.id)
            .await
            .unwrap_or_default();
        if let Some(minutes) = system_messages::average_wait_minutes(&waits) {
            let minutes = minutes.to_string();
            let text = system_messages::render(
                system_messages::WAIT_TIME,
                locale,
                overrides,
                &[("minutes", &minutes)],
            );
            texts.push((system_messages::WAIT_TIME, text));
        }
    } else if !within_hours
        && let Some(hours) = state.config.hours_of(workstream)
        && let Some(back_at) = hours.next_open(state.clock.now())
    {
        let back_at = hours.local_label(back_at);
        let text = system_messages::render(
            system_messages::AWAY,
            locale,
            overrides,
            &[("back_at", &back_at)],
        );
        texts.push((system_messages::AWAY, text));
    }
    if texts.is_empty() {
        return;
    }
    match decide::notices(state, &decision.after.id, texts).await {
        Ok(messages) => {
            let mut notice = decision.clone();
            notice.before = notice.after.clone();
            notice.messages = messages;
            notice.started = false;
            notice.route = false;
            notice.notices.clear();
            fanout::publish(state, &notice);
        }
        Err(error) => tracing::error!(%error, "system notice not stored"),
    }
}

/// The error frame for a refused or failed action.
pub(super) fn refusal_frame(error: DecideError, client_id: Option<String>) -> ServerFrame {
    let (code, message) = match error {
        DecideError::Refused(rule) => {
            let code = match rule {
                tetap_shared::rules::RuleError::CustomerCannotEnd => ErrorCode::CustomerCannotEnd,
                _ => ErrorCode::BadFrame,
            };
            (code, rule.to_string())
        }
        DecideError::ClientIdConflict => (ErrorCode::ClientIdConflict, error.to_string()),
        DecideError::OutsideHours => (ErrorCode::OutsideOperatingHours, error.to_string()),
        DecideError::NotFound => (ErrorCode::UnknownConversation, error.to_string()),
        DecideError::Store(error) => {
            tracing::error!(%error, "customer request failed");
            (
                ErrorCode::Internal,
                "the relay could not complete the request; send it again".to_owned(),
            )
        }
    };
    ServerFrame::Error {
        code,
        message,
        client_id,
    }
}
