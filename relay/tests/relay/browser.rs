//! End-to-end in real Chromium: a host page on another origin embeds the widget with the script
//! tag, the customer writes, an agent answers through the agent API, the widget shows the reply.

use super::browser_support::Browser;
use super::support::{TestRelay, widget_dist};
use axum::Router;
use axum::response::Html;
use axum::routing::get;

/// A host site on its own origin: its page embeds the widget exactly as DESIGN.md §3 shows, and
/// its token provider returns a Promise, as a site fetching tokens from its server would.
fn serve_host_site(
    listener: tokio::net::TcpListener,
    relay_origin: &str,
    token: &str,
) -> tokio::task::JoinHandle<()> {
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop on another origin</h1>
<script src="/host.js"></script>
<script src="{relay_origin}/tetap.js" data-workstream="support" data-auth="shop.getToken" async></script>
</body></html>"#
    );
    let script = format!(
        "window.shop = {{ getToken: function () {{ return Promise.resolve({}); }} }};",
        serde_json::Value::String(token.to_owned())
    );
    let app = Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route(
            "/host.js",
            get(move || async move { ([("content-type", "text/javascript")], script) }),
        );
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("host site");
    })
}

#[tokio::test]
async fn a_customer_on_another_origin_chats_with_an_agent_through_the_script_tag() {
    assert!(
        widget_dist().join("index.html").is_file(),
        "the widget is not built: run `cargo xtask test`, which builds it first"
    );
    // Bind the host site first: its origin must be in the relay's allowed_origins.
    let host_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind host site");
    let host_origin = format!("http://{}", host_listener.local_addr().expect("address"));
    let relay = TestRelay::start_allowing(Some(&host_origin)).await;
    let relay_origin = relay.url("");
    assert_ne!(host_origin, relay_origin);
    let _host = serve_host_site(host_listener, &relay_origin, &relay.token("sari"));

    let browser = Browser::launch().await;
    browser
        .client
        .goto(&host_origin)
        .await
        .expect("open the shop");
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
        .expect("enter the widget frame");
    let input = browser.find(".tetap-input").await;
    input.send_keys("Hello from Chromium").await.expect("type");
    browser
        .find(".tetap-send")
        .await
        .click()
        .await
        .expect("send");
    browser.find("li[data-status='sent']").await;

    let anna = relay.agent("anna").await;
    let (_, list) = anna.get("/conversations").await;
    assert_eq!(list[0]["last_message"]["text"], "Hello from Chromium");
    let id = list[0]["id"].as_str().expect("conversation id").to_owned();
    // Only an online agent takes a conversation from the queue (R10): routing or her answer,
    // whichever commits first, gives it to her.
    anna.presence("online").await;
    let (status, _) = anna.reply(&id, "a-1", "Hi Sari, Anna here.").await;
    assert_eq!(status, 201);

    browser.find_text("Hi Sari, Anna here.").await;
    browser.client.close().await.expect("close the browser");
}
