//! The guarantee, read back through the agent API once the faults are over.

use super::customers::{Outcome, final_view};
use super::relay_process::RelayProcess;
use super::scale::Scale;
use crate::relay::support::ANNA_PASSWORD;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every message of a conversation as the agent API returns it, oldest first.
async fn stored(relay: &RelayProcess, http: &reqwest::Client, token: &str, id: &str) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    let mut before: Option<u64> = None;
    loop {
        let query = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let page: Vec<Value> = http
            .get(relay.http(&format!(
                "/v1/agent/conversations/{id}/messages?limit=200{query}"
            )))
            .bearer_auth(token)
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("json");
        let Some(first) = page.first().and_then(|m| m["seq"].as_u64()) else {
            break;
        };
        all.splice(0..0, page);
        if first == 1 {
            break;
        }
        before = Some(first);
    }
    all
}

/// Signs in as the agent and returns the bearer token.
pub(crate) async fn agent_token(relay: &RelayProcess, http: &reqwest::Client) -> String {
    sign_in_as(relay, http, "anna").await
}

/// Signs in as `agent` (every test agent has anna's password) and returns the bearer token.
pub(crate) async fn sign_in_as(
    relay: &RelayProcess,
    http: &reqwest::Client,
    agent: &str,
) -> String {
    let login: Value = http
        .post(relay.http("/v1/agent/login"))
        .json(&json!({"agent": agent, "password": ANNA_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    login["token"].as_str().expect("token").to_owned()
}

/// The guarantee (DESIGN §4), read back through the agent API: every customer's messages are
/// stored exactly once, in the order sent, with no gap in `seq`, and what the customer saw
/// (plus one last resume) equals the store.
pub(crate) async fn assert_store_matches(
    relay: &RelayProcess,
    scale: Scale,
    outcomes: Vec<Outcome>,
) {
    assert_eq!(outcomes.len(), scale.customers, "one outcome per customer");
    let http = reqwest::Client::new();
    let token_text = agent_token(relay, &http).await;
    for (index, (conversation, seen)) in outcomes.into_iter().enumerate() {
        let sub = format!("customer-{index}");
        let messages = stored(relay, &http, &token_text, &conversation).await;
        let client_ids: Vec<String> = messages
            .iter()
            .filter(|m| m["author"]["kind"] == "customer")
            .map(|m| m["client_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let expected: Vec<String> = (0..scale.messages_each)
            .map(|i| format!("{sub}-{i}"))
            .collect();
        assert_eq!(client_ids, expected, "{sub}: every message once, in order");
        let seqs: Vec<u64> = messages.iter().filter_map(|m| m["seq"].as_u64()).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "{sub}: no gaps"
        );
        let store: BTreeMap<u64, String> = messages
            .iter()
            .map(|m| {
                (
                    m["seq"].as_u64().unwrap_or(0),
                    m["id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let view = final_view(&relay.ws_url(), &sub, &conversation, seen).await;
        assert_eq!(view, store, "{sub}: the client's view equals the store");
    }
}
