//! The agent API (DESIGN.md §3) over `fetch` on the page's own origin. The session is the relay's
//! HttpOnly cookie, which the browser sends by itself; the login's token is not kept. Every write
//! is JSON (`{}` for the actions): the relay refuses other cookie-authenticated writes (CSRF).

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tetap_shared::{Conversation, ConversationId, Message};

const BASE: &str = "/v1/agent";

/// The signed-in agent (`GET /v1/agent/me`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub presence: Presence,
    pub capacity: u32,
    pub load: u32,
}

/// An agent's stored presence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Offline,
}

/// A conversation action with its own endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Take an `open` conversation, or pick a `waiting` one up (R7, R10).
    Accept,
    /// The ✖ button (R6).
    Wait,
    /// End it (R4, R9).
    End,
}

impl Action {
    fn path(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Wait => "wait",
            Action::End => "end",
        }
    }
}

/// A refused or failed request: the relay's `{"error", "message"}`, or `network` (status 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    fn network(message: impl std::fmt::Display) -> Self {
        ApiError {
            status: 0,
            code: "network".into(),
            message: message.to_string(),
        }
    }

    /// The session is missing or over: the console goes back to the sign-in form.
    pub fn is_signed_out(&self) -> bool {
        self.status == 401
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    message: String,
}

async fn send(
    request: Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<String, ApiError> {
    let response = request
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (body.error, body.message),
        Err(_) => ("http".to_owned(), format!("HTTP {status}")),
    };
    Err(ApiError {
        status,
        code,
        message,
    })
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError {
        status: 0,
        code: "bad_response".into(),
        message: e.to_string(),
    })
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

fn write(builder: RequestBuilder, body: &serde_json::Value) -> Result<Request, gloo_net::Error> {
    // `json` sets `Content-Type: application/json`, which the relay requires of cookie writes.
    builder.json(body)
}

/// `POST /login`: sets the session cookie. The returned token is deliberately dropped.
pub async fn login(agent: &str, password: &str) -> Result<(), ApiError> {
    let body = json!({ "agent": agent, "password": password });
    send(write(Request::post(&url("/login")), &body))
        .await
        .map(drop)
}

/// `POST /logout`: ends the session (and sets the agent offline).
pub async fn logout() -> Result<(), ApiError> {
    send(write(Request::post(&url("/logout")), &json!({})))
        .await
        .map(drop)
}

/// `GET /me`.
pub async fn me() -> Result<Me, ApiError> {
    decode(&send(Request::get(&url("/me")).build()).await?)
}

/// `PUT /presence`.
pub async fn set_presence(presence: Presence) -> Result<Me, ApiError> {
    let body = json!({ "presence": presence });
    decode(&send(write(Request::put(&url("/presence")), &body)).await?)
}

/// `GET /conversations`: mine (`active`, `waiting`) and the queue of my workstreams.
pub async fn conversations() -> Result<Vec<Conversation>, ApiError> {
    decode(&send(Request::get(&url("/conversations")).build()).await?)
}

/// `GET /conversations/{id}/messages`: the newest `limit` below `before`, ascending.
pub async fn messages(
    id: &ConversationId,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<Message>, ApiError> {
    let mut path = format!("/conversations/{}/messages?limit={limit}", encode(&id.0));
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    decode(&send(Request::get(&url(&path)).build()).await?)
}

/// `POST /conversations/{id}/messages`: a reply, idempotent by `client_id`.
pub async fn reply(id: &ConversationId, client_id: &str, text: &str) -> Result<Message, ApiError> {
    let path = format!("/conversations/{}/messages", encode(&id.0));
    let body = json!({ "text": text, "client_id": client_id });
    decode(&send(write(Request::post(&url(&path)), &body)).await?)
}

/// `POST /conversations/{id}/accept|wait|end` with `{}`.
pub async fn act(id: &ConversationId, action: Action) -> Result<Conversation, ApiError> {
    let path = format!("/conversations/{}/{}", encode(&id.0), action.path());
    decode(&send(write(Request::post(&url(&path)), &json!({}))).await?)
}

/// `POST /conversations/{id}/typing`: the customer sees "typing…".
pub async fn typing(id: &ConversationId) -> Result<(), ApiError> {
    let path = format!("/conversations/{}/typing", encode(&id.0));
    send(write(Request::post(&url(&path)), &json!({})))
        .await
        .map(drop)
}

/// `POST /conversations/{id}/read`: the agent has read up to `seq`.
pub async fn read(id: &ConversationId, seq: u64) -> Result<(), ApiError> {
    let path = format!("/conversations/{}/read", encode(&id.0));
    send(write(Request::post(&url(&path)), &json!({ "seq": seq })))
        .await
        .map(drop)
}

/// A path segment, percent-encoded (ids are UUIDs, but nothing from the wire goes into a URL raw).
fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
