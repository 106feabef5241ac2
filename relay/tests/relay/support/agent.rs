//! The agent API in tests: a signed-in HTTP client and the agent event stream.

use super::{FRAME_DEADLINE, WsStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The agent API with a bearer token.
pub struct AgentClient {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl AgentClient {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `PUT /presence`.
    pub async fn presence(&self, presence: &str) {
        let response = self
            .http
            .put(format!("{}/presence", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "presence": presence }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "presence {presence}");
    }

    /// `POST /conversations/{id}/{action}` with no body (accept, wait, end).
    pub async fn act(&self, conversation: &str, action: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!(
                "{}/conversations/{conversation}/{action}",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET /me`'s `load`.
    pub async fn load(&self) -> u64 {
        self.get("/me").await.1["load"].as_u64().expect("load")
    }

    /// The conversation as the work list shows it (any state, closed ones included).
    pub async fn conversation(&self, id: &str) -> Value {
        for query in ["", "?state=closed"] {
            let (_, list) = self.get(&format!("/conversations{query}")).await;
            if let Some(found) = list
                .as_array()
                .and_then(|l| l.iter().find(|c| c["id"] == id))
            {
                return found.clone();
            }
        }
        Value::Null
    }

    /// Opens the agent event stream, authenticated by the bearer header at the upgrade.
    pub async fn events(&self) -> AgentEvents {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = self.base.replacen("http://", "ws://", 1) + "/events";
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", self.token).parse().expect("header"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("event stream");
        AgentEvents { stream }
    }

    pub async fn reply(&self, conversation: &str, client_id: &str, text: &str) -> (u16, Value) {
        self.post(
            &format!("/conversations/{conversation}/messages"),
            json!({ "text": text, "client_id": client_id }),
        )
        .await
    }
}

/// An agent's event stream (`/v1/agent/events`).
pub struct AgentEvents {
    stream: WsStream,
}

impl AgentEvents {
    /// Closes the stream and waits until the relay has finished with it (its side closes last).
    pub async fn close(mut self) {
        let _ = self.stream.send(WsMessage::Close(None)).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(FRAME_DEADLINE, self.stream.next()).await {
        }
    }

    /// The WebSocket itself, for tests of the protocol's control frames.
    pub fn stream(&mut self) -> &mut WsStream {
        &mut self.stream
    }

    /// The next event; fails the test after the deadline.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(FRAME_DEADLINE, self.stream.next())
                .await
                .expect("an event within the deadline")
                .expect("the stream is open")
                .expect("a frame");
            if let WsMessage::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("json event");
            }
        }
    }

    /// Skips events until a `state` event shows the conversation in `state`.
    pub async fn until_state(&mut self, conversation: &str, state: &str) -> Value {
        loop {
            let event = self.until("state", conversation).await;
            if event["detail"]["state"] == state {
                return event;
            }
        }
    }

    /// Skips events until one of `kind` about `conversation` (any conversation when empty).
    pub async fn until(&mut self, kind: &str, conversation: &str) -> Value {
        loop {
            let event = self.next().await;
            if event["type"] == kind
                && (conversation.is_empty() || event["conversation"] == conversation)
            {
                return event;
            }
        }
    }
}
