//! The agent event stream (`GET /v1/agent/events`, a WebSocket): `assigned`, `message`,
//! `customer_returned` and `state` frames for the signed-in agent. Authenticated like the rest of
//! the agent API (header or cookie at the upgrade), never by a token in the URL or a frame.

use crate::agent_session::SignedInAgent;
use crate::clock::Alarm;
use crate::error::AppError;
use crate::heartbeat::Heartbeat;
use crate::origin::is_same_origin_or_absent;
use crate::state::AppState;
use crate::views::conversation_view;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use tetap_shared::AgentEvent;
use tokio::sync::broadcast::error::RecvError;

/// `GET /v1/agent/events`.
#[utoipa::path(get, path = "/v1/agent/events", tag = "agent",
    description = "WebSocket upgrade; then JSON text frames, one `AgentEvent` each.",
    responses((status = 101, description = "switching to the event stream", body = AgentEvent),
        (status = 401, body = crate::openapi::ApiErrorBody), (status = 403, body = crate::openapi::ApiErrorBody)))]
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    agent: SignedInAgent,
    ws: WebSocketUpgrade,
) -> Response {
    if !is_same_origin_or_absent(&headers) {
        return AppError::forbidden(
            "cross_origin",
            "WebSocket upgrades from another origin are refused",
        )
        .into_response();
    }
    let agent_id = agent.agent.id;
    // Counted from before the 101 answer, so a client that has its stream is already counted;
    // dropped with the callback when the upgrade never completes.
    let open = state.metrics.agent_event_stream();
    // Counted from the upgrade, so the first ping's time is fixed before the client sees 101.
    let heartbeat = Heartbeat::new(state.socket_clock.now());
    ws.read_buffer_size(1024)
        .write_buffer_size(0)
        .max_message_size(4 * 1024)
        .on_upgrade(move |mut socket| async move {
            stream(state, &mut socket, agent_id, heartbeat).await;
            // Uncounted before the socket closes: a client that saw the close sees the count.
            drop(open);
            drop(socket);
        })
}

async fn stream(
    state: AppState,
    socket: &mut WebSocket,
    agent_id: String,
    mut heartbeat: Heartbeat,
) {
    let mut events = state.hub.subscribe_agent(&agent_id);
    follow_worklist(&state, &agent_id).await;
    // R7: a return nobody picked up is told again to every stream that (re)connects, so a
    // console that was offline at that moment still learns of it. Read after subscribing:
    // a return committed in between comes twice rather than never.
    match state.store.returned_conversations(&agent_id).await {
        Ok(rows) => {
            for row in rows {
                let event = AgentEvent::CustomerReturned {
                    conversation: row.id.clone(),
                    detail: conversation_view(&state, &row),
                };
                let text = serde_json::to_string(&event).unwrap_or_default();
                if socket.send(WsMessage::Text(text.into())).await.is_err() {
                    state.hub.release_agent(&agent_id);
                    return;
                }
            }
        }
        Err(error) => tracing::error!(%error, "returned conversations not read"),
    }
    let mut beat = Alarm::unset();
    loop {
        beat.no_later_than(&*state.socket_clock, heartbeat.due());
        tokio::select! {
            () = beat.rung() => {
                if !heartbeat.keep_alive(socket, state.socket_clock.now()).await {
                    break;
                }
            }
            event = events.recv() => match event {
                Ok(event) => {
                    let text = serde_json::to_string(&*event).unwrap_or_default();
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                // Fell behind: close; the console reloads its lists from the API.
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => heartbeat.heard(state.socket_clock.now()),
            },
        }
    }
    drop(events);
    state.hub.release_agent(&agent_id);
}

/// Follows the agent's work list as it is now, so that what the other relays commit from here on
/// reaches this stream once, and what the console read already is not sent again.
async fn follow_worklist(state: &AppState, agent_id: &str) {
    if !state.store.is_shared() {
        return;
    }
    let Some(config) = state.config.agent(agent_id) else {
        return;
    };
    match state
        .store
        .agent_conversations(agent_id, &config.workstreams, false)
        .await
    {
        Ok(rows) => rows.iter().for_each(|row| state.peers.follow(row)),
        Err(error) => tracing::warn!(%error, "the agent's work list not read"),
    }
}
