//! Verifying the customer's JWT from the host site (DESIGN.md §3): signature, issuer, audience,
//! subject and time claims, checked against the relay's clock.

use crate::config::{AuthConfig, Config};
use crate::secret::Secret;
use jiff::Timestamp;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use tetap_shared::ErrorCode;

/// Longest token accepted, in bytes; anything longer is refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A customer whose token checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCustomer {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub expires_at: Timestamp,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not accepted here")]
    AlgorithmNotAllowed,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is meant for another audience")]
    WrongAudience,
    #[error("the token lacks the required claim `{0}`")]
    MissingClaim(&'static str),
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token lives longer than this site allows")]
    LifetimeTooLong,
    #[error("this workstream has no authentication settings")]
    NoAuth,
}

impl TokenError {
    /// The protocol error code for the refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            TokenError::Expired => ErrorCode::TokenExpired,
            _ => ErrorCode::Unauthorized,
        }
    }
}

/// Cannot start: a key file is missing or not a public key.
#[derive(Debug, thiserror::Error)]
#[error("auth \"{auth}\": {problem}")]
pub struct KeyLoadError {
    auth: String,
    problem: String,
}

struct AuthKeys {
    settings: AuthConfig,
    keys: Vec<(Algorithm, DecodingKey)>,
}

/// Verifies tokens for every `[[auth]]` of the configuration; cheap to clone.
#[derive(Clone)]
pub struct CustomerVerifier {
    by_auth: Arc<HashMap<String, AuthKeys>>,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    iss: Option<String>,
    aud: Option<serde_json::Value>,
    exp: Option<i64>,
    iat: Option<i64>,
    nbf: Option<i64>,
    name: Option<String>,
    email: Option<String>,
}

impl CustomerVerifier {
    /// Loads every auth setting's public key.
    pub fn load(config: &Config) -> Result<Self, KeyLoadError> {
        let mut by_auth = HashMap::new();
        for auth in &config.auth {
            let error = |problem: String| KeyLoadError {
                auth: auth.id.clone(),
                problem,
            };
            let path = auth
                .public_key_file
                .as_ref()
                .ok_or_else(|| error("no key source".into()))?;
            let pem = std::fs::read(path)
                .map_err(|e| error(format!("public_key_file {}: {e}", path.display())))?;
            let key = public_key_from_pem(&pem).ok_or_else(|| {
                error(format!(
                    "public_key_file {}: not an RSA, P-256 or Ed25519 public key in PEM",
                    path.display()
                ))
            })?;
            by_auth.insert(
                auth.id.clone(),
                AuthKeys {
                    settings: auth.clone(),
                    keys: vec![key],
                },
            );
        }
        Ok(Self {
            by_auth: Arc::new(by_auth),
        })
    }

    /// Checks `token` with the auth setting `auth_id` at time `now`.
    pub fn verify(
        &self,
        auth_id: &str,
        token: &Secret,
        now: Timestamp,
    ) -> Result<VerifiedCustomer, TokenError> {
        let token = token.expose();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let auth = self.by_auth.get(auth_id).ok_or(TokenError::NoAuth)?;
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let (algorithm, key) = auth
            .keys
            .iter()
            .find(|(algorithm, _)| *algorithm == header.alg)
            .ok_or(TokenError::AlgorithmNotAllowed)?;
        let mut validation = Validation::new(*algorithm);
        // Time claims are checked below against the relay's clock, not the OS clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::InvalidAlgorithm => TokenError::AlgorithmNotAllowed,
                _ => TokenError::Malformed,
            }
        })?;
        check_claims(&auth.settings, data.claims, now)
    }
}

fn public_key_from_pem(pem: &[u8]) -> Option<(Algorithm, DecodingKey)> {
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Some((Algorithm::RS256, key));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        return Some((Algorithm::ES256, key));
    }
    if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        return Some((Algorithm::EdDSA, key));
    }
    None
}

fn check_claims(
    auth: &AuthConfig,
    claims: Claims,
    now: Timestamp,
) -> Result<VerifiedCustomer, TokenError> {
    let issuer = claims.iss.ok_or(TokenError::MissingClaim("iss"))?;
    if issuer != auth.issuer {
        return Err(TokenError::WrongIssuer);
    }
    let audience_matches = match claims.aud.ok_or(TokenError::MissingClaim("aud"))? {
        serde_json::Value::String(aud) => aud == auth.audience,
        serde_json::Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(&auth.audience)),
        _ => false,
    };
    if !audience_matches {
        return Err(TokenError::WrongAudience);
    }
    let subject = claims
        .sub
        .filter(|s| !s.is_empty())
        .ok_or(TokenError::MissingClaim("sub"))?;
    let exp = claims.exp.ok_or(TokenError::MissingClaim("exp"))?;
    let iat = claims.iat.ok_or(TokenError::MissingClaim("iat"))?;
    let leeway = i64::try_from(auth.leeway.as_secs()).unwrap_or(60);
    let now_s = now.as_second();
    if exp + leeway <= now_s {
        return Err(TokenError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf - leeway > now_s) || iat - leeway > now_s {
        return Err(TokenError::NotYetValid);
    }
    let max_lifetime = i64::try_from(auth.max_token_lifetime.as_secs()).unwrap_or(i64::MAX);
    if exp.saturating_sub(iat) > max_lifetime {
        return Err(TokenError::LifetimeTooLong);
    }
    let expires_at = Timestamp::from_second(exp).map_err(|_| TokenError::Malformed)?;
    Ok(VerifiedCustomer {
        issuer,
        subject,
        name: claims.name,
        email: claims.email,
        expires_at,
    })
}
