//! History in real Chromium over a real relay (issue 5, R1): a 10,000-message conversation opens
//! with its newest page only and a bounded number of rendered rows; reading back loads older
//! pages by keyset, keeping the reading position; and a conversation that ended stays above the
//! next one with a divider, across a reload.

use super::browser_support::Browser;
use super::widget_support::{Setup, eval, seed, texts};
use serde_json::Value;
use std::time::Instant;

/// The first rendered message and its position in the log's content: where it shows when the
/// log is scrolled to the top.
const FIRST_MESSAGE: &str = "(() => {
  const row = document.querySelector('.tetap-scroll li[data-key]');
  return [row.querySelector('.tetap-text').textContent, row.offsetTop];
})()";

/// The log is scrolled to its newest message.
const AT_BOTTOM: &str = "(() => {
  const log = document.querySelector('.tetap-scroll');
  return log.scrollHeight - log.scrollTop - log.clientHeight <= 2 && log.scrollTop > 0;
})()";

/// Where the message saying `text` shows, from the top of the log's viewport.
fn shown_at(text: &Value) -> String {
    format!(
        "(() => {{
  const log = document.querySelector('.tetap-scroll');
  const row = Array.from(log.querySelectorAll('li[data-key]'))
    .find(li => li.querySelector('.tetap-text').textContent === {text});
  return row ? row.offsetTop - log.scrollTop : null;
}})()"
    )
}

async fn rendered(browser: &Browser) -> (u64, u64) {
    let value = eval(
        browser,
        "[document.querySelectorAll('.tetap-msg').length, document.querySelectorAll('.tetap-log li').length]",
    )
    .await;
    (
        value[0].as_u64().expect("a count"),
        value[1].as_u64().expect("a count"),
    )
}

#[tokio::test]
async fn a_ten_thousand_message_conversation_opens_with_one_page_and_reads_back_in_place() {
    let setup = Setup::start("").await;
    let relay = &setup.relay;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    let (conversation, _) = socket.write("seed-1", "message 1").await;
    socket.close().await;
    seed(relay, &conversation, 10_000).await;

    let browser = Browser::launch().await;
    let page = setup.page("sari", "support", "");
    // The shop has a token provider: the loader preloads the widget, hidden, when idle.
    browser.client.goto(&page).await.expect("open the shop");
    browser
        .find("iframe")
        .await
        .enter_frame()
        .await
        .expect("enter the frame");
    browser.find_text("message 10000").await;
    browser.client.enter_parent_frame().await.expect("leave");
    // Opened, the newest message is in view.
    browser
        .find("button[aria-expanded]")
        .await
        .click()
        .await
        .expect("open the widget");
    browser
        .find("iframe")
        .await
        .enter_frame()
        .await
        .expect("enter the frame");
    browser
        .wait_until(&format!(
            "{AT_BOTTOM} && document.querySelectorAll('.tetap-msg').length === 50"
        ))
        .await;
    let started = Instant::now();
    browser.client.enter_parent_frame().await.expect("leave");
    browser.open_widget(&page).await;
    browser.find_text("message 10000").await;
    println!(
        "open to first message rendered: {} ms (reload and open, 10,000-message conversation)",
        started.elapsed().as_millis()
    );
    browser.wait_until(AT_BOTTOM).await;

    // One page, as the relay sent it with `welcome`: the 50 newest, nothing older rendered.
    let (messages, rows) = rendered(&browser).await;
    assert_eq!(messages, 50);
    assert!(rows <= 52, "{rows} rows: the messages and a day separator");
    assert_eq!(browser.count_text("message 9951").await, 1);
    assert_eq!(browser.count_text("message 9950").await, 0);

    // Reading back: each time the top is reached, the page above comes (keyset by seq) and the
    // message that was on top stays where it was.
    let mut loaded = 50;
    for _ in 0..4 {
        let before: Value = eval(&browser, FIRST_MESSAGE).await;
        eval(
            &browser,
            "document.querySelector('.tetap-scroll').scrollTop = 0",
        )
        .await;
        loaded += 50;
        let oldest = format!("message {}", 10_001 - loaded);
        browser.find_text(&oldest).await;
        browser
            .wait_until(&format!(
                "Math.abs({} - {}) <= 1",
                shown_at(&before[0]),
                before[1]
            ))
            .await;
    }
    // Bounded: however far back the customer reads, at most 150 messages are in the DOM.
    let (messages, rows) = rendered(&browser).await;
    assert_eq!(messages, 150);
    assert!(rows <= 152, "{rows} rows");
    assert_eq!(browser.count_text("message 9801").await, 1);
    assert_eq!(
        browser.count_text("message 10000").await,
        0,
        "the newest left the DOM"
    );

    // Writing brings the newest back.
    browser.say("Back to the present").await;
    assert_eq!(browser.count_text("message 10000").await, 1);
    let (messages, _) = rendered(&browser).await;
    assert!(messages <= 150);
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn an_ended_live_chat_stays_above_the_next_one_across_a_reload() {
    let setup = Setup::start("").await;
    let page = setup.page("sari", "sales", "");
    let browser = Browser::launch().await;
    browser.open_widget(&page).await;
    browser.say("First question").await;
    let budi = setup.relay.agent("budi").await;
    budi.presence("online").await;
    let (_, list) = budi.get("/conversations").await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    budi.act(&id, "accept").await;
    let (status, _) = budi.reply(&id, "b-1", "First answer").await;
    assert_eq!(status, 201);
    browser.find_text("First answer").await;
    let (status, _) = budi.act(&id, "end").await;
    assert_eq!(status, 200);
    browser.find(".tetap-ended").await;

    browser.say("Second question").await;
    browser.find(".tetap-divider").await;
    assert_eq!(
        texts(&browser, ".tetap-msg--customer .tetap-text").await,
        ["First question", "Second question"]
    );

    // After a reload the current conversation comes first; the earlier one is offered above.
    browser.client.enter_parent_frame().await.expect("leave");
    browser.open_widget(&page).await;
    browser.find_text("Second question").await;
    browser.find(".tetap-older:not([hidden])").await;
    // Reading back (scrolling up, as a customer does) brings it in.
    eval(
        &browser,
        "document.querySelector('.tetap-scroll').scrollTop = 0",
    )
    .await;
    browser.find_text("First answer").await;
    let rows = eval(
        &browser,
        "Array.from(document.querySelectorAll('.tetap-log > li')).map(li => li.className.split(' ')[0])",
    )
    .await;
    let rows: Vec<String> = serde_json::from_value(rows).expect("classes");
    let divider = rows
        .iter()
        .position(|c| c == "tetap-divider")
        .expect("a divider");
    let texts = texts(&browser, ".tetap-msg .tetap-text").await;
    let first = texts
        .iter()
        .position(|t| t == "First answer")
        .expect("first");
    let second = texts
        .iter()
        .position(|t| t == "Second question")
        .expect("second");
    assert!(first < second, "{texts:?}");
    assert!(divider > 0 && divider < rows.len() - 1, "{rows:?}");
    browser.client.close().await.expect("close the browser");
}
