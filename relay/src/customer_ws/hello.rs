//! The start of a customer socket: `hello` with the token, then `welcome` and the first page.

use super::wire::{refuse, send};
use super::{Customer, FIRST_PAGE};
use crate::config::{SharedWorkstream, WorkstreamConfig};
use crate::customer_token::VerifiedCustomer;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store::CustomerIdentity;
use crate::views::conversation_info;
use axum::extract::ws::{Message as WsMessage, WebSocket};
use std::time::Duration;
use tetap_shared::frames::{Cursor, EARLIER_PAGE, MAX_HISTORY_PAGE};
use tetap_shared::rules::identity::{HistoryStart, history_start};
use tetap_shared::{ClientFrame, CustomerRef, ErrorCode, PROTOCOL_VERSION, ServerFrame};

/// How long a new socket may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits for a valid `hello`; answers and closes on anything else.
pub(super) async fn hello(
    state: &AppState,
    socket: &mut WebSocket,
) -> Option<(Customer, Option<Cursor>)> {
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
    let Some(workstream) = SharedWorkstream::find(&state.config, &workstream_id) else {
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
        acknowledged: None,
        frames: crate::limits::Bucket::full(crate::limits::FRAMES_PER_SOCKET, state.clock.now()),
        expiry_told: None,
    };
    Some((customer, resume))
}

/// Checks a token with the workstream's own auth setting only; an anonymous live workstream also
/// takes (or, for an empty token, mints) the relay's own visitor token.
pub(super) async fn verify(
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
pub(super) async fn greet(
    state: &AppState,
    socket: &mut WebSocket,
    customer: &Customer,
    resume: Option<Cursor>,
) -> Result<(), GreetError> {
    let current = state.store.current_conversation(&customer.identity).await?;
    if let Some(row) = &current {
        // What other relays commit after this read reaches this socket; what came before is
        // in the history sent below.
        state.peers.follow(row);
    }
    // The newest page of earlier conversations; the widget pages back with `earlier` (R9).
    let (earlier, more_earlier) = state
        .store
        .earlier_conversations(&customer.identity, None, EARLIER_PAGE)
        .await?;
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
        earlier_modes: earlier.iter().map(|c| c.mode).collect(),
        earlier: earlier.into_iter().map(|c| c.id).collect(),
        more_earlier,
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
pub(super) enum GreetError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Socket(#[from] axum::Error),
}
