//! Keys from a JWKS URL served on 127.0.0.1:0: fetched on first use, cached, fetched again for an
//! unknown `kid` at most once a minute by the relay's clock, never from a token's `jku`/`x5u`.

use super::identity_fixtures::{JwksServer, config, refusal, token, welcomed_subject};
use super::support::{TestRelay, fixture};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use std::time::Duration;
use tetap_shared::ErrorCode;

const A_MINUTE_AND_A_BIT: Duration = Duration::from_secs(61);

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_at_most_once_a_minute() {
    let jwks = JwksServer::start().await;
    let relay = TestRelay::start_with(None, &config(Some(jwks.addr), None)).await;
    assert_eq!(
        jwks.fetches(),
        0,
        "nothing is fetched before a token needs it"
    );

    let (_, welcome) = relay.customer("remote", &token("valid_rs256")).await;
    assert_eq!(welcomed_subject(&welcome), "sari");
    assert_eq!(jwks.fetches(), 1);
    relay.customer("remote", &token("valid_rs256")).await;
    assert_eq!(jwks.fetches(), 1, "known keys come from the cache");

    // The site starts signing with a new key: within the minute, the relay does not ask again.
    jwks.rotate();
    let rotated = token("valid_rs256_rotated_key");
    for _ in 0..3 {
        let (_, answer) = relay.customer("remote", &rotated).await;
        assert_eq!(refusal(&answer).0, ErrorCode::Unauthorized);
    }
    assert_eq!(jwks.fetches(), 1, "at most one fetch a minute");

    relay.clock.advance(A_MINUTE_AND_A_BIT);
    let (_, welcome) = relay.customer("remote", &rotated).await;
    assert_eq!(welcomed_subject(&welcome), "fajar");
    assert_eq!(jwks.fetches(), 2);

    // Made-up kids cannot make the relay hammer the site.
    for _ in 0..5 {
        let (_, answer) = relay.customer("remote", &token("unknown_kid")).await;
        assert!(refusal(&answer).1.contains("kid"));
    }
    assert_eq!(jwks.fetches(), 2);
    relay.clock.advance(A_MINUTE_AND_A_BIT);
    relay.customer("remote", &token("unknown_kid")).await;
    relay.customer("remote", &token("unknown_kid")).await;
    assert_eq!(jwks.fetches(), 3);
}

#[tokio::test]
async fn the_allow_list_applies_to_keys_from_a_url() {
    let jwks = JwksServer::start().await;
    let relay = TestRelay::start_with(None, &config(Some(jwks.addr), None)).await;
    // `remote` allows RS256 only, though its JWKS also holds P-256 and Ed25519 keys.
    for case in [
        "valid_es256",
        "valid_eddsa",
        "hs256_with_jwks_oct_key",
        "alg_none",
    ] {
        let (_, answer) = relay.customer("remote", &token(case)).await;
        assert_eq!(
            refusal(&answer),
            (
                ErrorCode::Unauthorized,
                "the token's algorithm is not accepted here".into()
            ),
            "{case}"
        );
    }
    assert_eq!(jwks.fetches(), 0, "refused before any key was needed");
}

#[tokio::test]
async fn a_tokens_jku_and_x5u_are_never_followed() {
    let jwks = JwksServer::start().await;
    let relay = TestRelay::start_with(None, &config(Some(jwks.addr), None)).await;
    let now = relay.now().as_second();
    let attacker = format!("http://{}/attacker.json", jwks.addr);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("evil-1".into());
    header.jku = Some(attacker.clone());
    header.x5u = Some(attacker);
    let pem = std::fs::read(fixture("identity/attacker-rsa-private.pem")).expect("key");
    let claims = json!({
        "iss": "https://shop.test", "aud": "tetap", "sub": "sari", "iat": now, "exp": now + 600,
    });
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(&pem).expect("rsa key"),
    )
    .expect("sign");
    for workstream in ["remote", "identity"] {
        let (_, answer) = relay.customer(workstream, &forged).await;
        assert_eq!(refusal(&answer).0, ErrorCode::Unauthorized, "{workstream}");
    }
    assert_eq!(jwks.attacker_fetches(), 0);
    assert_eq!(jwks.fetches(), 1, "only the configured URL was asked");
}

#[tokio::test]
async fn an_unreachable_jwks_is_a_temporary_refusal_not_a_verdict() {
    let relay = TestRelay::start_with(None, &config(None, None)).await;
    let (mut socket, answer) = relay.customer("unreachable", &token("valid_rs256")).await;
    let (code, text) = refusal(&answer);
    assert_eq!(code, ErrorCode::Internal, "{text}");
    assert!(text.contains("try again"), "{text}");
    assert_eq!(socket.next_or_close().await, None);
}
