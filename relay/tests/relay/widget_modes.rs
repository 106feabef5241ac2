//! Persistent and live in real Chromium over a real relay (issue 5, R3–R5): a live chat shows
//! its queue position and ends only after the customer confirms; outside hours a live chat shows
//! the offline notice, a persistent one says when the team is back and never shows queue texts
//! nor an end control.

use super::browser_support::Browser;
use super::widget_support::{Setup, eval, eval_on_host, texts};
use serde_json::json;

/// Two workstreams with the test relay's evening hours (closed at its start time).
const AFTER_HOURS: &str = r#"
[[workstream]]
id = "after-hours"
mode = "live"
auth = "shop"
hours = "evening"
allowed_origins = ["{shop}"]

[[workstream]]
id = "billing-desk"
mode = "persistent"
auth = "shop"
hours = "evening"
allowed_origins = ["{shop}"]
"#;

async fn shown(browser: &Browser, css: &str) -> bool {
    let script = format!(
        "(() => {{ const e = document.querySelector({}); return !!e && !e.closest('[hidden]'); }})()",
        json!(css)
    );
    eval(browser, &script).await == json!(true)
}

#[tokio::test]
async fn a_live_chat_shows_its_queue_position_and_ends_only_after_confirmation_r4_r5() {
    let setup = Setup::start("").await;
    let browser = Browser::launch().await;
    browser.open_widget(&setup.page("sari", "sales", "")).await;
    assert!(!shown(&browser, ".tetap-end").await, "nothing to end yet");
    browser.say("Do you ship to Bali?").await;
    browser.find("li[data-kind=queue_position]").await;
    assert_eq!(
        texts(&browser, "li[data-kind=queue_position] .tetap-text").await,
        ["You are #1 in the sales queue."]
    );

    browser
        .find(".tetap-end:not([hidden])")
        .await
        .click()
        .await
        .expect("end");
    browser.find(".tetap-confirm:not([hidden])").await;
    browser
        .find(".tetap-confirm-cancel")
        .await
        .click()
        .await
        .expect("cancel");
    assert!(!shown(&browser, ".tetap-confirm").await);
    let budi = setup.relay.agent("budi").await;
    let (_, open) = budi.get("/conversations").await;
    assert_eq!(open[0]["state"], "open", "cancel ends nothing");

    browser
        .find(".tetap-end:not([hidden])")
        .await
        .click()
        .await
        .expect("end");
    browser
        .find(".tetap-confirm-end")
        .await
        .click()
        .await
        .expect("confirm");
    browser.find(".tetap-ended").await;
    assert!(!shown(&browser, ".tetap-end").await);
    let (_, closed) = budi.get("/conversations?state=closed").await;
    assert_eq!(closed.as_array().map(Vec::len), Some(1), "{closed}");
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn outside_hours_a_live_chat_shows_the_offline_notice_r3() {
    let setup = Setup::start(AFTER_HOURS).await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page("sari", "after-hours", ""))
        .await;
    browser.write("Anyone there?").await;
    browser.find(".tetap-offline").await;
    let notice = texts(&browser, ".tetap-offline").await;
    assert!(!notice[0].is_empty(), "the relay's offline notice");
    browser.find("li[data-status=failed]").await;
    assert!(!shown(&browser, ".tetap-end").await, "no chat was started");
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn outside_hours_a_persistent_chat_says_when_the_team_is_back_and_has_no_end_control() {
    let setup = Setup::start(AFTER_HOURS).await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page("sari", "billing-desk", ""))
        .await;
    browser.say("A question at night").await;
    browser.find("li[data-kind=away]").await;
    let kinds = eval(
        &browser,
        "Array.from(document.querySelectorAll('li[data-kind]')).map(li => li.dataset.kind)",
    )
    .await;
    assert_eq!(
        kinds,
        json!(["away"]),
        "never wait time or queue position (R5)"
    );
    assert!(!shown(&browser, ".tetap-end").await, "R4: no end control");
    assert!(!shown(&browser, ".tetap-confirm").await);
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn r3_the_live_offline_notice_survives_the_tokens_arrival() {
    let setup = Setup::start(AFTER_HOURS).await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&setup.page_with_token("sari", "after-hours", "slow"))
        .await;
    // Shown from the workstream's settings, before the host page has answered.
    browser.find(".tetap-offline").await;
    let before = texts(&browser, ".tetap-offline").await;
    assert!(!before[0].is_empty(), "the relay's offline notice");

    // The token arrives and the relay welcomes the customer: the notice stays.
    browser.find(".tetap-panel[data-link=online]").await;
    assert_eq!(
        eval_on_host(&browser, "tokenAnswers").await,
        json!(["token"])
    );
    assert_eq!(texts(&browser, ".tetap-offline").await, before);
    assert!(
        !shown(&browser, ".tetap-empty").await,
        "no \"send us a message\" under the offline notice"
    );
    browser.client.close().await.expect("close the browser");
}
