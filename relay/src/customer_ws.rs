//! The customer WebSocket (`/v1/customer/ws`): hello with the token, then messages both ways.
//!
//! A message is acknowledged only after it is committed; the hub then pushes it to the customer's
//! other sockets and the agent side reads it from the store.

use crate::agent_api::conversation_info;
use crate::config::WorkstreamConfig;
use crate::customer_token::VerifiedCustomer;
use crate::error::AppError;
use crate::origin::is_same_origin_or_absent;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::{Appended, CustomerIdentity, NewMessage};
use crate::text_rules::{check_client_id, check_text};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tetap_shared::frames::{Cursor, MAX_FRAME_BYTES, MAX_HISTORY_PAGE};
use tetap_shared::{ClientFrame, CustomerRef, ErrorCode, PROTOCOL_VERSION, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

/// How long a new socket may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// The newest page a fresh widget gets.
const FIRST_PAGE: u32 = 50;
/// Close code for a policy violation (RFC 6455).
const CLOSE_POLICY: u16 = 1008;
/// Close code for "try again later": the socket fell behind and should resume from the store.
const CLOSE_TRY_AGAIN: u16 = 1013;

/// `GET /v1/customer/ws`: upgrades only requests from the relay's own pages (the widget frame).
pub async fn upgrade(
    State(state): State<AppState>,
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
    // Small buffers keep an idle socket cheap (tungstenite reads 128 KiB at a time by default).
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| session(state, socket))
}

struct Customer {
    identity: CustomerIdentity,
    verified: VerifiedCustomer,
    workstream: WorkstreamConfig,
}

async fn session(state: AppState, mut socket: WebSocket) {
    let Some((mut customer, resume)) = hello(&state, &mut socket).await else {
        return;
    };
    // Subscribe before reading the store, so nothing committed in between is missed; the
    // widget drops what it already has by `seq`.
    let mut events = state.hub.subscribe_customer(&customer.identity);
    if let Err(error) = greet(&state, &mut socket, &customer, resume).await {
        tracing::debug!(%error, "customer socket ended during greeting");
        drop(events);
        state.hub.release_customer(&customer.identity);
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    match handle_frame(&state, &mut socket, &mut customer, text.as_str()).await {
                        Ok(true) => {}
                        Ok(false) | Err(_) => break,
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    let refusal = ServerFrame::error(ErrorCode::BadFrame, "frames are JSON text");
                    if send(&mut socket, &refusal).await.is_err() {
                        break;
                    }
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
            },
            event = events.recv() => match event {
                Ok(frame) => {
                    if send(&mut socket, &frame).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    close(&mut socket, CLOSE_TRY_AGAIN, "fell behind; resume").await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    drop(events);
    state.hub.release_customer(&customer.identity);
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
    let (protocol, workstream_id, token, resume) = match ClientFrame::decode(text.as_str()) {
        Ok(ClientFrame::Hello {
            protocol,
            workstream,
            token,
            resume,
        }) => (protocol, workstream, Secret::new(token), resume),
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
    let verified = match verify(state, &workstream, &token) {
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
    let customer = Customer {
        identity,
        verified,
        workstream,
    };
    Some((customer, resume))
}

/// Checks a token with the workstream's own auth setting only.
fn verify(
    state: &AppState,
    workstream: &WorkstreamConfig,
    token: &Secret,
) -> Result<VerifiedCustomer, (ErrorCode, String)> {
    let Some(auth_id) = workstream.auth.as_deref() else {
        return Err((
            ErrorCode::Unauthorized,
            "this workstream has no authentication settings".into(),
        ));
    };
    state
        .verifier
        .verify(auth_id, token, state.clock.now())
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
        },
        conversation: current.as_ref().map(|row| conversation_info(state, row)),
        visitor_token: None,
    };
    send(socket, &welcome).await?;
    let Some(current) = current else {
        return Ok(());
    };
    match resume.filter(|cursor| cursor.conversation == current.id) {
        Some(cursor) => {
            let mut after = cursor.after_seq;
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
        None => {
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
        ClientFrame::Open | ClientFrame::End => {
            let refusal =
                ServerFrame::error(ErrorCode::BadFrame, "not supported by this relay yet");
            send(socket, &refusal).await?;
            Ok(true)
        }
        ClientFrame::Auth { token } => {
            match verify(state, &customer.workstream, &Secret::new(token)) {
                Ok(fresh)
                    if fresh.issuer == customer.verified.issuer
                        && fresh.subject == customer.verified.subject =>
                {
                    customer.verified = fresh;
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
    let new = NewMessage {
        client_id: Some(client_id.clone()),
        text,
        at: state.now_text(),
    };
    let appended = state
        .store
        .append_customer_message(
            &customer.identity,
            customer.verified.name.as_deref(),
            customer.verified.email.as_deref(),
            customer.workstream.mode,
            new,
        )
        .await;
    match appended {
        Ok(Appended::Duplicate {
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
        Ok(Appended::New {
            conversation,
            message,
            started,
        }) => {
            let ack = ServerFrame::Ack {
                client_id,
                conversation: conversation.id.clone(),
                seq: message.seq,
                id: message.id.clone(),
                at: message.at.clone(),
            };
            send(socket, &ack).await?;
            if started {
                let info = conversation_info(state, &conversation);
                let frame = ServerFrame::State { conversation: info };
                state.hub.publish_customer(&customer.identity, frame);
            }
            let frame = ServerFrame::Message {
                conversation: conversation.id,
                message,
            };
            state.hub.publish_customer(&customer.identity, frame);
            Ok(())
        }
        Err(error) => {
            tracing::error!(%error, "customer message not committed");
            let text = "the message was not stored; send it again".to_owned();
            send(socket, &refusal(ErrorCode::Internal, text, &client_id)).await
        }
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
