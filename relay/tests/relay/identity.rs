//! Customer identity over the customer socket (DESIGN.md §3 "Customer token"): tokens made by
//! Node's crypto, every forged or misused one refused with a clear code, name and email passed to
//! the agent, and no token ever in the relay's logs.

use super::identity_fixtures::{config, refusal, token, welcomed_subject};
use super::support::TestRelay;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tetap_shared::frames::ClientFrame;
use tetap_shared::{ErrorCode, ServerFrame};

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_each_sign_their_customer_in() {
    let relay = TestRelay::start_with(None, &config(None, None)).await;
    for (case, subject) in [
        ("valid_rs256", "sari"),
        ("valid_es256", "dewi"),
        ("valid_eddsa", "eka"),
    ] {
        let (_socket, welcome) = relay.customer("identity", &token(case)).await;
        assert_eq!(welcomed_subject(&welcome), subject, "{case}");
    }
}

/// The attack table of issue 4: each case, the code the relay answers, and what its text says.
const ATTACKS: [(&str, ErrorCode, &str); 15] = [
    (
        "alg_none",
        ErrorCode::Unauthorized,
        "algorithm is not accepted",
    ),
    (
        "hs256_with_rsa_public_key",
        ErrorCode::Unauthorized,
        "algorithm is not accepted",
    ),
    (
        "hs256_with_jwks_oct_key",
        ErrorCode::Unauthorized,
        "algorithm is not accepted",
    ),
    ("expired", ErrorCode::TokenExpired, "has expired"),
    ("not_yet_valid", ErrorCode::Unauthorized, "not valid yet"),
    (
        "issued_in_the_future",
        ErrorCode::Unauthorized,
        "not valid yet",
    ),
    (
        "lifetime_too_long",
        ErrorCode::Unauthorized,
        "lives longer than this site allows",
    ),
    (
        "wrong_issuer",
        ErrorCode::Unauthorized,
        "issued by someone else",
    ),
    (
        "wrong_audience",
        ErrorCode::Unauthorized,
        "meant for another audience",
    ),
    (
        "unknown_kid",
        ErrorCode::Unauthorized,
        "key (kid) is not one of this site's keys",
    ),
    (
        "wrong_key",
        ErrorCode::Unauthorized,
        "signature does not verify",
    ),
    (
        "tampered_payload",
        ErrorCode::Unauthorized,
        "signature does not verify",
    ),
    (
        "missing_sub",
        ErrorCode::Unauthorized,
        "lacks the required claim `sub`",
    ),
    (
        "oversized",
        ErrorCode::Unauthorized,
        "longer than 8192 bytes",
    ),
    (
        "valid_rs256_rotated_key",
        ErrorCode::Unauthorized,
        "key (kid) is not one of",
    ),
];

#[tokio::test]
async fn every_forged_or_misused_token_is_refused_with_a_clear_code_and_the_socket_closed() {
    let relay = TestRelay::start_with(None, &config(None, None)).await;
    for (case, code, text) in ATTACKS {
        let (mut socket, answer) = relay.customer("identity", &token(case)).await;
        let (got_code, got_text) = refusal(&answer);
        assert_eq!(got_code, code, "{case}: {got_text}");
        assert!(got_text.contains(text), "{case}: {got_text}");
        assert_eq!(socket.next_or_close().await, None, "{case}: socket closed");
    }
    // Nothing refused started anything: the real customer has no conversation yet.
    let (_, welcome) = relay.customer("identity", &token("valid_rs256")).await;
    assert!(matches!(
        welcome,
        ServerFrame::Welcome {
            conversation: None,
            ..
        }
    ));
}

#[tokio::test]
async fn a_workstream_verifies_only_with_its_own_auth_setting() {
    let relay = TestRelay::start_with(None, &config(None, None)).await;
    // `support` uses the shop's PEM RSA key: the fixture site's keys mean nothing there.
    let (_, answer) = relay.customer("support", &token("valid_eddsa")).await;
    assert_eq!(refusal(&answer).0, ErrorCode::Unauthorized);
    let (_, answer) = relay.customer("support", &token("valid_rs256")).await;
    assert_eq!(
        refusal(&answer),
        (
            ErrorCode::Unauthorized,
            "the token's signature does not verify".into()
        )
    );
    // And the shop's token means nothing to `identity`.
    let (_, answer) = relay.customer("identity", &relay.token("sari")).await;
    assert_eq!(refusal(&answer).0, ErrorCode::Unauthorized);
}

#[tokio::test]
async fn name_and_email_from_the_token_reach_the_agent() {
    let relay = TestRelay::start().await;
    let now = relay.now().as_second();
    let token = relay.token_with(json!({
        "iss": "https://shop.test", "aud": "tetap", "sub": "sari", "iat": now, "exp": now + 600,
        "name": "Sari Wulandari", "email": "sari@shop.test",
    }));
    let (mut socket, _) = relay.customer("support", &token).await;
    socket.say("c-1", "Where is my parcel?").await;
    socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    let anna = relay.agent("anna").await;
    let (status, list) = anna.get("/conversations").await;
    assert_eq!(status, 200);
    assert_eq!(
        list[0]["customer"],
        json!({"sub": "sari", "name": "Sari Wulandari", "email": "sari@shop.test"})
    );
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

#[tokio::test]
async fn customer_tokens_never_reach_the_logs() {
    use tracing_subscriber::layer::SubscriberExt;
    // tracing caches per call site whether anyone listens, process-wide. With this test's
    // thread-local subscriber as the only one, a call site first reached by a sibling test's
    // thread would be cached as "nobody listens" and this capture would miss it. A silent global
    // subscriber makes the cache consult every registered subscriber, this one included.
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::OFF),
    );
    // Dependencies log through `log` (tungstenite prints received frames at trace level): forward
    // those too. Another test of this binary may have installed the bridge already.
    let _ = tracing_log::LogTracer::init();
    let logs = Captured::default();
    let writer = logs.clone();
    // Everything, at trace level, through the filter the relay's binary uses. The test runs on a
    // current-thread runtime: the relay's tasks run on this thread and log here.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tetap_relay::secret::quiet_frame_logs(
            tracing_subscriber::EnvFilter::new("trace"),
        ))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let relay = TestRelay::start_with(None, &config(None, None)).await;
    let valid = relay.token("sari");
    let fresh = {
        relay.clock.advance(std::time::Duration::from_secs(60));
        relay.token("sari")
    };
    let refused = token("wrong_key");
    let expired = token("expired");
    let (mut socket, _) = relay.customer("support", &valid).await;
    socket.say("c-1", "hello").await;
    socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    socket
        .send(&ClientFrame::Auth {
            token: fresh.clone(),
        })
        .await;
    socket.say("c-2", "after auth").await;
    socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    drop(socket);
    for bad in [&refused, &expired] {
        let (mut socket, answer) = relay.customer("identity", bad).await;
        refusal(&answer);
        assert_eq!(socket.next_or_close().await, None);
    }
    let (_, welcome) = relay.customer("visitors", "").await;
    let ServerFrame::Welcome {
        visitor_token: Some(visitor),
        ..
    } = welcome
    else {
        panic!("expected a visitor token")
    };
    relay.customer("visitors", &visitor).await;

    let text = logs.text();
    // The capture works: the refusals and the socket requests were logged.
    assert!(text.contains("customer token refused"), "{text}");
    assert!(text.contains("/v1/customer/ws"), "{text}");
    for secret in [&valid, &fresh, &refused, &expired, &visitor] {
        let signature = secret.rsplit('.').next().unwrap_or_default();
        assert!(!text.contains(secret.as_str()), "a token was logged");
        assert!(!text.contains(signature), "a token's signature was logged");
    }
}
