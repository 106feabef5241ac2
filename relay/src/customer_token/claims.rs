//! What a token says: its header, read before the signature is checked (only `alg` and `kid`
//! count), and its claims, checked after it against the auth setting and the relay's clock.

use super::{TokenError, VerifiedCustomer};
use crate::config::AuthConfig;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::Deserialize;

/// Longest `name` or `email` passed on to the agent; longer ones are dropped, not cut.
const MAX_PROFILE_CLAIM_BYTES: usize = 256;

/// The parts of a JWT header the relay uses. `jku`, `x5u`, `jwk` and `x5c` are deliberately not
/// read: a token never chooses the key that verifies it.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenHeader {
    pub alg: String,
    pub kid: Option<String>,
}

impl TokenHeader {
    /// Reads the header of a compact JWS (`header.payload.signature`) without trusting it.
    pub fn read(token: &str) -> Result<Self, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(_), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| TokenError::Malformed)?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
        let alg = value
            .get("alg")
            .and_then(serde_json::Value::as_str)
            .ok_or(TokenError::Malformed)?;
        Ok(Self {
            alg: alg.to_owned(),
            kid: value
                .get("kid")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
        })
    }
}

/// The claims of a customer token; all optional here so that a missing one gets its own error.
#[derive(Deserialize)]
pub struct Claims {
    sub: Option<String>,
    iss: Option<String>,
    aud: Option<serde_json::Value>,
    exp: Option<i64>,
    iat: Option<i64>,
    nbf: Option<i64>,
    name: Option<String>,
    email: Option<String>,
}

/// What a jsonwebtoken refusal means to the customer.
pub fn decode_error(error: &jsonwebtoken::errors::Error) -> TokenError {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => TokenError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            TokenError::AlgorithmNotAllowed
        }
        _ => TokenError::Malformed,
    }
}

/// Checks issuer, audience, subject and the time claims (with the setting's leeway) at `now`.
pub fn check(
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
    let leeway = i64::try_from(auth.leeway.as_secs()).unwrap_or(60).min(60);
    let now_s = now.as_second();
    if exp.saturating_add(leeway) <= now_s {
        return Err(TokenError::Expired);
    }
    let not_before = claims.nbf.unwrap_or(iat).max(iat);
    if not_before.saturating_sub(leeway) > now_s {
        return Err(TokenError::NotYetValid);
    }
    let max_lifetime = i64::try_from(auth.max_token_lifetime.as_secs()).unwrap_or(i64::MAX);
    if exp.saturating_sub(iat) > max_lifetime {
        return Err(TokenError::LifetimeTooLong);
    }
    let expires_at = Timestamp::from_second(exp).map_err(|_| TokenError::Malformed)?;
    let profile = |claim: Option<String>| {
        claim.filter(|value| !value.trim().is_empty() && value.len() <= MAX_PROFILE_CLAIM_BYTES)
    };
    Ok(VerifiedCustomer {
        issuer,
        subject,
        name: profile(claims.name),
        email: profile(claims.email),
        expires_at,
        visitor_token: None,
    })
}
