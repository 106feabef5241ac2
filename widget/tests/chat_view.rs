//! The chat panel in headless Chromium: the composer, a message from "sending" to "sent" to
//! "read", pushed messages rendered as text (links only for http and https), keyboard use, the
//! sign-in notice, the reconnecting banner and the log's accessibility. Frames are fed to the
//! same `Chat::apply` the socket uses.
#![cfg(target_arch = "wasm32")]

#[path = "support/harness.rs"]
mod harness;

use harness::{agent_message, mount};
use leptos::prelude::*;
use leptos::task::tick;
use tetap_shared::Mode;
use tetap_shared::frames::ServerFrame;
use tetap_widget::connection::Status as Link;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_sent_message_shows_as_sending_then_sent_then_read() {
    let h = mount(Mode::Persistent);
    let client_id = h.write("Halo, pesanan saya belum sampai").await;

    let sent = h.sent.get_untracked();
    assert_eq!(sent.len(), 1, "the send callback got one message");
    assert_eq!(sent[0].text, "Halo, pesanan saya belum sampai");
    assert_eq!(client_id.len(), 36, "a UUID client id: {client_id}");
    let mine = h
        .find(".tetap-msg--customer")
        .expect("the message is shown at once");
    assert_eq!(
        mine.get_attribute("data-status").as_deref(),
        Some("sending")
    );
    assert_eq!(
        h.text(".tetap-msg--customer .tetap-text"),
        "Halo, pesanan saya belum sampai"
    );
    assert_eq!(h.text(".tetap-msg--customer .tetap-status"), "Sending…");
    assert!(
        h.find(".tetap-msg--customer time").is_none(),
        "no time before the relay stamps it"
    );
    assert_eq!(h.textarea().value(), "", "the composer is cleared");

    h.feed(ServerFrame::Ack {
        client_id: client_id.clone(),
        conversation: "c1".into(),
        seq: 1,
        id: "m1".into(),
        at: "2026-11-24T01:00:00Z".into(),
    });
    tick().await;
    let mine = h.all(".tetap-msg--customer");
    assert_eq!(mine.len(), 1, "the ack updates the message, it adds none");
    assert_eq!(
        mine[0].get_attribute("data-status").as_deref(),
        Some("sent")
    );
    assert_eq!(h.text(".tetap-msg--customer .tetap-status"), "Sent");
    let time = h.find(".tetap-msg--customer time").expect("a time");
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2026-11-24T01:00:00Z")
    );
    assert!(
        time.text_content()
            .is_some_and(|t| t.contains(':') || t.contains('.')),
        "a time of day from Intl: {:?}",
        time.text_content()
    );

    h.feed(ServerFrame::Read {
        conversation: "c1".into(),
        seq: 1,
    });
    tick().await;
    assert_eq!(h.text(".tetap-msg--customer .tetap-status"), "Read");
    assert_eq!(h.all(".tetap-msg--customer").len(), 1);
}

#[wasm_bindgen_test]
async fn enter_sends_and_shift_enter_does_not() {
    let h = mount(Mode::Live);
    h.type_text("first line");
    tick().await;
    let not_cancelled = h.press("Enter", true);
    tick().await;
    assert!(not_cancelled, "Shift+Enter keeps its newline");
    assert!(h.sent.get_untracked().is_empty());

    let not_cancelled = h.press("Enter", false);
    tick().await;
    assert!(!not_cancelled, "Enter does not insert a newline");
    let sent = h.sent.get_untracked();
    assert_eq!(
        sent.iter().map(|o| o.text.as_str()).collect::<Vec<_>>(),
        ["first line"]
    );
    assert_eq!(h.all(".tetap-msg[data-status=sending]").len(), 1);
}

#[wasm_bindgen_test]
async fn typing_in_the_composer_is_reported() {
    let h = mount(Mode::Persistent);
    h.type_text("H");
    h.type_text("He");
    tick().await;
    assert_eq!(
        h.typed.get_untracked(),
        2,
        "every keystroke is reported; the session throttles"
    );
}

#[wasm_bindgen_test]
async fn blank_and_oversize_messages_are_not_sent() {
    let h = mount(Mode::Live);
    h.type_text("   \n ");
    tick().await;
    h.click(".tetap-send");
    tick().await;
    assert!(h.sent.get_untracked().is_empty());
    assert!(h.find(".tetap-msg").is_none());

    h.type_text(&"x".repeat(5000));
    tick().await;
    h.click(".tetap-send");
    tick().await;
    assert!(h.sent.get_untracked().is_empty());
    assert_eq!(h.text(".tetap-notice"), "This message is too long.");
}

#[wasm_bindgen_test]
async fn an_agent_message_is_rendered_as_text_never_as_html() {
    let h = mount(Mode::Persistent);
    let attack = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    h.feed(agent_message(1, attack));
    tick().await;
    assert!(
        h.find(".tetap-log img, .tetap-log script").is_none(),
        "no element was created from the text"
    );
    assert_eq!(h.text(".tetap-msg--agent .tetap-text"), attack);
    assert_eq!(h.text(".tetap-msg--agent .tetap-author"), "Anna");
    assert_eq!(
        h.html(".tetap-msg--agent .tetap-text")
            .get_attribute("dir")
            .as_deref(),
        Some("auto"),
        "right-to-left text takes its own direction"
    );
}

#[wasm_bindgen_test]
async fn only_web_addresses_become_links_and_they_open_safely() {
    let h = mount(Mode::Persistent);
    h.feed(agent_message(
        1,
        "Track it at https://shop.test/track?id=7. Not javascript:alert(1) nor data:text/html,x",
    ));
    tick().await;
    let links = h.all(".tetap-text a");
    assert_eq!(links.len(), 1, "one link");
    let link = &links[0];
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://shop.test/track?id=7")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(
        h.text(".tetap-msg--agent .tetap-text"),
        "Track it at https://shop.test/track?id=7. Not javascript:alert(1) nor data:text/html,x",
        "the text reads as written"
    );
}

#[wasm_bindgen_test]
async fn a_message_pushed_twice_is_shown_once() {
    let h = mount(Mode::Persistent);
    h.feed(agent_message(1, "Hello, this is Anna."));
    h.feed(agent_message(1, "Hello, this is Anna."));
    h.feed(agent_message(2, "How can I help?"));
    tick().await;
    assert_eq!(
        h.texts(".tetap-msg .tetap-text"),
        ["Hello, this is Anna.", "How can I help?"]
    );
}

#[wasm_bindgen_test]
async fn escape_and_the_minimise_button_ask_to_close() {
    let h = mount(Mode::Persistent);
    h.press("Escape", false);
    tick().await;
    assert_eq!(h.closed.get_untracked(), 1);
    let minimise = h.html(".tetap-minimise");
    assert!(
        minimise
            .get_attribute("aria-label")
            .is_some_and(|l| !l.is_empty()),
        "labelled"
    );
    minimise.click();
    tick().await;
    assert_eq!(h.closed.get_untracked(), 2);
}

#[wasm_bindgen_test]
async fn signed_out_customers_see_a_sign_in_notice_instead_of_the_composer() {
    let h = mount(Mode::Persistent);
    assert!(h.find(".tetap-signin").is_none());
    h.can_write.set(false);
    tick().await;
    assert!(h.find("textarea").is_none(), "no composer to type into");
    assert!(h.shown(".tetap-signin"));
    assert_eq!(h.text(".tetap-signin"), "Please sign in to chat.");
    h.can_write.set(true);
    tick().await;
    assert!(h.shown("textarea"));
    assert!(h.find(".tetap-signin").is_none());
}

#[wasm_bindgen_test]
async fn a_lost_connection_shows_reconnecting() {
    let h = mount(Mode::Live);
    assert!(h.find(".tetap-banner").is_none());
    h.link.set(Link::Reconnecting);
    tick().await;
    assert_eq!(h.text(".tetap-banner"), "Reconnecting…");
    h.link.set(Link::Online);
    tick().await;
    assert!(h.find(".tetap-banner").is_none());
}

#[wasm_bindgen_test]
async fn the_log_is_a_polite_live_region_and_every_control_is_labelled() {
    let h = mount(Mode::Live);
    let log = h.find("[role=log]").expect("a log");
    assert_eq!(log.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(log.get_attribute("aria-label").as_deref(), Some("Messages"));
    let label = h.find("label").expect("a label");
    assert!(
        label
            .query_selector("textarea")
            .expect("selector")
            .is_some(),
        "the label wraps the textarea"
    );
    assert_eq!(h.text("label .tetap-sr"), "Message");
    for button in h.all("button:not([hidden])") {
        let name = button
            .get_attribute("aria-label")
            .or_else(|| button.text_content())
            .unwrap_or_default();
        assert!(!name.trim().is_empty(), "{}", button.outer_html());
    }
}
