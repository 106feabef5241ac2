//! The open widget passes axe-core in real Chromium (issue 5): light and dark, English and
//! Indonesian, with messages of every kind, a link, day separators and the typing indicator;
//! and so does the launcher on the host page.

use super::browser_support::Browser;
use super::browser_support::axe_violations;
use super::widget_support::{Setup, eval, texts};
use serde_json::json;

/// Customer `sub` asks on `page`; anna answers with a link and starts typing.
async fn a_conversation(setup: &Setup, browser: &Browser, sub: &str, page: &str) {
    browser.open_widget(page).await;
    browser.say("Where is order 7?").await;
    let anna = setup.relay.agent("anna").await;
    anna.presence("online").await;
    let (_, list) = anna.get("/conversations").await;
    let id = list
        .as_array()
        .and_then(|l| l.iter().find(|c| c["customer"]["sub"] == sub))
        .and_then(|c| c["id"].as_str())
        .expect("the customer's conversation")
        .to_owned();
    let (status, _) = anna
        .reply(&id, "a-1", "It left today: https://track.example.test/7")
        .await;
    assert_eq!(status, 201);
    let (status, _) = anna
        .post(&format!("/conversations/{id}/typing"), json!({}))
        .await;
    assert_eq!(status, 204);
    browser.find(".tetap-typing:not(:empty)").await;
    browser.find(".tetap-text a").await;
}

#[tokio::test]
async fn the_open_widget_has_no_accessibility_violations_in_light_and_dark() {
    let setup = Setup::start("").await;
    let browser = Browser::launch().await;
    a_conversation(&setup, &browser, "sari", &setup.page("sari", "support", "")).await;
    let violations = axe_violations(&browser, &[]).await;
    assert!(violations.is_empty(), "light, en: {violations:#?}");

    browser.client.enter_parent_frame().await.expect("leave");
    let launcher = axe_violations(&browser, &["button[aria-expanded]"]).await;
    assert!(launcher.is_empty(), "launcher: {launcher:#?}");

    let dark = Browser::launch().await;
    let page = setup.page("budi", "support", r#"data-theme="dark" data-locale="id""#);
    a_conversation(&setup, &dark, "budi", &page).await;
    assert_eq!(eval(&dark, "document.documentElement.lang").await, "id");
    assert_eq!(texts(&dark, ".tetap-send").await, ["Kirim"]);
    assert_eq!(
        texts(&dark, ".tetap-typing").await,
        ["Anna sedang mengetik…"]
    );
    let violations = axe_violations(&dark, &[]).await;
    assert!(violations.is_empty(), "dark, id: {violations:#?}");
    browser.client.close().await.expect("close the browser");
    dark.client.close().await.expect("close the browser");
}
