//! The agent API (DESIGN.md §3): who am I, presence, the work list, reading and answering.

use crate::agent_session::SignedInAgent;
use crate::error::{ApiJson, ApiQuery, AppError};
use crate::state::AppState;
use crate::store::{AppendError, Appended, ConversationRow, MessageAuthorRow, NewMessage};
use crate::text_rules::{check_client_id, check_text};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tetap_shared::frames::{ConversationInfo, MAX_HISTORY_PAGE};
use tetap_shared::{
    AgentRef, AuthorKind, Conversation, ConversationId, ConversationState, CustomerRef, Message,
    ServerFrame, rules,
};

/// `GET /v1/agent/me`.
#[derive(Serialize)]
pub struct Me {
    id: String,
    name: String,
    presence: String,
    capacity: u32,
    load: u32,
}

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

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Offline,
}

#[derive(Deserialize)]
pub struct PresenceRequest {
    presence: Presence,
}

/// `PUT /v1/agent/presence`.
pub async fn set_presence(
    State(state): State<AppState>,
    agent: SignedInAgent,
    ApiJson(request): ApiJson<PresenceRequest>,
) -> Result<Json<Me>, AppError> {
    let presence = match request.presence {
        Presence::Online => "online",
        Presence::Offline => "offline",
    };
    state.store.set_presence(&agent.agent.id, presence).await?;
    me(State(state), agent).await
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
}

/// `GET /v1/agent/conversations`.
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

#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<u64>,
    limit: Option<u32>,
}

/// `GET /v1/agent/conversations/{id}/messages?before=&limit=`.
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

#[derive(Deserialize)]
pub struct PostMessage {
    text: String,
    client_id: String,
}

/// `POST /v1/agent/conversations/{id}/messages`: 201 when committed now, 200 for a resend.
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
    let agent = agent.agent;
    let author = MessageAuthorRow {
        kind: AuthorKind::Agent,
        id: agent.id.clone(),
        name: Some(agent.name.clone()),
    };
    let new = NewMessage {
        client_id: Some(request.client_id),
        text,
        at: state.now_text(),
    };
    let conversation_id = ConversationId(id);
    let appended = state
        .store
        .append_agent_message(&conversation_id, &author, new, |row| {
            rules::agent_reply(
                row.state,
                row.agent_id.as_deref(),
                &agent.id,
                agent.workstreams.contains(&row.workstream),
            )
        })
        .await
        .map_err(|error| match error {
            AppendError::Store(e) => AppError::internal(e),
            AppendError::NotFound => no_such_conversation(),
            AppendError::Refused(rule) => AppError::forbidden(rule.code(), rule.to_string()),
            AppendError::ClientIdConflict => AppError::new(
                StatusCode::CONFLICT,
                "client_id_conflict",
                "this client_id names another author's message",
            ),
        })?;
    match appended {
        Appended::Duplicate { message, .. } => Ok((StatusCode::OK, Json(message))),
        Appended::New {
            conversation,
            message,
            ..
        } => {
            let identity = conversation.identity.clone();
            state.hub.publish_customer(
                &identity,
                ServerFrame::State {
                    conversation: conversation_info(&state, &conversation),
                },
            );
            state.hub.publish_customer(
                &identity,
                ServerFrame::Message {
                    conversation: conversation.id.clone(),
                    message: message.clone(),
                },
            );
            Ok((StatusCode::CREATED, Json(message)))
        }
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
        .ok_or_else(no_such_conversation)?;
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

fn no_such_conversation() -> AppError {
    AppError::not_found("unknown_conversation", "no such conversation")
}

fn agent_ref(state: &AppState, id: Option<&str>) -> Option<AgentRef> {
    let id = id?;
    let name = state
        .config
        .agent(id)
        .map_or_else(|| id.to_owned(), |a| a.name.clone());
    Some(AgentRef {
        id: id.to_owned(),
        name,
    })
}

/// The conversation as the agent API shows it.
pub fn conversation_view(state: &AppState, row: &ConversationRow) -> Conversation {
    Conversation {
        id: row.id.clone(),
        workstream: row.workstream.clone(),
        mode: row.mode,
        state: row.state,
        agent: agent_ref(state, row.agent_id.as_deref()),
        affinity_agent: row.affinity_agent.clone(),
        customer: CustomerRef {
            sub: row.identity.subject.clone(),
            name: row.customer_name.clone(),
        },
        last_seq: row.last_seq,
        unread: row.last_seq.saturating_sub(row.agent_read_seq),
        created_at: row.created_at.clone(),
        last_message: None,
    }
}

/// The conversation as the customer's widget sees it.
pub fn conversation_info(state: &AppState, row: &ConversationRow) -> ConversationInfo {
    ConversationInfo {
        id: row.id.clone(),
        state: row.state,
        agent: match row.state {
            ConversationState::Active | ConversationState::Waiting => {
                agent_ref(state, row.agent_id.as_deref())
            }
            _ => None,
        },
        last_seq: row.last_seq,
    }
}
