//! The agent API (DESIGN.md §3): who am I, presence, the work list, reading, answering, and the
//! conversation actions accept, ✖ (wait) and end.

use crate::agent_session::SignedInAgent;
use crate::decide::{self, AgentAction, Written};
use crate::error::{ApiJson, ApiQuery, AppError};
use crate::fanout;
use crate::state::AppState;
use crate::store::{ConversationRow, NewMessage};
use crate::text_rules::{check_client_id, check_text};
use crate::views::conversation_view;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tetap_shared::frames::MAX_HISTORY_PAGE;
use tetap_shared::{AgentRef, Conversation, ConversationId, Message, ServerFrame};

/// `GET /v1/agent/me`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: String,
    name: String,
    presence: String,
    capacity: u32,
    load: u32,
}

#[utoipa::path(get, path = "/v1/agent/me", tag = "agent",
    responses((status = 200, body = Me), (status = 401, body = crate::openapi::ApiErrorBody)))]
pub async fn me(State(state): State<AppState>, agent: SignedInAgent) -> Result<Json<Me>, AppError> {
    let agent = agent.agent;
    Ok(Json(Me {
        presence: state.store.presence(&agent.id).await?,
        load: state.store.agent_load(&agent.id).await?,
        id: agent.id,
        name: agent.name,
        capacity: agent.capacity,
    }))
}

#[derive(Deserialize, Serialize, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Offline,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PresenceRequest {
    presence: Presence,
}

/// `PUT /v1/agent/presence`. Going offline returns the agent's live conversations to the queue
/// (their persistent ones stay theirs, R8); either change wakes routing.
#[utoipa::path(put, path = "/v1/agent/presence", tag = "agent", request_body = PresenceRequest,
    responses((status = 200, body = Me), (status = 401, body = crate::openapi::ApiErrorBody)))]
pub async fn set_presence(
    State(state): State<AppState>,
    agent: SignedInAgent,
    ApiJson(request): ApiJson<PresenceRequest>,
) -> Result<Json<Me>, AppError> {
    change_presence(&state, &agent.agent.id, request.presence).await?;
    me(State(state), agent).await
}

/// Stores the presence and applies what going offline means to the agent's conversations.
pub async fn change_presence(
    state: &AppState,
    agent_id: &str,
    presence: Presence,
) -> Result<(), AppError> {
    let online = presence == Presence::Online;
    for decision in decide::agent_presence(state, agent_id, online).await? {
        fanout::publish(state, &decision);
    }
    state.wake.routing.notify_one();
    Ok(())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `closed` lists ended conversations instead.
    state: Option<String>,
}

/// `GET /v1/agent/conversations`.
#[utoipa::path(get, path = "/v1/agent/conversations", tag = "agent", params(ListQuery),
    responses((status = 200, body = [Conversation]), (status = 400, body = crate::openapi::ApiErrorBody), (status = 401, body = crate::openapi::ApiErrorBody)))]
pub async fn conversations(
    State(state): State<AppState>,
    agent: SignedInAgent,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Conversation>>, AppError> {
    let closed = match query.state.as_deref() {
        None => false,
        Some("closed") => true,
        Some(other) => {
            return Err(AppError::bad_request(
                "bad_state",
                format!("state={other} is not supported; use state=closed or nothing"),
            ));
        }
    };
    let rows = state
        .store
        .agent_conversations(&agent.agent.id, &agent.agent.workstreams, closed)
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let last_message = state.store.messages_before(&row.id, None, 1).await?.0.pop();
        let mut view = conversation_view(&state, &row);
        view.last_message = last_message;
        list.push(view);
    }
    Ok(Json(list))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Only messages with a smaller `seq` (exclusive).
    before: Option<u64>,
    /// How many (default 50, at most 200; larger is clamped).
    limit: Option<u32>,
}

/// `GET /v1/agent/conversations/{id}/messages?before=&limit=`.
#[utoipa::path(get, path = "/v1/agent/conversations/{id}/messages", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    params(PageQuery),
    responses((status = 200, description = "ascending by seq", body = [Message]),
        (status = 403, body = crate::openapi::ApiErrorBody), (status = 404, body = crate::openapi::ApiErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    agent: SignedInAgent,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Vec<Message>>, AppError> {
    let row = readable_conversation(&state, &agent, &ConversationId(id)).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_HISTORY_PAGE);
    let (messages, _) = state
        .store
        .messages_before(&row.id, query.before, limit)
        .await?;
    Ok(Json(messages))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PostMessage {
    text: String,
    client_id: String,
}

/// `POST /v1/agent/conversations/{id}/messages`: 201 when committed now, 200 for a resend.
#[utoipa::path(post, path = "/v1/agent/conversations/{id}/messages", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    request_body = PostMessage,
    responses((status = 201, description = "committed now", body = Message),
        (status = 200, description = "this client_id was committed before", body = Message),
        (status = 400, body = crate::openapi::ApiErrorBody), (status = 403, body = crate::openapi::ApiErrorBody), (status = 404, body = crate::openapi::ApiErrorBody), (status = 409, body = crate::openapi::ApiErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    agent: SignedInAgent,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PostMessage>,
) -> Result<(StatusCode, Json<Message>), AppError> {
    let text = check_text(&request.text)
        .map_err(|e| AppError::bad_request(e.code().as_str(), e.to_string()))?;
    check_client_id(&request.client_id)
        .map_err(|e| AppError::bad_request(e.code().as_str(), e.to_string()))?;
    let new = NewMessage {
        client_id: Some(request.client_id),
        text,
        at: state.now_text(),
    };
    match decide::agent_message(&state, &ConversationId(id), &agent.agent, new).await? {
        Written::Duplicate { message, .. } => Ok((StatusCode::OK, Json(message))),
        Written::Committed { decision, message } => {
            fanout::publish(&state, &decision);
            Ok((StatusCode::CREATED, Json(message)))
        }
    }
}

/// `POST …/{id}/accept`: take an `open` conversation (R10) or pick a waiting one up (R7).
#[utoipa::path(post, path = "/v1/agent/conversations/{id}/accept", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    responses((status = 200, body = Conversation), (status = 403, body = crate::openapi::ApiErrorBody), (status = 409, body = crate::openapi::ApiErrorBody)))]
pub async fn accept(
    state: State<AppState>,
    agent: SignedInAgent,
    id: Path<String>,
    body: Bytes,
) -> Result<Json<Conversation>, AppError> {
    act(state, agent, id, body, AgentAction::Accept).await
}

/// `POST …/{id}/wait`: the ✖ button (R6).
#[utoipa::path(post, path = "/v1/agent/conversations/{id}/wait", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    responses((status = 200, body = Conversation), (status = 403, body = crate::openapi::ApiErrorBody), (status = 409, body = crate::openapi::ApiErrorBody)))]
pub async fn wait(
    state: State<AppState>,
    agent: SignedInAgent,
    id: Path<String>,
    body: Bytes,
) -> Result<Json<Conversation>, AppError> {
    act(state, agent, id, body, AgentAction::Wait).await
}

/// `POST …/{id}/end` (R4, R9).
#[utoipa::path(post, path = "/v1/agent/conversations/{id}/end", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    responses((status = 200, body = Conversation), (status = 403, body = crate::openapi::ApiErrorBody), (status = 409, body = crate::openapi::ApiErrorBody)))]
pub async fn end(
    state: State<AppState>,
    agent: SignedInAgent,
    id: Path<String>,
    body: Bytes,
) -> Result<Json<Conversation>, AppError> {
    act(state, agent, id, body, AgentAction::End).await
}

async fn act(
    State(state): State<AppState>,
    agent: SignedInAgent,
    Path(id): Path<String>,
    body: Bytes,
    action: AgentAction,
) -> Result<Json<Conversation>, AppError> {
    no_body(&body)?;
    let decision = decide::agent_action(&state, &ConversationId(id), &agent.agent, action).await?;
    fanout::publish(&state, &decision);
    Ok(Json(conversation_view(&state, &decision.after)))
}

/// `POST …/{id}/typing`: shows the customer that the agent is typing.
#[utoipa::path(post, path = "/v1/agent/conversations/{id}/typing", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    responses((status = 204, description = "the customer is told"), (status = 403, body = crate::openapi::ApiErrorBody)))]
pub async fn typing(
    State(state): State<AppState>,
    agent: SignedInAgent,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    no_body(&body)?;
    let row = readable_conversation(&state, &agent, &ConversationId(id)).await?;
    let frame = ServerFrame::Typing {
        conversation: row.id.clone(),
        agent: AgentRef {
            id: agent.agent.id.clone(),
            name: agent.agent.name.clone(),
        },
    };
    crate::fanout::to_customer(&state, &row, frame);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReadRequest {
    seq: u64,
}

/// `POST …/{id}/read {seq}`: the agent has read up to `seq`; the customer's widget shows "read".
#[utoipa::path(post, path = "/v1/agent/conversations/{id}/read", tag = "agent", params(("id" = String, Path, description = "the conversation id")),
    request_body = ReadRequest,
    responses((status = 204, description = "the customer sees read"), (status = 403, body = crate::openapi::ApiErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    agent: SignedInAgent,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReadRequest>,
) -> Result<StatusCode, AppError> {
    let row = readable_conversation(&state, &agent, &ConversationId(id)).await?;
    let seq = request.seq.min(row.last_seq);
    if seq > row.agent_read_seq {
        state
            .store
            .mark_read(&row.id, crate::store::Reader::Agent, seq)
            .await?;
        let frame = ServerFrame::Read {
            conversation: row.id.clone(),
            seq,
        };
        crate::fanout::to_customer(&state, &row, frame);
    }
    Ok(StatusCode::NO_CONTENT)
}

fn no_body(body: &Bytes) -> Result<(), AppError> {
    let empty_object = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
        .is_ok_and(|object| object.is_empty());
    if body.is_empty() || empty_object {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "bad_request",
            "this action takes no body, or {}",
        ))
    }
}

/// A conversation the agent may read: theirs, or one of their workstreams.
async fn readable_conversation(
    state: &AppState,
    agent: &SignedInAgent,
    id: &ConversationId,
) -> Result<ConversationRow, AppError> {
    let row = state
        .store
        .conversation(id)
        .await?
        .ok_or_else(|| AppError::not_found("unknown_conversation", "no such conversation"))?;
    let theirs = row.agent_id.as_deref() == Some(agent.agent.id.as_str());
    if theirs || agent.agent.workstreams.contains(&row.workstream) {
        Ok(row)
    } else {
        Err(AppError::forbidden(
            "not_your_conversation",
            "this conversation is neither yours nor in your workstreams",
        ))
    }
}
