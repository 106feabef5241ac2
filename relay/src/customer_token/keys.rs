//! The site's public keys as the relay holds them, read from PEM or a JWKS: each with its `kid`
//! (if any) and the one algorithm it verifies. HMAC (`oct`) keys are never taken, whatever a JWKS
//! holds: a customer token is verified with a public key only.

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

/// Every algorithm a customer token may use (DESIGN.md §3).
pub const ACCEPTED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// One public key.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// The accepted algorithm with this JOSE name; `None` for any other (`none`, `HS256`, …).
pub fn algorithm(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "ES256" => Some(Algorithm::ES256),
        "EdDSA" => Some(Algorithm::EdDSA),
        _ => None,
    }
}

/// An RSA, P-256 or Ed25519 public key in PEM (SPKI, or PKCS#1 for RSA).
pub fn from_pem(pem: &[u8]) -> Option<SigningKey> {
    let (algorithm, key) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        (Algorithm::RS256, key)
    } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        (Algorithm::ES256, key)
    } else if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        (Algorithm::EdDSA, key)
    } else {
        return None;
    };
    Some(SigningKey {
        kid: None,
        algorithm,
        key,
    })
}

/// The usable signing keys of a JWKS (RFC 7517): RSA, EC P-256 and OKP Ed25519 keys whose `alg`
/// (if given) matches and whose `use` (if given) is `sig`. Other keys are skipped, so a site may
/// publish more than the relay understands; a JWKS with none usable is an error.
pub fn from_jwks(json: &[u8]) -> Result<Vec<SigningKey>, String> {
    let set: Value = serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
    let entries = set
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("not a JWKS: no \"keys\" array")?;
    let keys: Vec<SigningKey> = entries.iter().filter_map(from_jwk).collect();
    if keys.is_empty() {
        return Err("no RS256, ES256 or EdDSA signing key in it".into());
    }
    Ok(keys)
}

fn from_jwk(jwk: &Value) -> Option<SigningKey> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if text("use").is_some_and(|usage| usage != "sig") {
        return None;
    }
    let (algorithm, key) = match (text("kty")?, text("crv")) {
        ("RSA", _) => (
            Algorithm::RS256,
            DecodingKey::from_rsa_components(text("n")?, text("e")?).ok()?,
        ),
        ("EC", Some("P-256")) => (
            Algorithm::ES256,
            DecodingKey::from_ec_components(text("x")?, text("y")?).ok()?,
        ),
        ("OKP", Some("Ed25519")) => (
            Algorithm::EdDSA,
            DecodingKey::from_ed_components(text("x")?).ok()?,
        ),
        _ => return None,
    };
    if text("alg").is_some_and(|alg| self::algorithm(alg) != Some(algorithm)) {
        return None;
    }
    Some(SigningKey {
        kid: text("kid").map(str::to_owned),
        algorithm,
        key,
    })
}

/// The keys that may have signed a token with this `kid` and algorithm. When the keys carry
/// `kid`s, a token's `kid` must name one of them; keys without `kid` (a PEM file) are all tried.
pub fn select(keys: &[SigningKey], kid: Option<&str>, algorithm: Algorithm) -> Vec<SigningKey> {
    let by_kid = keys.iter().any(|key| key.kid.is_some());
    keys.iter()
        .filter(|key| key.algorithm == algorithm)
        .filter(|key| match kid {
            Some(kid) if by_kid => key.kid.as_deref() == Some(kid),
            _ => true,
        })
        .cloned()
        .collect()
}
