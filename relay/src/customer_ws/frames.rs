//! Frames a customer sends after `hello`: history, open, typing, read, end, auth.

use super::hello::verify;
use super::messages::{PendingMessage, begin_message, refusal_frame, settle_all};
use super::wire::{internal, refuse, send};
use super::{Customer, FIRST_PAGE, customer_event};
use crate::fanout;
use crate::limits::FRAMES_PER_SOCKET;
use crate::secret::Secret;
use crate::state::AppState;
use axum::extract::ws::WebSocket;
use std::collections::VecDeque;
use std::time::Duration;
use tetap_shared::frames::MAX_HISTORY_PAGE;
use tetap_shared::rules::Event;
use tetap_shared::{AgentEvent, ClientFrame, ConversationId, ErrorCode, ServerFrame};

/// Typing notices are forwarded at most this often per socket.
const TYPING_INTERVAL: Duration = Duration::from_secs(2);

/// Handles one frame after `hello`; `Ok(false)` ends the session. A message's write is queued
/// on `pending`, to be acknowledged once committed; any other frame waits for those first.
pub(super) async fn handle_frame(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &mut Customer,
    pending: &mut VecDeque<PendingMessage>,
    text: &str,
) -> Result<bool, axum::Error> {
    let frame = match ClientFrame::decode(text) {
        Ok(frame) => frame,
        Err(error) => {
            send(socket, &ServerFrame::error(error.code(), error.to_string())).await?;
            return Ok(true);
        }
    };
    if !matches!(frame, ClientFrame::Send { .. }) {
        settle_all(state, socket, customer, pending).await?;
    }
    // Messages have the per-customer bucket; every other frame this connection's own.
    if !matches!(frame, ClientFrame::Send { .. })
        && let Err(seconds) = customer.frames.take(FRAMES_PER_SOCKET, state.clock.now())
    {
        let text = format!("too many frames on this connection; wait {seconds} s");
        send(socket, &ServerFrame::error(ErrorCode::RateLimited, text)).await?;
        return Ok(true);
    }
    match frame {
        ClientFrame::Hello { .. } => {
            let refusal = ServerFrame::error(ErrorCode::BadFrame, "hello was already said");
            send(socket, &refusal).await?;
            Ok(true)
        }
        ClientFrame::Send { client_id, text } => {
            if let Some(message) = begin_message(state, socket, customer, client_id, &text).await? {
                pending.push_back(message);
            }
            Ok(true)
        }
        ClientFrame::History {
            conversation,
            before,
            limit,
        } => {
            let limit = limit.unwrap_or(FIRST_PAGE).clamp(1, MAX_HISTORY_PAGE);
            let frame = match state.store.conversation(&conversation).await {
                Ok(Some(row)) if row.identity == customer.identity => {
                    match state
                        .store
                        .messages_before(&row.id, Some(before), limit)
                        .await
                    {
                        Ok((messages, more_before)) => ServerFrame::Messages {
                            conversation,
                            messages,
                            more_before,
                        },
                        Err(error) => internal(error),
                    }
                }
                Ok(_) => ServerFrame::error(ErrorCode::UnknownConversation, "no such conversation"),
                Err(error) => internal(error),
            };
            send(socket, &frame).await?;
            Ok(true)
        }
        ClientFrame::Open => {
            if let Some(error) = customer_event(state, customer, Event::CustomerOpened).await {
                send(socket, &refusal_frame(error, None)).await?;
            }
            Ok(true)
        }
        ClientFrame::Typing => {
            customer_typing(state, customer).await;
            Ok(true)
        }
        ClientFrame::Read { conversation, seq } => {
            if let Some(frame) = customer_read(state, customer, &conversation, seq).await {
                send(socket, &frame).await?;
            }
            Ok(true)
        }
        ClientFrame::End => {
            if let Some(error) = customer_event(state, customer, Event::CustomerEnd).await {
                send(socket, &refusal_frame(error, None)).await?;
            }
            Ok(true)
        }
        ClientFrame::Auth { token } => {
            match verify(state, &customer.workstream, &Secret::new(token)).await {
                Ok(fresh)
                    if fresh.issuer == customer.verified.issuer
                        && fresh.subject == customer.verified.subject =>
                {
                    customer.verified = fresh;
                    customer.expiry_told = None;
                    Ok(true)
                }
                Ok(_) => {
                    let text = "a socket cannot change who it belongs to";
                    refuse(socket, ErrorCode::Unauthorized, text).await;
                    Ok(false)
                }
                Err((code, reason)) => {
                    send(socket, &ServerFrame::error(code, reason)).await?;
                    Ok(true)
                }
            }
        }
    }
}

/// Tells the agent the customer is typing, at most once per [`TYPING_INTERVAL`].
pub(super) async fn customer_typing(state: &AppState, customer: &mut Customer) {
    let now = tokio::time::Instant::now();
    if customer
        .last_typing
        .is_some_and(|last| now.duration_since(last) < TYPING_INTERVAL)
    {
        return;
    }
    if let Ok(Some(row)) = state.store.current_conversation(&customer.identity).await {
        // Throttled only once a notice went out: typing before the first message reaches no one.
        customer.last_typing = Some(now);
        let event = AgentEvent::Typing {
            conversation: row.id.clone(),
        };
        fanout::to_agents(state, &row, event);
    }
}

/// Stores how far the customer has read and tells the agent; an error frame for a conversation
/// that is not theirs.
pub(super) async fn customer_read(
    state: &AppState,
    customer: &Customer,
    conversation: &ConversationId,
    seq: u64,
) -> Option<ServerFrame> {
    let row = match state.store.conversation(conversation).await {
        Ok(Some(row)) if row.identity == customer.identity => row,
        Ok(_) => {
            return Some(ServerFrame::error(
                ErrorCode::UnknownConversation,
                "no such conversation",
            ));
        }
        Err(error) => return Some(internal(error)),
    };
    let seq = seq.min(row.last_seq);
    if seq <= row.customer_read_seq {
        return None;
    }
    if let Err(error) = state
        .store
        .mark_read(conversation, crate::store::Reader::Customer, seq)
        .await
    {
        return Some(internal(error));
    }
    let event = AgentEvent::Read {
        conversation: conversation.clone(),
        seq,
    };
    fanout::to_agents(state, &row, event);
    None
}
