//! What the identity tests share: the tokens and keys made by Node's crypto
//! (tests/fixtures/identity/make-fixtures.mjs, not by our signing code), the extra auth settings
//! and workstreams they need, and a JWKS server on 127.0.0.1:0 that counts its fetches.

use super::support::fixture;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tetap_shared::{ErrorCode, ServerFrame};

/// The fixture token for `case` (a key of tokens.json).
pub fn token(case: &str) -> String {
    let path = fixture("identity/tokens.json");
    let tokens: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("tokens.json")).expect("JSON");
    tokens[case]
        .as_str()
        .unwrap_or_else(|| panic!("no fixture token {case}"))
        .to_owned()
}

/// More configuration for [`super::support::TestRelay::start_with`]:
/// - `identity` (persistent): the fixture JWKS file, every algorithm its keys allow;
/// - `remote` (persistent): the same keys from `jwks` over HTTP, RS256 only;
/// - `unreachable` (persistent): a JWKS URL nobody answers;
/// - `visitors`, `visitors-2` (live, `anonymous = true`, no site auth).
pub fn config(jwks: Option<SocketAddr>, host_origin: Option<&str>) -> String {
    let jwks = jwks.map_or_else(|| "127.0.0.1:1".to_owned(), |addr| addr.to_string());
    let origins = host_origin.map_or_else(String::new, |origin| format!("\"{origin}\""));
    format!(
        r#"
[[auth]]
id = "fixtures"
issuer = "https://shop.test"
audience = "tetap"
jwks_file = "{jwks_file}"

[[auth]]
id = "remote"
issuer = "https://shop.test"
audience = "tetap"
jwks_url = "http://{jwks}/jwks.json"
algorithms = ["RS256"]

[[auth]]
id = "unreachable"
issuer = "https://shop.test"
audience = "tetap"
jwks_url = "http://127.0.0.1:1/jwks.json"

[[workstream]]
id = "identity"
mode = "persistent"
auth = "fixtures"

[[workstream]]
id = "remote"
mode = "persistent"
auth = "remote"

[[workstream]]
id = "unreachable"
mode = "persistent"
auth = "unreachable"

[[workstream]]
id = "visitors"
mode = "live"
anonymous = true
allowed_origins = [{origins}]

[[workstream]]
id = "visitors-2"
mode = "live"
anonymous = true
"#,
        jwks_file = fixture("identity/jwks.json").display(),
    )
}

/// The code and text of an `error` frame; panics on anything else.
pub fn refusal(frame: &ServerFrame) -> (ErrorCode, String) {
    match frame {
        ServerFrame::Error { code, message, .. } => (*code, message.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The `sub` a `welcome` names; panics on anything else.
pub fn welcomed_subject(frame: &ServerFrame) -> String {
    match frame {
        ServerFrame::Welcome { customer, .. } => customer.sub.clone(),
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[derive(Default)]
struct Counters {
    site: AtomicUsize,
    attacker: AtomicUsize,
    rotated: AtomicBool,
}

/// A site publishing its JWKS on 127.0.0.1:0 (and an attacker's JWKS beside it), counting
/// every fetch.
pub struct JwksServer {
    pub addr: SocketAddr,
    counters: Arc<Counters>,
    _server: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    pub async fn start() -> Self {
        async fn site(
            State(counters): State<Arc<Counters>>,
        ) -> ([(&'static str, &'static str); 1], Vec<u8>) {
            counters.site.fetch_add(1, Ordering::SeqCst);
            let file = if counters.rotated.load(Ordering::SeqCst) {
                "identity/jwks-rotated.json"
            } else {
                "identity/jwks.json"
            };
            let body = std::fs::read(fixture(file)).expect("JWKS fixture");
            ([("content-type", "application/json")], body)
        }
        async fn attacker(State(counters): State<Arc<Counters>>) -> Vec<u8> {
            counters.attacker.fetch_add(1, Ordering::SeqCst);
            std::fs::read(fixture("identity/attacker-jwks.json")).expect("JWKS fixture")
        }
        let counters = Arc::new(Counters::default());
        let app = Router::new()
            .route("/jwks.json", get(site))
            .route("/attacker.json", get(attacker))
            .with_state(Arc::clone(&counters));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind JWKS server");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("JWKS server");
        });
        Self {
            addr,
            counters,
            _server: server,
        }
    }

    /// How often the site's JWKS was fetched.
    pub fn fetches(&self) -> usize {
        self.counters.site.load(Ordering::SeqCst)
    }

    /// How often the attacker's JWKS was fetched.
    pub fn attacker_fetches(&self) -> usize {
        self.counters.attacker.load(Ordering::SeqCst)
    }

    /// The site adds its new key `rsa-2`.
    pub fn rotate(&self) {
        self.counters.rotated.store(true, Ordering::SeqCst);
    }
}
