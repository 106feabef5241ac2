//! The agent API: sign-in, the work list, reading and answering, and what is refused.

use super::support::{ANNA_PASSWORD, TestRelay};
use serde_json::{Value, json};
use tetap_shared::ServerFrame;

/// Sari writes once on `support`; returns the conversation id.
async fn sari_writes(relay: &TestRelay, text: &str) -> String {
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    socket.say("c-1", text).await;
    match socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await {
        ServerFrame::Ack { conversation, .. } => conversation.0,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn the_walking_skeleton_customer_writes_agent_reads_and_replies() {
    let relay = TestRelay::start().await;
    let (mut customer, _) = relay.customer("support", &relay.token("sari")).await;
    customer.say("c-1", "Where is my parcel?").await;
    customer
        .until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;

    let anna = relay.agent("anna").await;
    let (status, list) = anna.get("/conversations").await;
    assert_eq!(status, 200);
    let conversation = &list.as_array().expect("list")[0];
    assert_eq!(conversation["state"], "open");
    assert_eq!(conversation["mode"], "persistent");
    assert_eq!(conversation["customer"]["sub"], "sari");
    assert_eq!(conversation["customer"]["name"], "Customer sari");
    assert_eq!(conversation["last_message"]["text"], "Where is my parcel?");
    let id = conversation["id"].as_str().expect("id").to_owned();

    let (status, messages) = anna.get(&format!("/conversations/{id}/messages")).await;
    assert_eq!(status, 200);
    assert_eq!(messages[0]["author"]["kind"], "customer");
    assert_eq!(messages[0]["text"], "Where is my parcel?");

    // Only an online agent takes from the queue (R10): routing or the reply, whichever commits
    // first, writes "Anna joined" before the reply.
    anna.presence("online").await;
    let (status, reply) = anna.reply(&id, "a-1", "It ships today.").await;
    assert_eq!(status, 201, "{reply}");
    // R10: answering an open conversation picks it up; the customer sees who joined first.
    assert_eq!(reply["seq"], 3);
    assert_eq!(
        reply["author"],
        json!({"kind": "agent", "id": "anna", "name": "Anna"})
    );

    let joined = customer
        .until(|f| matches!(f, ServerFrame::Message { message, .. } if message.seq == 2))
        .await;
    let ServerFrame::Message { message, .. } = joined else {
        unreachable!()
    };
    assert_eq!(message.system_kind.as_deref(), Some("agent_joined"));
    assert_eq!(message.text, "Anna joined the conversation.");
    let pushed = customer
        .until(|f| matches!(f, ServerFrame::Message { message, .. } if message.seq == 3))
        .await;
    let ServerFrame::Message { message, .. } = pushed else {
        unreachable!()
    };
    assert_eq!(message.text, "It ships today.");

    let (_, list) = anna.get("/conversations").await;
    assert_eq!(list[0]["state"], "active", "replying picked it up");
    assert_eq!(list[0]["agent"], json!({"id": "anna", "name": "Anna"}));
    let (_, me) = anna.get("/me").await;
    assert_eq!(me["load"], 1);
    assert_eq!(me["capacity"], 2);
}

#[tokio::test]
async fn reposting_a_client_id_returns_the_stored_reply_with_200() {
    let relay = TestRelay::start().await;
    let id = sari_writes(&relay, "hello").await;
    let anna = relay.agent("anna").await;
    anna.presence("online").await;
    let (first_status, first) = anna.reply(&id, "a-1", "hi").await;
    let (second_status, second) = anna.reply(&id, "a-1", "hi").await;
    assert_eq!((first_status, second_status), (201, 200));
    assert_eq!(first, second);
    let (_, messages) = anna.get(&format!("/conversations/{id}/messages")).await;
    let texts: Vec<_> = messages
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        texts,
        ["hello", "Anna joined the conversation.", "hi"],
        "stored once"
    );
}

#[tokio::test]
async fn an_agent_cannot_answer_a_conversation_outside_their_workstreams() {
    let relay = TestRelay::start().await;
    let id = sari_writes(&relay, "hello").await;
    let budi = relay.agent("budi").await;
    let (status, body) = budi.reply(&id, "b-1", "hi").await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "not_your_workstream");
    let (status, body) = budi.get(&format!("/conversations/{id}/messages")).await;
    assert_eq!(status, 403, "{body}");
    let (_, list) = budi.get("/conversations").await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn message_pages_are_newest_first_by_keyset_in_ascending_order() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    for i in 1..=5 {
        socket.say(&format!("c-{i}"), &format!("m{i}")).await;
        socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    }
    let anna = relay.agent("anna").await;
    let (_, list) = anna.get("/conversations").await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let seqs = |page: &Value| -> Vec<u64> {
        page.as_array()
            .expect("page")
            .iter()
            .map(|m| m["seq"].as_u64().expect("seq"))
            .collect()
    };
    let (_, newest) = anna
        .get(&format!("/conversations/{id}/messages?limit=2"))
        .await;
    assert_eq!(seqs(&newest), [4, 5]);
    let (_, older) = anna
        .get(&format!("/conversations/{id}/messages?before=4&limit=2"))
        .await;
    assert_eq!(seqs(&older), [2, 3]);
    let (_, clamped) = anna
        .get(&format!("/conversations/{id}/messages?limit=100000"))
        .await;
    assert_eq!(seqs(&clamped), [1, 2, 3, 4, 5]);
    let (status, body) = anna
        .get(&format!("/conversations/{id}/messages?before=abc"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "bad_request");
}

#[tokio::test]
async fn sign_in_refuses_wrong_passwords_and_unknown_agents_alike() {
    let relay = TestRelay::start().await;
    let http = reqwest::Client::new();
    for (agent, password) in [("anna", "wrong"), ("nobody", ANNA_PASSWORD)] {
        let response = http
            .post(relay.url("/v1/agent/login"))
            .json(&json!({ "agent": agent, "password": password }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401, "{agent}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], "unauthorized");
        assert_eq!(body["message"], "unknown agent or wrong password");
    }
    let response = http
        .get(relay.url("/v1/agent/me"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn presence_is_stored_and_survives_a_restart() {
    let mut relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let (_, me) = anna.get("/me").await;
    assert_eq!(me["presence"], "offline", "offline after first sign-in");
    let response = anna
        .http
        .put(format!("{}/presence", anna.base))
        .bearer_auth(&anna.token)
        .json(&json!({"presence": "online"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    relay.restart().await;
    let anna = relay.agent("anna").await;
    let (_, me) = anna.get("/me").await;
    assert_eq!(me["presence"], "online");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let (status, _) = anna.post("/logout", json!({})).await;
    assert_eq!(status, 204);
    let (status, body) = anna.get("/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn cookie_sessions_refuse_cross_origin_requests_and_form_posts() {
    let relay = TestRelay::start().await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let response = http
        .post(relay.url("/v1/agent/login"))
        .json(&json!({ "agent": "anna", "password": ANNA_PASSWORD }))
        .send()
        .await
        .expect("login");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let me = http
        .get(relay.url("/v1/agent/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200, "the cookie signs in");

    let foreign = http
        .get(relay.url("/v1/agent/me"))
        .header("Origin", "https://evil.test")
        .send()
        .await
        .expect("request");
    assert_eq!(foreign.status(), 403);

    let form_post = http
        .put(relay.url("/v1/agent/presence"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("presence=online")
        .send()
        .await
        .expect("request");
    assert_eq!(form_post.status(), 415);
    let (_, me) = (
        (),
        http.get(relay.url("/v1/agent/me"))
            .send()
            .await
            .expect("me")
            .json::<Value>()
            .await
            .expect("json"),
    );
    assert_eq!(
        me["presence"], "offline",
        "the refused write changed nothing"
    );
}

#[tokio::test]
async fn bad_bodies_get_json_errors() {
    let relay = TestRelay::start().await;
    let id = sari_writes(&relay, "hello").await;
    let anna = relay.agent("anna").await;
    let (status, body) = anna
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "no client id"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "bad_request");
    let (status, body) = anna.reply(&id, "a-1", "   ").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("empty_message"))
    );
    let (status, body) = anna.reply("no-such-id", "a-1", "hi").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_conversation"))
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_agent_route() {
    let relay = TestRelay::start().await;
    let document: Value = reqwest::get(relay.url("/v1/openapi.json"))
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3."))
    );
    let paths = document["paths"].as_object().expect("paths");
    for path in [
        "/v1/agent/login",
        "/v1/agent/logout",
        "/v1/agent/me",
        "/v1/agent/presence",
        "/v1/agent/conversations",
        "/v1/agent/conversations/{id}/messages",
        "/v1/agent/conversations/{id}/accept",
        "/v1/agent/conversations/{id}/wait",
        "/v1/agent/conversations/{id}/end",
        "/v1/agent/conversations/{id}/typing",
        "/v1/agent/conversations/{id}/read",
        "/v1/agent/events",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for schema in [
        "Conversation",
        "Message",
        "AgentEvent",
        "Me",
        "ApiErrorBody",
    ] {
        assert!(schemas.contains_key(schema), "{schema} is documented");
    }
    assert_eq!(
        document["components"]["schemas"]["ConversationState"]["enum"],
        json!(["open", "active", "waiting", "closed"])
    );
}
