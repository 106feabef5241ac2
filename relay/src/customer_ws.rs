//! The customer WebSocket (`/v1/customer/ws`): hello with the token, then messages both ways.
//!
//! A message is acknowledged only after it is committed; the hub then pushes it to the customer's
//! other sockets and the agent side reads it from the store.

mod frames;
mod hello;
mod messages;
mod wire;

use frames::{Next, handle_frame, handle_text};
use hello::{greet, hello};
use messages::{PendingMessage, settle_message};
use wire::{close, refuse, send};

use crate::clock::Alarm;
use crate::config::SharedWorkstream;
use crate::customer_token::VerifiedCustomer;
use crate::decide::{self, DecideError};
use crate::error::AppError;
use crate::fanout;
use crate::heartbeat::Heartbeat;
use crate::origin::is_same_origin_or_absent;
use crate::state::AppState;
use crate::store::CustomerIdentity;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::net::SocketAddr;
use tetap_shared::frames::MAX_FRAME_BYTES;
use tetap_shared::rules::Event;
use tetap_shared::{ClientFrame, ConversationId, ErrorCode, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

/// How long a socket whose token expired may take to send a fresh one before it is closed.
const REFRESH_GRACE: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);
/// The newest page a fresh widget gets.
const FIRST_PAGE: u32 = 50;
/// Close code for a policy violation (RFC 6455).
const CLOSE_POLICY: u16 = 1008;
/// Close code for "try again later": the socket fell behind and should resume from the store.
const CLOSE_TRY_AGAIN: u16 = 1013;
/// Messages of one socket whose writes may be queued at once: a widget flushing its outbox
/// after a reconnect, or a fast sender, shares commits instead of waiting for one per message.
/// Beyond this the socket is not read until the oldest is acknowledged.
const PIPELINED_MESSAGES: usize = 32;

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
    // The read buffer grows to the largest frame and keeps that size: from 512 B, a hello with
    // a signed token leaves it at 1 KiB, where 1 KiB would have doubled to 2.
    ws.read_buffer_size(512)
        .write_buffer_size(0)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |mut socket| async move {
            let open = state.metrics.customer_socket();
            let metrics = state.metrics.clone();
            crate::metrics::counting_refusals(metrics, session(state, &mut socket)).await;
            // Uncounted before the socket closes: a client that saw the close sees the count.
            drop(open);
            drop(slot);
            drop(socket);
        })
}

struct Customer {
    identity: CustomerIdentity,
    verified: VerifiedCustomer,
    workstream: SharedWorkstream,
    /// The widget's language, for system messages.
    locale: String,
    /// When the agent was last told the customer is typing.
    last_typing: Option<tokio::time::Instant>,
    /// The message this socket just acknowledged: its echo from the hub is not sent back to it
    /// (the ack carried everything), only to the customer's other tabs.
    acknowledged: Option<(ConversationId, u64)>,
    /// This connection's own budget of frames ([`crate::limits::FRAMES_PER_SOCKET`]).
    frames: crate::limits::Bucket,
    /// When the socket was told its token expired; it has [`REFRESH_GRACE`] to send a fresh one.
    expiry_told: Option<jiff::Timestamp>,
}

impl Customer {
    /// Whether `frame` is the hub's copy of the message this socket just acknowledged.
    fn is_own_echo(&mut self, frame: &ServerFrame) -> bool {
        let ServerFrame::Message {
            conversation,
            message,
        } = frame
        else {
            return false;
        };
        let own = matches!(&self.acknowledged,
            Some((acked, seq)) if acked == conversation && *seq == message.seq);
        if own {
            self.acknowledged = None;
        }
        own
    }
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
    // R11: the socket is recorded before the greeting, so one that fails while being greeted
    // is counted out like any other; a live customer back within the grace keeps the chat.
    publish(
        &state,
        decide::customer_socket_opened(&state, &customer.identity).await,
    );
    if let Err(error) = Box::pin(greet(&state, socket, &customer, resume)).await {
        tracing::debug!(%error, "customer socket ended during greeting");
        drop(events);
        Box::pin(goodbye(&state, &customer)).await;
        return;
    }
    let (mut beat, mut expiry) = (Alarm::unset(), Alarm::unset());
    // Queued message writes, oldest first; the writer commits in queue order, so the front is
    // always the first to finish.
    let mut pending: VecDeque<PendingMessage> = VecDeque::new();
    // A frame other than a message that came while messages were queued: answered, and the
    // socket read again, once they are acknowledged and their events forwarded.
    let mut held: Option<Box<ClientFrame>> = None;
    loop {
        beat.no_later_than(&*state.socket_clock, heartbeat.due());
        // A socket whose token expired is asked for a fresh one, then closed if none comes.
        let deadline = match customer.expiry_told {
            Some(told) => told.saturating_add(REFRESH_GRACE).unwrap_or(told),
            None => customer.verified.expires_at,
        };
        expiry.no_later_than(&*state.clock, deadline);
        // Biased, committed events first: each frame the customer sends publishes at least one
        // event back (its message, to every tab), so a fair pick would let a fast sender's
        // backlog grow until the socket is dropped as lagging.
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Ok(frame) if customer.is_own_echo(&frame) => {}
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
            Some(frame) = async { held.take() }, if pending.is_empty() && held.is_some() => {
                let handled = Box::pin(handle_frame(&state, socket, &mut customer, &mut pending, *frame));
                if !matches!(handled.await, Ok(Next::Read)) {
                    break;
                }
            }
            settled = next_settled(&mut pending), if !pending.is_empty() => {
                pending.pop_front();
                // Boxed, like every frame's work: inline it would size every idle session.
                let settling = Box::pin(settle_message(&state, socket, &mut customer, settled));
                if settling.await.is_err() {
                    break;
                }
            }
            () = beat.rung() => {
                if !heartbeat.keep_alive(socket, state.socket_clock.now()).await {
                    break;
                }
            }
            () = expiry.rung() => {
                // Rung early (the deadline moved on) or the token was refreshed meanwhile.
                let now = state.clock.now();
                if deadline > now || customer.verified.expires_at > now {
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
            incoming = socket.recv(), if pending.len() < PIPELINED_MESSAGES && held.is_none() => {
                let Some(Ok(incoming)) = incoming else { break };
                heartbeat.heard(state.socket_clock.now());
                match incoming {
                    WsMessage::Text(text) => {
                        // Boxed: the idle session future stays small; a frame's work is brief.
                        let frame = text.as_str();
                        let handled = Box::pin(handle_text(
                            &state,
                            socket,
                            &mut customer,
                            &mut pending,
                            frame,
                        ));
                        match handled.await {
                            Ok(Next::Read) => {}
                            Ok(Next::Hold(frame)) => held = Some(frame),
                            Ok(Next::End) | Err(_) => break,
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
    // Messages committed after the socket ended still reach the agents and the other tabs.
    while let Some(message) = pending.pop_front() {
        let settled = message.await;
        let _ = Box::pin(settle_message(&state, socket, &mut customer, settled)).await;
    }
    drop(events);
    Box::pin(goodbye(&state, &customer)).await;
}

/// The socket is gone: counted out in the store, where the last one of the customer on every
/// running relay starts a live conversation's reconnect grace (R11).
async fn goodbye(state: &AppState, customer: &Customer) {
    state.hub.release_customer(&customer.identity);
    publish(
        state,
        decide::customer_socket_closed(state, &customer.identity).await,
    );
}

/// Publishes a presence decision; a failure is logged (the presence sweep catches up).
fn publish(state: &AppState, decided: Result<Option<decide::Decision>, DecideError>) {
    match decided {
        Ok(Some(decision)) => fanout::publish(state, &decision),
        Ok(None) => {}
        Err(error) => tracing::error!(%error, "customer presence not stored"),
    }
}

/// The oldest queued message once its write is over; it stays queued until taken off.
async fn next_settled(pending: &mut VecDeque<PendingMessage>) -> Box<messages::Settled> {
    match pending.front_mut() {
        Some(message) => message.await,
        None => std::future::pending().await,
    }
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
