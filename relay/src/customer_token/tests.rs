//! Key loading and verification against the independently made fixtures
//! (relay/tests/fixtures/identity, written by Node's crypto); the attack table itself is driven
//! through the customer socket in relay/tests/relay/identity.rs.

use super::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn token(case: &str) -> Secret {
    let tokens: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("tokens.json")).expect("tokens.json"))
            .expect("tokens JSON");
    Secret::new(tokens[case].as_str().expect(case))
}

/// The test relay's starting time, which the fixture claims are relative to.
fn start() -> Timestamp {
    "2026-11-24T09:00:00Z".parse().expect("time")
}

fn config(auth: &str) -> Config {
    let text = format!(
        "[[auth]]\nid = \"site\"\nissuer = \"https://shop.test\"\naudience = \"tetap\"\n{auth}\n"
    );
    Config::parse(&text, &fixture("tetap.toml")).expect("config")
}

fn verifier(auth: &str) -> CustomerVerifier {
    CustomerVerifier::load(&config(auth)).expect("keys load")
}

async fn check(verifier: &CustomerVerifier, case: &str) -> Result<String, TokenError> {
    verifier
        .verify("site", &token(case), start())
        .await
        .map(|customer| customer.subject)
}

#[tokio::test]
async fn each_pem_key_type_verifies_its_own_algorithm_only() {
    let cases = [
        ("rsa-public.pem", "valid_rs256", "sari"),
        ("p256-public.pem", "valid_es256", "dewi"),
        ("ed25519-public.pem", "valid_eddsa", "eka"),
    ];
    for (file, valid, subject) in cases {
        let verifier = verifier(&format!("public_key_file = \"{file}\""));
        assert_eq!(check(&verifier, valid).await, Ok(subject.into()), "{file}");
        for (_, other, _) in cases.iter().filter(|(f, _, _)| *f != file) {
            assert_eq!(
                check(&verifier, other).await,
                Err(TokenError::AlgorithmNotAllowed),
                "{file} refuses {other}"
            );
        }
    }
}

#[tokio::test]
async fn a_jwks_file_selects_the_key_by_kid_and_never_takes_its_hmac_key() {
    let verifier = verifier("jwks_file = \"jwks.json\"");
    assert_eq!(check(&verifier, "valid_rs256").await, Ok("sari".into()));
    assert_eq!(check(&verifier, "valid_es256").await, Ok("dewi".into()));
    assert_eq!(check(&verifier, "valid_eddsa").await, Ok("eka".into()));
    assert_eq!(
        check(&verifier, "valid_rs256_rotated_key").await,
        Err(TokenError::UnknownKey)
    );
    assert_eq!(
        check(&verifier, "hs256_with_jwks_oct_key").await,
        Err(TokenError::AlgorithmNotAllowed)
    );
}

#[tokio::test]
async fn the_allow_list_narrows_what_the_keys_would_accept() {
    let verifier = verifier("jwks_file = \"jwks.json\"\nalgorithms = [\"EdDSA\"]");
    assert_eq!(check(&verifier, "valid_eddsa").await, Ok("eka".into()));
    assert_eq!(
        check(&verifier, "valid_rs256").await,
        Err(TokenError::AlgorithmNotAllowed)
    );
}

#[tokio::test]
async fn name_and_email_are_passed_on() {
    let verifier = verifier("public_key_file = \"rsa-public.pem\"");
    let customer = verifier
        .verify("site", &token("valid_rs256"), start())
        .await
        .expect("valid");
    assert_eq!(customer.name.as_deref(), Some("Sari Wulandari"));
    assert_eq!(customer.email.as_deref(), Some("sari@shop.test"));
    assert_eq!(customer.issuer, "https://shop.test");
}

#[tokio::test]
async fn time_claims_allow_the_leeway_and_no_more() {
    let verifier = verifier("public_key_file = \"rsa-public.pem\"\nleeway = \"30s\"");
    let at = |seconds: i64| start() + jiff::SignedDuration::from_secs(seconds);
    let valid = token("valid_rs256");
    // exp is start + 600.
    assert!(verifier.verify("site", &valid, at(629)).await.is_ok());
    assert_eq!(
        verifier.verify("site", &valid, at(630)).await,
        Err(TokenError::Expired)
    );
    // nbf is start + 300.
    let early = token("not_yet_valid");
    assert_eq!(
        verifier.verify("site", &early, at(269)).await,
        Err(TokenError::NotYetValid)
    );
    assert!(verifier.verify("site", &early, at(270)).await.is_ok());
}

#[test]
fn key_files_that_hold_no_usable_key_are_named() {
    let error = |auth: &str| match CustomerVerifier::load(&config(auth)) {
        Ok(_) => panic!("{auth} loads"),
        Err(error) => error.to_string(),
    };
    let text = error("public_key_file = \"jwks.json\"");
    assert!(text.contains("auth \"site\": public_key_file "), "{text}");
    assert!(text.contains("jwks.json: not an RSA"), "{text}");
    let text = error("jwks_file = \"rsa-public.pem\"");
    assert!(
        text.contains("jwks_file ") && text.contains("not JSON"),
        "{text}"
    );
    let text = error("public_key_file = \"missing.pem\"");
    assert!(text.contains("missing.pem"), "{text}");
    let text = error("public_key_file = \"rsa-public.pem\"\nalgorithms = [\"ES256\"]");
    assert!(
        text.contains("no RS256, ES256 or EdDSA signing key for the algorithms allowed"),
        "{text}"
    );
}

#[test]
fn only_a_header_with_an_alg_is_read_and_jku_is_not() {
    use claims::TokenHeader;
    let header = |json: &str| {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        TokenHeader::read(&format!("{encoded}.e30.c2ln"))
    };
    assert_eq!(
        header(r#"{"alg":"RS256","kid":"k","jku":"https://evil.test/jwks"}"#),
        Ok(TokenHeader {
            alg: "RS256".into(),
            kid: Some("k".into())
        })
    );
    assert_eq!(header(r#"{"kid":"k"}"#), Err(TokenError::Malformed));
    assert_eq!(TokenHeader::read("only.two"), Err(TokenError::Malformed));
    assert_eq!(TokenHeader::read("a.b.c.d"), Err(TokenError::Malformed));
}
