//! Frames a customer sends after `hello`: history, earlier, open, typing, read, end, auth.

use super::hello::verify;
use super::messages::{PendingMessage, begin_message, refusal_frame};
use super::wire::{internal, refuse, send};
use super::{Customer, FIRST_PAGE, customer_event};
use crate::fanout;
use crate::limits::FRAMES_PER_SOCKET;
use crate::secret::Secret;
use crate::state::AppState;
use axum::extract::ws::WebSocket;
use std::collections::VecDeque;
use std::time::Duration;
use tetap_shared::frames::{EARLIER_PAGE, MAX_HISTORY_PAGE};
use tetap_shared::rules::Event;
use tetap_shared::{AgentEvent, ClientFrame, ConversationId, ErrorCode, ServerFrame};

/// Typing notices are forwarded at most this often per socket.
const TYPING_INTERVAL: Duration = Duration::from_secs(2);

/// What the session does after a frame.
pub(super) enum Next {
    /// Reads the next frame.
    Read,
    /// Ends the session.
    End,
    /// Answers this frame once the messages queued before it are acknowledged, so that its
    /// answer follows theirs as it followed their sending; reads nothing meanwhile.
    Hold(Box<ClientFrame>),
}

/// Decodes one text frame after `hello` and handles it, or holds it while messages are queued.
pub(super) async fn handle_text(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &mut Customer,
    pending: &mut VecDeque<PendingMessage>,
    text: &str,
) -> Result<Next, axum::Error> {
    let frame = match ClientFrame::decode(text) {
        Ok(frame) => frame,
        Err(error) => {
            send(socket, &ServerFrame::error(error.code(), error.to_string())).await?;
            return Ok(Next::Read);
        }
    };
    if !matches!(frame, ClientFrame::Send { .. }) && !pending.is_empty() {
        return Ok(Next::Hold(Box::new(frame)));
    }
    handle_frame(state, socket, customer, pending, frame).await
}

/// Handles one frame after `hello`. A message's write is queued on `pending`, to be
/// acknowledged once committed.
pub(super) async fn handle_frame(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &mut Customer,
    pending: &mut VecDeque<PendingMessage>,
    frame: ClientFrame,
) -> Result<Next, axum::Error> {
    // Messages have the per-customer bucket; every other frame this connection's own.
    if !matches!(frame, ClientFrame::Send { .. })
        && let Err(seconds) = customer.frames.take(FRAMES_PER_SOCKET, state.clock.now())
    {
        let text = format!("too many frames on this connection; wait {seconds} s");
        send(socket, &ServerFrame::error(ErrorCode::RateLimited, text)).await?;
        return Ok(Next::Read);
    }
    match frame {
        ClientFrame::Hello { .. } => {
            let refusal = ServerFrame::error(ErrorCode::BadFrame, "hello was already said");
            send(socket, &refusal).await?;
            Ok(Next::Read)
        }
        ClientFrame::Send { client_id, text } => {
            if let Some(message) = begin_message(state, socket, customer, client_id, &text).await? {
                pending.push_back(message);
            }
            Ok(Next::Read)
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
            Ok(Next::Read)
        }
        ClientFrame::Earlier { before } => {
            // Only the customer's own conversations: another's id matches nothing (R2, R9).
            let frame = match state
                .store
                .earlier_conversations(&customer.identity, Some(&before), EARLIER_PAGE)
                .await
            {
                Ok((conversations, more)) => ServerFrame::Earlier {
                    before,
                    conversations,
                    more,
                },
                Err(error) => internal(error),
            };
            send(socket, &frame).await?;
            Ok(Next::Read)
        }
        ClientFrame::Open => {
            if let Some(error) = customer_event(state, customer, Event::CustomerOpened).await {
                send(socket, &refusal_frame(error, None)).await?;
            }
            Ok(Next::Read)
        }
        ClientFrame::Typing => {
            customer_typing(state, customer).await;
            Ok(Next::Read)
        }
        ClientFrame::Read { conversation, seq } => {
            if let Some(frame) = customer_read(state, customer, &conversation, seq).await {
                send(socket, &frame).await?;
            }
            Ok(Next::Read)
        }
        ClientFrame::End => {
            if let Some(error) = customer_event(state, customer, Event::CustomerEnd).await {
                send(socket, &refusal_frame(error, None)).await?;
            }
            Ok(Next::Read)
        }
        ClientFrame::Auth { token } => {
            match verify(state, &customer.workstream, &Secret::new(token)).await {
                Ok(fresh)
                    if fresh.issuer == customer.verified.issuer
                        && fresh.subject == customer.verified.subject =>
                {
                    customer.verified = fresh;
                    customer.expiry_told = None;
                    Ok(Next::Read)
                }
                Ok(_) => {
                    let text = "a socket cannot change who it belongs to";
                    refuse(socket, ErrorCode::Unauthorized, text).await;
                    Ok(Next::End)
                }
                Err((code, reason)) => {
                    send(socket, &ServerFrame::error(code, reason)).await?;
                    Ok(Next::Read)
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
