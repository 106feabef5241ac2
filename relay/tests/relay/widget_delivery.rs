//! Never losing a message, end to end in real Chromium over a real relay (issue 5): a message
//! written while the relay is unreachable survives a reload and is sent once when the socket
//! returns; a socket cut mid-stream, and a relay restart, resume after the last `seq` with no
//! gap and no duplicate; and what each side shows of the other: typing, reading, coming back
//! (R7), the unread count on the launcher and in the tab title.

use super::browser_support::Browser;
use super::widget_support::{Setup, eval, texts};
use serde_json::json;

/// The agent's only conversation.
async fn only_conversation(setup: &Setup) -> String {
    let anna = setup.relay.agent("anna").await;
    let (_, list) = anna.get("/conversations").await;
    let list = list.as_array().expect("a list").clone();
    assert_eq!(list.len(), 1, "{list:?}");
    list[0]["id"].as_str().expect("id").to_owned()
}

/// The customer's messages as the agent reads them, oldest first.
async fn customer_texts(setup: &Setup, id: &str) -> Vec<String> {
    let anna = setup.relay.agent("anna").await;
    let (_, messages) = anna.get(&format!("/conversations/{id}/messages")).await;
    messages
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["author"]["kind"] == "customer")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_message_written_offline_survives_a_reload_and_is_sent_once_when_the_socket_returns() {
    let setup = Setup::start("").await;
    let page = setup.page("sari", "support", "");
    let browser = Browser::launch().await;
    browser.open_widget(&page).await;
    browser.say("Written while online").await;

    // The relay becomes unreachable: the widget says so and keeps what is typed.
    setup.proxy.refuse(true);
    setup.proxy.cut();
    browser.find(".tetap-banner").await;
    assert_eq!(texts(&browser, ".tetap-banner").await, ["Reconnecting…"]);
    browser.write("Written while offline").await;
    browser.find("li[data-status=sending] .tetap-text").await;
    browser
        .wait_until(
            "Object.keys(localStorage).some(k => localStorage.getItem(k).includes('Written while offline'))",
        )
        .await;

    // A reload while still offline: the message is back, still waiting.
    browser.client.enter_parent_frame().await.expect("leave");
    browser.open_widget(&page).await;
    let waiting = browser.find_text("Written while offline").await;
    assert_eq!(
        waiting
            .find(fantoccini::Locator::XPath(".."))
            .await
            .expect("its message")
            .attr("data-status")
            .await
            .expect("status")
            .as_deref(),
        Some("sending")
    );

    // The relay is back: sent once, and the history returns around it.
    setup.proxy.refuse(false);
    browser.find_sent("Written while offline").await;
    browser.find_text("Written while online").await;
    assert_eq!(browser.count_text("Written while offline").await, 1);
    let id = only_conversation(&setup).await;
    assert_eq!(
        customer_texts(&setup, &id).await,
        ["Written while online", "Written while offline"]
    );
    browser
        .wait_until(
            "!Object.keys(localStorage).some(k => localStorage.getItem(k).includes('Written while offline'))",
        )
        .await;
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn a_socket_cut_mid_stream_and_a_relay_restart_lose_nothing_and_show_nothing_twice() {
    let mut setup = Setup::start("").await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page("sari", "support", ""))
        .await;
    browser.say("Please send me the tracking updates").await;
    let id = only_conversation(&setup).await;

    // The agent writes a stream of updates; the socket is cut in the middle of it.
    let anna = setup.relay.agent("anna").await;
    // Only an online agent takes a conversation from the queue (R10).
    anna.presence("online").await;
    let conversation = id.clone();
    let stream = tokio::spawn(async move {
        for n in 1..=12 {
            let (status, _) = anna
                .reply(&conversation, &format!("u-{n}"), &format!("update {n}"))
                .await;
            assert_eq!(status, 201);
        }
    });
    browser.find_text("update 3").await;
    setup.proxy.refuse(true);
    setup.proxy.cut();
    browser.find(".tetap-banner").await;
    setup.proxy.refuse(false);
    stream.await.expect("the agent's stream");
    browser.find_text("update 12").await;

    // The relay restarts while the customer is away; the agent writes meanwhile.
    setup.proxy.refuse(true);
    setup.proxy.cut();
    browser.find(".tetap-banner").await;
    setup.restart_relay().await;
    let anna = setup.relay.agent("anna").await;
    for n in 13..=15 {
        let (status, _) = anna
            .reply(&id, &format!("u-{n}"), &format!("update {n}"))
            .await;
        assert_eq!(status, 201);
    }
    setup.proxy.refuse(false);
    browser.find_text("update 15").await;
    let (status, _) = anna.reply(&id, "u-16", "update 16").await;
    assert_eq!(status, 201);
    browser.find_text("update 16").await;

    let expected: Vec<String> = (1..=16).map(|n| format!("update {n}")).collect();
    assert_eq!(
        texts(&browser, ".tetap-msg--agent .tetap-text").await,
        expected,
        "every update once, in order"
    );
    assert!(texts(&browser, ".tetap-banner").await.is_empty());
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn each_side_sees_the_other_typing_reading_and_coming_back() {
    let setup = Setup::start("").await;
    let relay = &setup.relay;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page("sari", "support", ""))
        .await;
    browser.say("Is my order on its way?").await;
    let id = only_conversation(&setup).await;
    let anna = relay.agent("anna").await;
    anna.presence("online").await;
    let mut events = anna.events().await;
    let (status, _) = anna.act(&id, "accept").await;
    assert!(status == 200 || status == 409, "{status}");

    // The agent types: the customer sees it, with the agent's name.
    let (status, _) = anna
        .post(&format!("/conversations/{id}/typing"), json!({}))
        .await;
    assert_eq!(status, 204);
    browser.find(".tetap-typing:not(:empty)").await;
    assert_eq!(texts(&browser, ".tetap-typing").await, ["Anna is typing…"]);

    // The agent reads the customer's message: it shows "Read".
    let (status, _) = anna
        .post(&format!("/conversations/{id}/read"), json!({ "seq": 1 }))
        .await;
    assert_eq!(status, 204);
    browser.find("li[data-status=read]").await;

    // The customer types and reads the agent's answer while the panel is open. Sending the
    // message ended the first bout of typing (told before the conversation existed, so to no
    // one): one keystroke now reaches the agent.
    let input = browser.find(".tetap-input").await;
    input.send_keys("T").await.expect("type");
    events.until("typing", &id).await;
    let (status, answer) = anna.reply(&id, "a-1", "Yes, it ships today.").await;
    assert_eq!(status, 201);
    browser.find_text("Yes, it ships today.").await;
    assert_eq!(
        texts(&browser, ".tetap-typing").await,
        [""],
        "the answer ends the typing"
    );
    // Reported as read while the panel is open (earlier reports name lower numbers).
    while events.until("read", &id).await["seq"] != answer["seq"] {}

    // Esc minimises and gives the focus back to the launcher.
    browser
        .find(".tetap-input")
        .await
        .send_keys("\u{e00c}")
        .await
        .expect("press Esc");
    browser.client.enter_parent_frame().await.expect("leave");
    browser
        .wait_until("document.activeElement && document.activeElement.getAttribute('aria-expanded') === 'false'")
        .await;

    // While minimised, an answer counts as unread on the launcher and in the tab title.
    let (status, _) = anna.reply(&id, "a-2", "Tracking: 123").await;
    assert_eq!(status, 201);
    browser.wait_until("document.title === '(1) Shop'").await;
    let label = eval(
        &browser,
        "document.querySelector('button[aria-expanded]').getAttribute('aria-label')",
    )
    .await;
    assert_eq!(label, "Open chat (1 unread)");

    // The agent parks the conversation; opening the panel again is coming back (R7).
    let (status, _) = anna.act(&id, "wait").await;
    assert_eq!(status, 200);
    browser
        .find("button[aria-expanded]")
        .await
        .click()
        .await
        .expect("open the widget");
    events.until("customer_returned", &id).await;
    browser.wait_until("document.title === 'Shop'").await;
    assert!(
        eval(&browser, "window.violations").await == json!([]),
        "the shop's strict CSP saw no violation"
    );
    browser.client.close().await.expect("close the browser");
}
