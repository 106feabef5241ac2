//! What the widget's end-to-end tests share: a shop on its own origin whose page embeds the
//! widget under a strict Content-Security-Policy (with token providers that answer late), the
//! relay behind a TCP proxy (`widget_proxy`) whose origin is the relay's as the browser sees it,
//! a fast path that seeds a long conversation, and evaluating script in the page.

use super::browser_support::Browser;
use super::support::{TestRelay, sign, widget_dist};
pub use super::widget_proxy::Proxy;
use axum::Router;
use axum::extract::Query;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use tetap_relay::clock::{Clock, ManualClock};
use tetap_relay::store::{MessageAuthorRow, NewMessage, Store, StoreError};
use tetap_shared::{AuthorKind, ConversationId};
use tokio::net::TcpListener;

/// The shop page's own script: its token provider (the shop's server mints the token) and a
/// record of every Content-Security-Policy violation on the page. `?token=slow` makes the
/// provider answer 3 s after it is asked; `?token=null-first` makes its first answer, 3 s after
/// it is asked, "nobody is signed in" (later calls answer the token). With `&hold=1` those
/// answers also wait for `releaseToken()`, so a test decides what happens before them however
/// slow the machine is. `tokenAnswers` records what it answered, for tests to check what the
/// widget had when.
const SHOP_JS: &str = r#"
window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.tokenAnswers = [];
var tokenCalls = 0;
var release;
var released = new Promise(function (resolve) { release = resolve; });
window.releaseToken = function () { release(); };
function after3s(value) {
  var held = new URLSearchParams(location.search).get('hold') === '1' ? released : null;
  var elapsed = new Promise(function (resolve) { setTimeout(resolve, 3000); });
  return Promise.all([elapsed, held]).then(function () { return value; });
}
window.shop = {
  getToken: function () {
    var query = new URLSearchParams(location.search);
    var sub = query.get('sub'), mode = query.get('token');
    tokenCalls += 1;
    var minted = function () {
      return fetch('/token?sub=' + encodeURIComponent(sub))
        .then(function (r) { return r.json(); })
        .then(function (body) { return body.token; });
    };
    var answer;
    if (mode === 'slow') answer = minted().then(after3s);
    else if (mode === 'null-first' && tokenCalls === 1) answer = after3s(null);
    else answer = minted();
    return answer.then(function (token) {
      tokenAnswers.push(token ? 'token' : 'null');
      return token;
    });
  }
};
"#;

/// A relay behind a proxy, and a shop that embeds it.
pub struct Setup {
    pub relay: TestRelay,
    pub proxy: Proxy,
    pub shop: String,
}

impl Setup {
    /// A relay (with `extra_config`; `{shop}` in it stands for the shop's origin), the proxy in
    /// front of it and the shop.
    pub async fn start(extra_config: &str) -> Self {
        assert!(
            widget_dist().join("index.html").is_file(),
            "the widget is not built: run `cargo xtask test`, which builds it first"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind shop");
        let shop = format!("http://{}", listener.local_addr().expect("address"));
        let extra = extra_config.replace("{shop}", &shop);
        let relay = TestRelay::start_with(Some(&shop), &extra).await;
        let proxy = Proxy::start(relay.addr).await;
        serve_shop(listener, proxy.origin.clone(), relay.clock.clone());
        Setup { relay, proxy, shop }
    }

    /// The shop's page signed in as `sub`, embedding `workstream`; `extra` adds attributes to
    /// the script tag (`data-locale="id"`, …).
    pub fn page(&self, sub: &str, workstream: &str, extra: &str) -> String {
        let query = serde_urlencoded_pairs(&[("sub", sub), ("ws", workstream), ("extra", extra)]);
        format!("{}/?{query}", self.shop)
    }

    /// [`Setup::page`] with the shop's token provider in `mode` (`slow`, `null-first`: see
    /// `SHOP_JS`).
    pub fn page_with_token(&self, sub: &str, workstream: &str, mode: &str) -> String {
        format!("{}&token={}", self.page(sub, workstream, ""), percent(mode))
    }

    /// [`Setup::page_with_token`] whose slow answers also wait for `releaseToken()` on the page.
    pub fn page_with_held_token(&self, sub: &str, workstream: &str, mode: &str) -> String {
        format!("{}&hold=1", self.page_with_token(sub, workstream, mode))
    }

    /// Restarts the relay on the same database (a new port) and points the proxy at it.
    pub async fn restart_relay(&mut self) {
        self.relay.restart().await;
        self.proxy.set_upstream(self.relay.addr);
    }
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct PageQuery {
    sub: String,
    ws: String,
    #[serde(default)]
    extra: String,
}

#[derive(Deserialize)]
struct TokenQuery {
    sub: String,
}

/// The shop: its page allows scripts only from itself and the relay, frames only from the
/// relay, and no inline script or style at all.
fn serve_shop(listener: TcpListener, relay: String, clock: ManualClock) {
    let csp = format!(
        "default-src 'none'; script-src 'self' {relay}; frame-src {relay}; style-src 'self'; \
         connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
    );
    let app = Router::new()
        .route(
            "/",
            get(move |Query(query): Query<PageQuery>| {
                let (relay, csp) = (relay.clone(), csp.clone());
                async move {
                    // The attributes come from the test itself; the sub and workstream are plain.
                    let page = format!(
                        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><p>Signed in as {sub}.</p><script src="/shop.js"></script>
<script src="{relay}/tetap.js" data-workstream="{ws}" data-auth="shop.getToken" {extra} async></script>
</body></html>"#,
                        sub = query.sub,
                        ws = query.ws,
                        extra = query.extra,
                    );
                    ([("content-security-policy", csp)], Html(page))
                }
            }),
        )
        .route(
            "/shop.js",
            get(|| async { ([("content-type", "text/javascript")], SHOP_JS) }),
        )
        .route(
            "/token",
            get(move |Query(query): Query<TokenQuery>| {
                let clock = clock.clone();
                async move { axum::Json(mint(&clock, &query.sub)).into_response() }
            }),
        );
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("shop");
    });
}

/// What the shop's server does for a signed-in customer: a ten-minute token from "now".
fn mint(clock: &ManualClock, sub: &str) -> Value {
    let now = clock.now().as_second();
    let claims = json!({
        "iss": "https://shop.test", "aud": "tetap", "sub": sub, "name": format!("Customer {sub}"),
        "iat": now, "exp": now + 600,
    });
    json!({ "token": sign(&claims, "shop-rsa-private.pem") })
}

/// Seeds conversation `conversation` (started by the customer, so it has one message) up to
/// `total` messages, alternating agent and customer, in one transaction on the relay's own
/// database: the fast path for the history test, not the product's way in.
pub async fn seed(relay: &TestRelay, conversation: &str, total: u64) {
    let url = crate::relay::support::database::store_url(relay.dir.path());
    let store = Store::open(&url).await.expect("open the relay's database");
    let at = relay.now().to_string();
    let conversation = ConversationId::from(conversation);
    let seeded: Result<(), StoreError> = store
        .write(move |tx| {
            for n in 2..=total {
                let (kind, id, name) = if n % 2 == 0 {
                    (AuthorKind::Agent, "anna", Some("Anna".to_owned()))
                } else {
                    (AuthorKind::Customer, "sari", None)
                };
                let author = MessageAuthorRow {
                    kind,
                    id: id.into(),
                    name,
                };
                let new = NewMessage {
                    client_id: (kind == AuthorKind::Customer).then(|| format!("seed-{n}")),
                    text: format!("message {n}"),
                    at: at.clone(),
                };
                tx.insert_message(&conversation, &author, None, &new)?;
            }
            Ok(())
        })
        .await;
    seeded.expect("seed");
    store.close().await;
}

/// The texts of the elements matching `css` in the current frame, in document order.
pub async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let script =
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);";
    let value = browser
        .client
        .execute(script, vec![json!(css)])
        .await
        .expect("read texts");
    serde_json::from_value(value).expect("strings")
}

/// Evaluates `expression` on the host page (outside the widget frame), then goes back into the
/// frame.
pub async fn eval_on_host(browser: &Browser, expression: &str) -> Value {
    browser.on_host_page(&format!("return {expression};")).await
}

/// Evaluates `expression` in the current frame.
pub async fn eval(browser: &Browser, expression: &str) -> Value {
    browser
        .client
        .execute(&format!("return {expression};"), vec![])
        .await
        .unwrap_or_else(|e| panic!("{expression}: {e}"))
}
