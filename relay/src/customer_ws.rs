//! The customer WebSocket (`/v1/customer/ws`): hello with the token, then messages both ways.
//!
//! A message is acknowledged only after it is committed; the hub then pushes it to the customer's
//! other sockets and the agent side reads it from the store.

use crate::config::WorkstreamConfig;
use crate::customer_token::VerifiedCustomer;
use crate::decide::{self, CustomerWrite, DecideError, Decision, Written};
use crate::error::AppError;
use crate::fanout;
use crate::heartbeat::{Beat, CLOSE_IDLE, Heartbeat};
use crate::origin::is_same_origin_or_absent;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{CustomerIdentity, NewMessage};
use crate::text_rules::{check_client_id, check_text};
use crate::views::conversation_info;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Duration;
use tetap_shared::frames::{Cursor, MAX_FRAME_BYTES, MAX_HISTORY_PAGE};
use tetap_shared::rules::identity::{HistoryStart, history_start};
use tetap_shared::rules::{Event, system_messages};
use tetap_shared::{
    AgentEvent, ClientFrame, ConversationId, CustomerRef, ErrorCode, PROTOCOL_VERSION, ServerFrame,
};
use tokio::sync::broadcast::error::RecvError;

/// How long a socket whose token expired may take to send a fresh one before it is closed.
const REFRESH_GRACE: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);
/// Typing notices are forwarded at most this often per socket.
const TYPING_INTERVAL: Duration = Duration::from_secs(2);
/// How long a new socket may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Earlier, closed conversations named in `welcome`.
const EARLIER_CONVERSATIONS: u32 = 20;
/// The newest page a fresh widget gets.
const FIRST_PAGE: u32 = 50;
/// Close code for a policy violation (RFC 6455).
const CLOSE_POLICY: u16 = 1008;
/// Close code for "try again later": the socket fell behind and should resume from the store.
const CLOSE_TRY_AGAIN: u16 = 1013;

/// `GET /v1/customer/ws`: upgrades only requests from the relay's own pages (the widget frame).
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !is_same_origin_or_absent(&headers) {
        return AppError::forbidden(
            "cross_origin",
            "WebSocket upgrades from another origin are refused",
        )
        .into_response();
    }
    let max = state.config.server.max_sockets_per_ip;
    let Some(slot) = state.limits.customer_sockets.acquire(peer.ip(), max) else {
        return AppError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections",
            format!("at most {max} open chat connections per address"),
        )
        .into_response();
    };
    // Small buffers keep an idle socket cheap (tungstenite reads 128 KiB at a time by default).
    ws.read_buffer_size(1024)
        .write_buffer_size(0)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |mut socket| async move {
            let metrics = state.metrics.clone();
            crate::metrics::customer_socket(metrics, session(state, &mut socket)).await;
            drop(slot);
            drop(socket);
        })
}

struct Customer {
    identity: CustomerIdentity,
    verified: VerifiedCustomer,
    workstream: WorkstreamConfig,
    /// The widget's language, for system messages.
    locale: String,
    /// When the agent was last told the customer is typing.
    last_typing: Option<tokio::time::Instant>,
    /// When the socket was told its token expired; it has [`REFRESH_GRACE`] to send a fresh one.
    expiry_told: Option<jiff::Timestamp>,
}

/// One customer socket from hello to goodbye. Borrowing the socket lets the caller release the
/// connection slot before the socket (and so the client's view of it) closes.
async fn session(state: AppState, socket: &mut WebSocket) {
    let Some((mut customer, resume)) = Box::pin(hello(&state, socket)).await else {
        return;
    };
    let mut heartbeat = Heartbeat::new(state.socket_clock.now());
    // Subscribe before reading the store, so nothing committed in between is missed; the
    // widget drops what it already has by `seq`.
    let mut events = state.hub.subscribe_customer(&customer.identity);
    if let Err(error) = Box::pin(greet(&state, socket, &customer, resume)).await {
        tracing::debug!(%error, "customer socket ended during greeting");
        drop(events);
        state.hub.release_customer(&customer.identity);
        return;
    }
    // R11: a live customer who reconnects within the grace keeps the conversation.
    Box::pin(customer_event(&state, &customer, Event::CustomerBack)).await;
    loop {
        // A socket whose token expired is asked for a fresh one, then closed if none comes.
        let expiry = customer.verified.expires_at;
        let deadline = match customer.expiry_told {
            Some(told) => told.saturating_add(REFRESH_GRACE).unwrap_or(told),
            None => expiry,
        };
        // Biased, committed events first: each frame the customer sends publishes at least one
        // event back (its message, to every tab), so a fair pick would let a fast sender's
        // backlog grow until the socket is dropped as lagging.
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Ok(frame) => {
                    if send(socket, &frame).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    close(socket, CLOSE_TRY_AGAIN, "fell behind; resume").await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            () = state.socket_clock.sleep_until(heartbeat.due()) => {
                match heartbeat.beat(state.socket_clock.now()) {
                    Beat::GiveUp => {
                        close(socket, CLOSE_IDLE, "no answer to ping").await;
                        break;
                    }
                    Beat::Ping => {
                        if socket.send(WsMessage::Ping(Default::default())).await.is_err() {
                            break;
                        }
                    }
                    Beat::Wait => {}
                }
            }
            () = state.clock.sleep_until(deadline) => {
                if customer.verified.expires_at > state.clock.now() {
                    continue;
                }
                if customer.expiry_told.is_some() {
                    refuse(socket, ErrorCode::TokenExpired, "no fresh token arrived in time").await;
                    break;
                }
                customer.expiry_told = Some(state.clock.now());
                let ask = ServerFrame::error(
                    ErrorCode::TokenExpired,
                    "the token has expired: send auth with a fresh one",
                );
                if send(socket, &ask).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(incoming)) = incoming else { break };
                heartbeat.heard(state.socket_clock.now());
                match incoming {
                    WsMessage::Text(text) => {
                        // Boxed: the idle session future stays small; a frame's work is brief.
                        let frame = text.as_str();
                        let handled = Box::pin(handle_frame(&state, socket, &mut customer, frame));
                        match handled.await {
                            Ok(true) => {}
                            Ok(false) | Err(_) => break,
                        }
                    }
                    WsMessage::Binary(_) => {
                        let refusal =
                            ServerFrame::error(ErrorCode::BadFrame, "frames are JSON text");
                        if send(socket, &refusal).await.is_err() {
                            break;
                        }
                    }
                    WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                    WsMessage::Close(_) => break,
                }
            }
        }
    }
    drop(events);
    if state.hub.customer_sockets(&customer.identity) == 0 {
        state.hub.release_customer(&customer.identity);
        // R11: the last socket is gone; a live conversation starts its reconnect grace.
        Box::pin(customer_event(&state, &customer, Event::CustomerLeft)).await;
    }
}

/// Tells the agent the customer is typing, at most once per [`TYPING_INTERVAL`].
async fn customer_typing(state: &AppState, customer: &mut Customer) {
    let now = tokio::time::Instant::now();
    if customer
        .last_typing
        .is_some_and(|last| now.duration_since(last) < TYPING_INTERVAL)
    {
        return;
    }
    customer.last_typing = Some(now);
    if let Ok(Some(row)) = state.store.current_conversation(&customer.identity).await {
        let event = AgentEvent::Typing {
            conversation: row.id.clone(),
        };
        fanout::to_agents(state, &row, event);
    }
}

/// Stores how far the customer has read and tells the agent; an error frame for a conversation
/// that is not theirs.
async fn customer_read(
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

/// Applies a customer event to their current conversation and publishes the outcome; refusals
/// are returned for the caller to answer.
async fn customer_event(
    state: &AppState,
    customer: &Customer,
    event: Event,
) -> Option<DecideError> {
    match decide::customer_event(state, &customer.identity, event).await {
        Ok(Some(decision)) => {
            fanout::publish(state, &decision);
            None
        }
        Ok(None) => None,
        Err(error) => Some(error),
    }
}

/// Waits for a valid `hello`; answers and closes on anything else.
async fn hello(state: &AppState, socket: &mut WebSocket) -> Option<(Customer, Option<Cursor>)> {
    let text = match tokio::time::timeout(HELLO_TIMEOUT, socket.recv()).await {
        Ok(Some(Ok(WsMessage::Text(text)))) => text,
        Ok(Some(Ok(_))) => {
            refuse(
                socket,
                ErrorCode::HelloRequired,
                "the first frame must be hello",
            )
            .await;
            return None;
        }
        Ok(_) => return None,
        Err(_) => {
            refuse(socket, ErrorCode::HelloRequired, "no hello in time").await;
            return None;
        }
    };
    let (protocol, workstream_id, token, (resume, locale)) =
        match ClientFrame::decode(text.as_str()) {
            Ok(ClientFrame::Hello {
                protocol,
                workstream,
                token,
                resume,
                locale,
            }) => (protocol, workstream, Secret::new(token), (resume, locale)),
            Ok(_) => {
                refuse(
                    socket,
                    ErrorCode::HelloRequired,
                    "the first frame must be hello",
                )
                .await;
                return None;
            }
            Err(error) => {
                refuse(socket, error.code(), &error.to_string()).await;
                return None;
            }
        };
    if protocol != PROTOCOL_VERSION {
        let text = format!("this relay speaks protocol {PROTOCOL_VERSION}");
        refuse(socket, ErrorCode::UnsupportedProtocol, &text).await;
        return None;
    }
    let Some(workstream) = state.config.workstream(&workstream_id).cloned() else {
        refuse(socket, ErrorCode::UnknownWorkstream, "no such workstream").await;
        return None;
    };
    let verified = match verify(state, &workstream, &token).await {
        Ok(verified) => verified,
        Err((code, reason)) => {
            tracing::info!(workstream = %workstream.id, %reason, "customer token refused");
            refuse(socket, code, &reason).await;
            return None;
        }
    };
    let identity = CustomerIdentity {
        issuer: verified.issuer.clone(),
        subject: verified.subject.clone(),
        workstream: workstream.id.clone(),
    };
    let locale = locale
        .filter(|l| {
            !l.is_empty()
                && l.len() <= 16
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .unwrap_or_else(|| "en".into());
    let customer = Customer {
        identity,
        verified,
        workstream,
        locale,
        last_typing: None,
        expiry_told: None,
    };
    Some((customer, resume))
}

/// Checks a token with the workstream's own auth setting only; an anonymous live workstream also
/// takes (or, for an empty token, mints) the relay's own visitor token.
async fn verify(
    state: &AppState,
    workstream: &WorkstreamConfig,
    token: &Secret,
) -> Result<VerifiedCustomer, (ErrorCode, String)> {
    state
        .verifier
        .verify_for(workstream, token, &state.store, state.clock.now())
        .await
        .map_err(|error| (error.code(), error.to_string()))
}

/// Sends `welcome` and the first batch: what came after the resume cursor, or the newest page.
async fn greet(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &Customer,
    resume: Option<Cursor>,
) -> Result<(), GreetError> {
    let current = state.store.current_conversation(&customer.identity).await?;
    let welcome = ServerFrame::Welcome {
        protocol: PROTOCOL_VERSION,
        workstream: customer.workstream.id.clone(),
        mode: customer.workstream.mode,
        customer: CustomerRef {
            sub: customer.verified.subject.clone(),
            name: customer.verified.name.clone(),
            email: None,
        },
        conversation: current.as_ref().map(|row| conversation_info(state, row)),
        visitor_token: customer
            .verified
            .visitor_token
            .as_ref()
            .map(|token| token.expose().to_owned()),
        agent_read_seq: current.as_ref().map_or(0, |row| row.agent_read_seq),
        earlier: state
            .store
            .closed_conversations(&customer.identity, EARLIER_CONVERSATIONS)
            .await?,
    };
    send(socket, &welcome).await?;
    let Some(current) = current else {
        return Ok(());
    };
    match history_start(&current.id, resume.as_ref()) {
        HistoryStart::After(after_seq) => {
            let mut after = after_seq;
            loop {
                let messages = state
                    .store
                    .messages_after(&current.id, after, MAX_HISTORY_PAGE)
                    .await?;
                let Some(last) = messages.last() else { break };
                let full_page = messages.len() == MAX_HISTORY_PAGE as usize;
                after = last.seq;
                let frame = ServerFrame::Messages {
                    conversation: current.id.clone(),
                    more_before: messages.first().is_some_and(|m| m.seq > 1),
                    messages,
                };
                send(socket, &frame).await?;
                if !full_page {
                    break;
                }
            }
        }
        HistoryStart::Newest => {
            let (messages, more_before) = state
                .store
                .messages_before(&current.id, None, FIRST_PAGE)
                .await?;
            let frame = ServerFrame::Messages {
                conversation: current.id.clone(),
                messages,
                more_before,
            };
            send(socket, &frame).await?;
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum GreetError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Socket(#[from] axum::Error),
}

/// Handles one frame after `hello`; `Ok(false)` ends the session.
async fn handle_frame(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &mut Customer,
    text: &str,
) -> Result<bool, axum::Error> {
    let frame = match ClientFrame::decode(text) {
        Ok(frame) => frame,
        Err(error) => {
            send(socket, &ServerFrame::error(error.code(), error.to_string())).await?;
            return Ok(true);
        }
    };
    match frame {
        ClientFrame::Hello { .. } => {
            let refusal = ServerFrame::error(ErrorCode::BadFrame, "hello was already said");
            send(socket, &refusal).await?;
            Ok(true)
        }
        ClientFrame::Send { client_id, text } => {
            send_message(state, socket, customer, client_id, &text).await?;
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

/// Commits a customer's message and acknowledges it; refusals name the message's `client_id`.
async fn send_message(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &Customer,
    client_id: String,
    text: &str,
) -> Result<(), axum::Error> {
    let refusal = |code: ErrorCode, message: String, client_id: &str| ServerFrame::Error {
        code,
        message,
        client_id: Some(client_id.to_owned()),
    };
    if customer.verified.expires_at <= state.clock.now() {
        let text = "the token has expired: send auth with a fresh one, then resend".to_owned();
        return send(socket, &refusal(ErrorCode::TokenExpired, text, &client_id)).await;
    }
    if let Err(error) = check_client_id(&client_id) {
        return send(socket, &refusal(error.code(), error.to_string(), "")).await;
    }
    let text = match check_text(text) {
        Ok(text) => text,
        Err(error) => {
            return send(
                socket,
                &refusal(error.code(), error.to_string(), &client_id),
            )
            .await;
        }
    };
    if let Err(seconds) = state
        .limits
        .messages_per_customer
        .check(&customer.identity, state.clock.now())
    {
        let text = format!("too many messages; send it again in {seconds} s");
        return send(socket, &refusal(ErrorCode::RateLimited, text, &client_id)).await;
    }
    let workstream = &customer.workstream;
    let within_hours = state.config.is_open(workstream, state.clock.now());
    // R3: a live workstream outside its hours starts no chat unless `offline_chat` is set.
    if workstream.mode == tetap_shared::Mode::Live && !within_hours && !workstream.offline_chat {
        let text = system_messages::render(
            system_messages::OFFLINE,
            &customer.locale,
            &workstream.messages,
            &[],
        );
        let frame = refusal(ErrorCode::OutsideOperatingHours, text, &client_id);
        return send(socket, &frame).await;
    }
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
    match decide::customer_message(state, write).await {
        Ok(Written::Duplicate {
            conversation,
            message,
        }) => {
            let ack = ServerFrame::Ack {
                client_id,
                conversation,
                seq: message.seq,
                id: message.id,
                at: message.at,
            };
            send(socket, &ack).await
        }
        Ok(Written::Committed { decision, message }) => {
            let ack = ServerFrame::Ack {
                client_id,
                conversation: decision.after.id.clone(),
                seq: message.seq,
                id: message.id.clone(),
                at: message.at.clone(),
            };
            send(socket, &ack).await?;
            fanout::publish(state, &decision);
            if decision.started {
                start_notices(state, customer, &decision, within_hours).await;
            }
            Ok(())
        }
        Err(error) => {
            tracing::error!(%error, "customer message not committed");
            send(socket, &refusal_frame(error, Some(client_id))).await
        }
    }
}

/// The system messages a new conversation gets (R3, R5): for persistent outside hours, when the
/// team is back; for live, the queue position and average wait unless routing placed it at once.
/// Persistent never gets either queue message.
async fn start_notices(
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
fn refusal_frame(error: DecideError, client_id: Option<String>) -> ServerFrame {
    let (code, message) = match error {
        DecideError::Refused(rule) => {
            let code = match rule {
                tetap_shared::rules::RuleError::CustomerCannotEnd => ErrorCode::CustomerCannotEnd,
                _ => ErrorCode::BadFrame,
            };
            (code, rule.to_string())
        }
        DecideError::ClientIdConflict => (ErrorCode::ClientIdConflict, error.to_string()),
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

fn internal(error: crate::store::StoreError) -> ServerFrame {
    tracing::error!(%error, "customer request failed");
    ServerFrame::error(
        ErrorCode::Internal,
        "the relay could not complete the request",
    )
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), axum::Error> {
    crate::metrics::frame_sent(frame);
    socket.send(WsMessage::Text(frame.encode().into())).await
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.to_owned().into(),
    };
    let _ = socket.send(WsMessage::Close(Some(frame))).await;
}

/// Explains the refusal, then closes the socket.
async fn refuse(socket: &mut WebSocket, code: ErrorCode, message: &str) {
    if send(socket, &ServerFrame::error(code, message))
        .await
        .is_ok()
    {
        close(socket, CLOSE_POLICY, code.as_str()).await;
    }
}
