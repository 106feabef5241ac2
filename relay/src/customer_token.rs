//! Verifying the customer's JWT from the host site (DESIGN.md §3): the algorithm against the
//! auth setting's allow-list, the key by `kid`, the signature, then issuer, audience, subject and
//! time claims against the relay's clock (so tests can move time).
//!
//! Keys come from the configuration only: a PEM file, a JWKS file or a JWKS URL ([`jwks`]). A
//! token's own `jku`, `x5u`, `jwk` and `x5c` headers are never looked at. An anonymous visitor of
//! a live workstream gets a relay-signed visitor token instead ([`visitor`]).

mod claims;
mod jwks;
mod keys;
mod visitor;

use crate::config::{AuthConfig, Config, WorkstreamConfig};
use crate::secret::Secret;
use crate::store::Store;
use claims::{Claims, TokenHeader};
use jiff::Timestamp;
use jsonwebtoken::{Algorithm, Validation};
use keys::SigningKey;
use std::collections::HashMap;
use std::sync::Arc;
use tetap_shared::ErrorCode;

pub use jwks::{JWKS_MAX_AGE, JWKS_REFETCH_INTERVAL};
pub use visitor::VISITOR_ISSUER;

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
    /// For an anonymous visitor: the (renewed) visitor token to hand back in `welcome`.
    pub visitor_token: Option<Secret>,
}

/// Why a token was refused. The texts go to the customer's widget: they say what is wrong with
/// the token, never what it contains.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("no token: the customer is not signed in")]
    Missing,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not accepted here")]
    AlgorithmNotAllowed,
    #[error("the token's key (kid) is not one of this site's keys")]
    UnknownKey,
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
    #[error("the keys to check the token are not available right now; try again")]
    KeysUnavailable,
}

impl TokenError {
    /// The protocol error code for the refusal: `token_expired` asks the widget for a fresh
    /// token, `internal` to try again later, `unauthorized` for everything else.
    pub fn code(&self) -> ErrorCode {
        match self {
            TokenError::Expired => ErrorCode::TokenExpired,
            TokenError::KeysUnavailable => ErrorCode::Internal,
            _ => ErrorCode::Unauthorized,
        }
    }
}

/// Cannot start: a key file is missing, unreadable or holds no usable public key.
#[derive(Debug, thiserror::Error)]
#[error("auth \"{auth}\": {problem}")]
pub struct KeyLoadError {
    auth: String,
    problem: String,
}

enum KeySource {
    /// From `public_key_file` or `jwks_file`, read once at start.
    Fixed(Vec<SigningKey>),
    Remote(jwks::RemoteJwks),
}

struct AuthKeys {
    settings: AuthConfig,
    /// The allow-list: the configured `algorithms`, else those of the keys.
    algorithms: Vec<Algorithm>,
    source: KeySource,
}

/// Verifies tokens for every `[[auth]]` of the configuration; cheap to clone.
#[derive(Clone)]
pub struct CustomerVerifier {
    by_auth: Arc<HashMap<String, AuthKeys>>,
    visitors: visitor::Visitors,
}

impl CustomerVerifier {
    /// Loads every auth setting's keys (a `jwks_url` is fetched on first use, not here).
    pub fn load(config: &Config) -> Result<Self, KeyLoadError> {
        let mut by_auth = HashMap::new();
        for auth in &config.auth {
            by_auth.insert(auth.id.clone(), load_auth(auth)?);
        }
        Ok(Self {
            by_auth: Arc::new(by_auth),
            visitors: visitor::Visitors::default(),
        })
    }

    /// Checks `token` for `workstream`: with the workstream's own auth setting only, or, on a
    /// live workstream with `anonymous = true`, as a visitor (an empty token mints a new one).
    pub async fn verify_for(
        &self,
        workstream: &WorkstreamConfig,
        token: &Secret,
        store: &Store,
        now: Timestamp,
    ) -> Result<VerifiedCustomer, TokenError> {
        let text = token.expose();
        if text.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        if tetap_shared::rules::identity::accepts_visitors(workstream.mode, workstream.anonymous) {
            if text.is_empty() {
                return self.visitors.mint(store, &workstream.id, now).await;
            }
            if visitor::is_visitor_token(text) {
                return self.visitors.renew(store, &workstream.id, text, now).await;
            }
        }
        match workstream.auth.as_deref() {
            Some(auth_id) => self.verify(auth_id, token, now).await,
            None if text.is_empty() => Err(TokenError::Missing),
            None => Err(TokenError::NoAuth),
        }
    }

    /// Checks `token` with the auth setting `auth_id` at time `now`.
    pub async fn verify(
        &self,
        auth_id: &str,
        token: &Secret,
        now: Timestamp,
    ) -> Result<VerifiedCustomer, TokenError> {
        let token = token.expose();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        let auth = self.by_auth.get(auth_id).ok_or(TokenError::NoAuth)?;
        let header = TokenHeader::read(token)?;
        let algorithm = keys::algorithm(&header.alg)
            .filter(|algorithm| auth.algorithms.contains(algorithm))
            .ok_or(TokenError::AlgorithmNotAllowed)?;
        let kid = header.kid.as_deref();
        let candidates = match &auth.source {
            KeySource::Fixed(keys) => keys::select(keys, kid, algorithm),
            KeySource::Remote(remote) => remote.select(kid, algorithm, now).await?,
        };
        if candidates.is_empty() {
            return Err(TokenError::UnknownKey);
        }
        let validation = signature_only(algorithm);
        // Several keys may fit a token without `kid` (or a site reusing one): any may verify it.
        for key in &candidates {
            match jsonwebtoken::decode::<Claims>(token, &key.key, &validation) {
                Ok(data) => return claims::check(&auth.settings, data.claims, now),
                Err(error) => match claims::decode_error(&error) {
                    TokenError::BadSignature => continue,
                    other => return Err(other),
                },
            }
        }
        Err(TokenError::BadSignature)
    }
}

/// jsonwebtoken checks the signature and the algorithm only; the claims are checked by
/// [`claims::check`] against the relay's clock, not the OS clock.
fn signature_only(algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation
}

fn load_auth(auth: &AuthConfig) -> Result<AuthKeys, KeyLoadError> {
    let error = |problem: String| KeyLoadError {
        auth: auth.id.clone(),
        problem,
    };
    let configured = match &auth.algorithms {
        Some(names) => Some(
            names
                .iter()
                .map(|name| {
                    keys::algorithm(name)
                        .ok_or_else(|| error(format!("algorithms: \"{name}\" is not accepted")))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let (mut source, origin) = if let Some(path) = &auth.public_key_file {
        let origin = format!("public_key_file {}", path.display());
        let pem = std::fs::read(path).map_err(|e| error(format!("{origin}: {e}")))?;
        let key = keys::from_pem(&pem).ok_or_else(|| {
            error(format!(
                "{origin}: not an RSA, P-256 or Ed25519 public key in PEM"
            ))
        })?;
        (KeySource::Fixed(vec![key]), origin)
    } else if let Some(path) = &auth.jwks_file {
        let origin = format!("jwks_file {}", path.display());
        let json = std::fs::read(path).map_err(|e| error(format!("{origin}: {e}")))?;
        let keys = keys::from_jwks(&json).map_err(|e| error(format!("{origin}: {e}")))?;
        (KeySource::Fixed(keys), origin)
    } else if let Some(url) = &auth.jwks_url {
        let remote =
            jwks::RemoteJwks::new(url).map_err(|e| error(format!("jwks_url {url}: {e}")))?;
        (KeySource::Remote(remote), format!("jwks_url {url}"))
    } else {
        return Err(error(
            "no key source: set one of public_key_file, jwks_file or jwks_url".into(),
        ));
    };
    let algorithms = match (configured, &source) {
        (Some(algorithms), _) => algorithms,
        (None, KeySource::Fixed(keys)) => {
            let mut algorithms = Vec::new();
            for key in keys {
                if !algorithms.contains(&key.algorithm) {
                    algorithms.push(key.algorithm);
                }
            }
            algorithms
        }
        (None, KeySource::Remote(_)) => keys::ACCEPTED.to_vec(),
    };
    if let KeySource::Fixed(keys) = &mut source {
        keys.retain(|key| algorithms.contains(&key.algorithm));
        if keys.is_empty() {
            return Err(error(format!(
                "{origin}: no RS256, ES256 or EdDSA signing key for the algorithms allowed"
            )));
        }
    }
    Ok(AuthKeys {
        settings: auth.clone(),
        algorithms,
        source,
    })
}

#[cfg(test)]
mod tests;
