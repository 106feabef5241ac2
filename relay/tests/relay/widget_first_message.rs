//! A customer's first message, written before the host page has handed over the token, end to
//! end in real Chromium over a real relay: it is kept, and stored exactly once under the identity
//! the token names, whether the token comes late or after the page first said "nobody yet".

use super::browser_support::Browser;
use super::widget_support::{Setup, eval_on_host};
use serde_json::json;

/// The customer's messages of the agent's only conversation, and whose conversation it is.
async fn stored(setup: &Setup) -> (String, Vec<String>) {
    let anna = setup.relay.agent("anna").await;
    let (_, list) = anna.get("/conversations").await;
    let list = list.as_array().expect("a list").clone();
    assert_eq!(list.len(), 1, "one conversation: {list:?}");
    let id = list[0]["id"].as_str().expect("id");
    let sub = list[0]["customer"]["sub"].as_str().expect("sub").to_owned();
    let (_, messages) = anna.get(&format!("/conversations/{id}/messages")).await;
    let texts = messages
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["author"]["kind"] == "customer")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    (sub, texts)
}

/// Writes `text` and waits until the log shows it as sending, with the host page's answer still
/// held back (so the message was written with no identity known), then lets the provider answer
/// (3 s after it was asked, or at once if that has passed).
async fn write_before_the_token(browser: &Browser, text: &str) {
    browser.write(text).await;
    browser.find("li[data-status=sending] .tetap-text").await;
    assert_eq!(
        eval_on_host(browser, "tokenAnswers").await,
        json!([]),
        "the message must be written before the host page answers"
    );
    browser.on_host_page("releaseToken()").await;
}

#[tokio::test]
async fn a_message_sent_before_a_slow_token_arrives_is_stored_once_under_the_tokens_identity() {
    let setup = Setup::start("").await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page_with_held_token("sari", "support", "slow"))
        .await;
    write_before_the_token(&browser, "Written before the token").await;

    browser.find_sent("Written before the token").await;
    assert_eq!(
        eval_on_host(&browser, "tokenAnswers").await,
        json!(["token"])
    );
    assert_eq!(browser.count_text("Written before the token").await, 1);
    assert_eq!(
        stored(&setup).await,
        (
            "sari".to_owned(),
            vec!["Written before the token".to_owned()]
        )
    );
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn a_message_sent_before_the_host_says_nobody_yet_goes_with_the_token_that_follows() {
    let setup = Setup::start("").await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page_with_held_token("sari", "support", "null-first"))
        .await;
    write_before_the_token(&browser, "Written before signing in").await;

    // "Nobody is signed in": the widget asks to sign in and keeps what was written.
    browser.find(".tetap-signin").await;
    assert_eq!(
        eval_on_host(&browser, "tokenAnswers").await,
        json!(["null"])
    );
    assert_eq!(browser.count_text("Written before signing in").await, 1);

    // The customer signs in on the host page, which hands the widget a token now.
    browser
        .on_host_page("Tetap.setAuthTokenProvider(shop.getToken)")
        .await;
    browser.find_sent("Written before signing in").await;
    assert_eq!(
        eval_on_host(&browser, "tokenAnswers").await,
        json!(["null", "token"])
    );
    assert_eq!(browser.count_text("Written before signing in").await, 1);
    assert_eq!(
        stored(&setup).await,
        (
            "sari".to_owned(),
            vec!["Written before signing in".to_owned()]
        )
    );
    // Sent, so nothing of it is left waiting in storage for a reload to send again.
    browser
        .wait_until(
            "!Object.keys(localStorage).some(k => localStorage.getItem(k).includes('Written before'))",
        )
        .await;
    browser.client.close().await.expect("close the browser");
}
