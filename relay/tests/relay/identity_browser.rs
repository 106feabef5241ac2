//! Customer identity end to end in real Chromium (issue 4): a host site on its own origin whose
//! page signs customers in with tokens its server mints (from the relay's hand-moved clock), a
//! callback-style provider, a token expiring mid-conversation, one customer on two browser
//! profiles, another customer after `Tetap.logout()` on the same one, and an anonymous visitor.

use super::browser_support::Browser;
use super::identity_fixtures;
use super::support::{TestRelay, sign, widget_dist};
use axum::Router;
use axum::extract::Query;
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tetap_relay::clock::{Clock, ManualClock};

/// The host page's own script: who is signed in (from `?sub=`), two token providers that fetch
/// from the host's server — one returning a Promise, one calling back — and sign-out / sign-in
/// as a shop's account menu would do them.
const HOST_JS: &str = r#"
window.shop = (function () {
  var sub = new URLSearchParams(location.search).get('sub');
  function fetchToken() {
    return fetch('/token?sub=' + encodeURIComponent(sub))
      .then(function (r) { return r.json(); })
      .then(function (body) { return body.token; });
  }
  var shop = {
    getToken: function () { return sub ? fetchToken() : Promise.resolve(null); },
    getTokenByCallback: function (done) {
      if (!sub) { setTimeout(function () { done(null); }); return; }
      fetchToken().then(function (token) { setTimeout(function () { done(token); }); });
    },
    signOut: function () { sub = null; Tetap.logout(); },
    signIn: function (who) { sub = who; Tetap.setAuthTokenProvider(shop.getToken); }
  };
  return shop;
})();
"#;

#[derive(Deserialize)]
struct PageQuery {
    /// `promise` (default), `callback`, or `none` (no data-auth: an anonymous visitor).
    provider: Option<String>,
    workstream: Option<String>,
}

#[derive(Deserialize)]
struct TokenQuery {
    sub: String,
}

/// A shop on its own origin, counting the tokens its server hands out.
struct HostSite {
    origin: String,
    tokens_minted: Arc<AtomicUsize>,
}

impl HostSite {
    fn page(&self, query: &str) -> String {
        format!("{}/?{query}", self.origin)
    }

    fn tokens_minted(&self) -> usize {
        self.tokens_minted.load(Ordering::SeqCst)
    }
}

/// Starts the host site; its origin is allowed to embed the relay's workstreams.
async fn start() -> (TestRelay, HostSite) {
    start_with_message_burst(None).await
}

/// Like `start`, with customers allowed only `burst` messages (so a message can stay unsent).
async fn start_with_message_burst(burst: Option<u32>) -> (TestRelay, HostSite) {
    assert!(
        widget_dist().join("index.html").is_file(),
        "the widget is not built: run `cargo xtask test`, which builds it first"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind host site");
    let origin = format!("http://{}", listener.local_addr().expect("address"));
    let extra = identity_fixtures::config(None, Some(&origin));
    let mut relay = TestRelay::start_with(Some(&origin), &extra).await;
    if let Some(burst) = burst {
        relay.message_burst = burst;
        relay.restart().await;
    }
    let relay_origin = relay.url("");
    let clock = relay.clock.clone();
    let tokens_minted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&tokens_minted);
    let app = Router::new()
        .route(
            "/",
            get(move |Query(query): Query<PageQuery>| async move {
                let auth = match query.provider.as_deref() {
                    Some("callback") => r#" data-auth="shop.getTokenByCallback""#,
                    Some("none") => "",
                    _ => r#" data-auth="shop.getToken""#,
                };
                let workstream = query.workstream.unwrap_or_else(|| "support".into());
                Html(format!(
                    r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="/host.js"></script>
<script src="{relay_origin}/tetap.js" data-workstream="{workstream}"{auth} async></script>
</body></html>"#
                ))
            }),
        )
        .route(
            "/host.js",
            get(|| async { ([("content-type", "text/javascript")], HOST_JS) }),
        )
        .route(
            "/token",
            get(move |Query(query): Query<TokenQuery>| {
                let (clock, counter) = (clock.clone(), Arc::clone(&counter));
                async move { axum::Json(mint(&clock, &query.sub, &counter)) }
            }),
        );
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("host site");
    });
    (
        relay,
        HostSite {
            origin,
            tokens_minted,
        },
    )
}

/// What the host's server does for a signed-in customer: a ten-minute token from "now".
fn mint(clock: &ManualClock, sub: &str, counter: &AtomicUsize) -> Value {
    counter.fetch_add(1, Ordering::SeqCst);
    let now = clock.now().as_second();
    let claims = json!({
        "iss": "https://shop.test", "aud": "tetap", "sub": sub, "name": format!("Customer {sub}"),
        "iat": now, "exp": now + 600,
    });
    json!({ "token": sign(&claims, "shop-rsa-private.pem") })
}

/// The customer's messages of the agent's only conversation, oldest first.
async fn customer_texts(relay: &TestRelay) -> Vec<String> {
    let anna = relay.agent("anna").await;
    let (_, list) = anna.get("/conversations").await;
    let conversations = list.as_array().expect("a list");
    assert_eq!(conversations.len(), 1, "{list}");
    let id = conversations[0]["id"].as_str().expect("id");
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
async fn a_callback_style_token_provider_signs_the_customer_in() {
    let (relay, host) = start().await;
    let browser = Browser::launch().await;
    browser
        .open_widget(&host.page("provider=callback&sub=sari"))
        .await;
    browser.say("Signed in by a callback").await;
    assert_eq!(customer_texts(&relay).await, ["Signed in by a callback"]);
    assert!(host.tokens_minted() >= 1);
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn a_token_expiring_mid_conversation_is_renewed_and_nothing_is_lost() {
    let (relay, host) = start().await;
    let browser = Browser::launch().await;
    browser.open_widget(&host.page("sub=sari")).await;
    browser.say("Before the token expired").await;
    let minted = host.tokens_minted();

    // The ten-minute token runs out while the widget stays open.
    relay.clock.advance(Duration::from_secs(700));
    // Refused with token_expired, kept as "sending", a fresh token asked for, the message resent.
    browser.say("After the token expired").await;
    assert!(
        host.tokens_minted() > minted,
        "the provider was asked again"
    );
    assert_eq!(
        customer_texts(&relay).await,
        ["Before the token expired", "After the token expired"]
    );
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn the_same_customer_on_two_browser_profiles_shares_one_conversation() {
    let (relay, host) = start().await;
    let laptop = Browser::launch().await;
    laptop.open_widget(&host.page("sub=sari")).await;
    laptop.say("Written on the laptop").await;
    let anna = relay.agent("anna").await;
    // Only an online agent takes a conversation from the queue (R10).
    anna.presence("online").await;
    let (_, list) = anna.get("/conversations").await;
    let id = list[0]["id"].as_str().expect("conversation id").to_owned();
    let (status, _) = anna.reply(&id, "a-1", "Anna here, on it.").await;
    assert_eq!(status, 201);
    laptop.find_text("Anna here, on it.").await;

    // Another profile: no storage in common, only the identity.
    let phone = Browser::launch().await;
    phone.open_widget(&host.page("sub=sari")).await;
    phone.find_text("Written on the laptop").await;
    phone.find_text("Anna here, on it.").await;
    phone.say("Written on the phone").await;
    laptop.find_text("Written on the phone").await;
    assert_eq!(
        customer_texts(&relay).await,
        ["Written on the laptop", "Written on the phone"]
    );
    laptop.client.close().await.expect("close the laptop");
    phone.client.close().await.expect("close the phone");
}

#[tokio::test]
async fn after_logout_another_customer_on_the_same_browser_never_sees_the_first_ones_chat() {
    // One message each: Sari's second is refused (rate_limited) and stays unsent, kept in the
    // browser for her return.
    let (_relay, host) = start_with_message_burst(Some(1)).await;
    let browser = Browser::launch().await;
    browser.open_widget(&host.page("sub=sari")).await;
    browser.say("Sari's private question").await;
    browser.write("Sari's unsent draft").await;
    browser.find("li[data-status='sending']").await;
    let stored = "return Object.keys(localStorage).filter(k => k.startsWith('tetap:'));";
    let kept = browser.client.execute(stored, vec![]).await.expect("read");
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");

    browser.on_host_page("shop.signOut();").await;
    // Logout forgets everything the widget kept (no DOM shows storage: wait for it to be empty).
    browser
        .wait_until("!Object.keys(localStorage).some(k => k.startsWith('tetap:'))")
        .await;
    assert_eq!(browser.count_text("Sari's private question").await, 0);

    browser.on_host_page("shop.signIn('budi');").await;
    browser.say("Budi's own question").await;
    for sari in ["Sari's private question", "Sari's unsent draft"] {
        assert_eq!(browser.count_text(sari).await, 0, "{sari}");
    }

    // A reload as Budi: his history comes back, never Sari's.
    browser.client.enter_parent_frame().await.expect("leave");
    browser.open_widget(&host.page("sub=budi")).await;
    browser.find_text("Budi's own question").await;
    for sari in ["Sari's private question", "Sari's unsent draft"] {
        assert_eq!(browser.count_text(sari).await, 0, "{sari}");
    }
    browser.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn an_anonymous_visitor_keeps_their_conversation_across_a_reload() {
    let (_relay, host) = start().await;
    let browser = Browser::launch().await;
    let page = host.page("provider=none&workstream=visitors");
    browser.open_widget(&page).await;
    browser.say("Hello from a visitor").await;
    let kept = browser
        .client
        .execute(
            "return Object.keys(localStorage).filter(k => k.startsWith('tetap:v1:visitor'));",
            vec![],
        )
        .await
        .expect("read storage");
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");

    browser.client.enter_parent_frame().await.expect("leave");
    browser.open_widget(&page).await;
    browser.find_text("Hello from a visitor").await;
    assert_eq!(host.tokens_minted(), 0, "no site token was involved");
    browser.client.close().await.expect("close the browser");
}
