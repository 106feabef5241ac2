//! Message text is text, end to end in real Chromium (issue 5, DESIGN.md §3): markup written by
//! the customer or the agent shows as written and runs nothing; only web addresses become links,
//! opening in a new tab without a handle on the widget.

use super::browser_support::Browser;
use super::widget_support::{Setup, eval};
use serde_json::json;

#[tokio::test]
async fn markup_in_messages_stays_text_and_only_web_addresses_become_safe_links() {
    let setup = Setup::start("").await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page("sari", "support", ""))
        .await;
    let from_customer = [
        r#"<img src=x onerror="window.pwned=1;parent.pwned=1">"#,
        "<script>window.pwned=2</script>",
    ];
    for text in from_customer {
        browser.say(text).await;
    }
    let anna = setup.relay.agent("anna").await;
    // Only an online agent takes a conversation from the queue (R10).
    anna.presence("online").await;
    let (_, list) = anna.get("/conversations").await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let from_agent = [
        "<img src=x onerror=window.pwned=3><b>bold?</b>",
        "Help: https://help.example.test/orders?id=7&x=1, not javascript:window.pwned=4",
    ];
    for (n, text) in from_agent.iter().enumerate() {
        let (status, _) = anna.reply(&id, &format!("a-{n}"), text).await;
        assert_eq!(status, 201);
    }
    // Each shows exactly as written (the wait fails the test if one never does).
    for text in from_customer.iter().chain(&from_agent) {
        browser
            .wait_until(&format!(
                "Array.from(document.querySelectorAll('.tetap-text')).some(p => p.textContent === {})",
                json!(text)
            ))
            .await;
    }
    let made = eval(
        &browser,
        "document.querySelectorAll('.tetap-log img, .tetap-log script, .tetap-log b').length",
    )
    .await;
    assert_eq!(made, json!(0), "no element was made from message text");
    assert_eq!(eval(&browser, "typeof window.pwned").await, "undefined");

    let links = eval(
        &browser,
        "Array.from(document.querySelectorAll('.tetap-log a')).map(a => [a.getAttribute('href'), a.target, a.rel, a.textContent])",
    )
    .await;
    let url = "https://help.example.test/orders?id=7&x=1";
    assert_eq!(
        links,
        json!([[url, "_blank", "noopener noreferrer", url]]),
        "one link, safe, to the web address only"
    );

    browser.client.enter_parent_frame().await.expect("leave");
    assert_eq!(eval(&browser, "typeof window.pwned").await, "undefined");
    assert_eq!(eval(&browser, "window.violations").await, json!([]));
    browser.client.close().await.expect("close the browser");
}
