//! Anonymous visitors of a live workstream with `anonymous = true` (R2): the relay picks a random
//! visitor id and signs it as a JWT (HS256 under a random per-relay secret kept in the store, so
//! a visitor id survives a relay restart). The widget keeps it per workstream and presents it as
//! its token next time; every hello renews it. The token is bound to its workstream (`aud`).
//!
//! A persistent workstream never accepts one: only anonymous live workstreams look for visitor
//! tokens, and a site's `[[auth]]` never accepts HS256.

use super::claims::TokenHeader;
use super::{TokenError, VerifiedCustomer};
use crate::secret::Secret;
use crate::store::Store;
use jiff::Timestamp;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The issuer of every visitor identity; no `[[auth]]` may use it.
pub const VISITOR_ISSUER: &str = "tetap:visitor";
/// The `kid` that marks a token as the relay's own visitor token.
const VISITOR_KID: &str = "tetap-visitor";
/// How long a visitor token lasts without a visit (each hello renews it).
const LIFETIME_SECONDS: i64 = 30 * 86_400;
/// The name of the signing secret in the store.
const SECRET_NAME: &str = "visitor_token_hmac";
const SECRET_BYTES: usize = 32;

#[derive(Serialize, Deserialize)]
struct VisitorClaims {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    exp: i64,
}

struct VisitorKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// Mints and checks visitor tokens; the secret is read from the store on first use.
#[derive(Clone, Default)]
pub struct Visitors {
    key: Arc<OnceCell<VisitorKey>>,
}

/// Whether the token claims to be a visitor token (its header's `kid`); unverified.
pub fn is_visitor_token(token: &str) -> bool {
    TokenHeader::read(token).is_ok_and(|header| header.kid.as_deref() == Some(VISITOR_KID))
}

impl Visitors {
    /// A new visitor of `workstream`.
    pub async fn mint(
        &self,
        store: &Store,
        workstream: &str,
        now: Timestamp,
    ) -> Result<VerifiedCustomer, TokenError> {
        let subject = uuid::Uuid::new_v4().to_string();
        self.issue(store, workstream, subject, now).await
    }

    /// Checks a visitor token of `workstream` and returns the visitor with a renewed token.
    pub async fn renew(
        &self,
        store: &Store,
        workstream: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<VerifiedCustomer, TokenError> {
        let key = self.key(store).await?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<VisitorClaims>(token, &key.decoding, &validation)
            .map_err(|error| super::claims::decode_error(&error))?
            .claims;
        if claims.iss != VISITOR_ISSUER {
            return Err(TokenError::WrongIssuer);
        }
        if claims.aud != workstream {
            return Err(TokenError::WrongAudience);
        }
        if claims.exp <= now.as_second() {
            return Err(TokenError::Expired);
        }
        self.issue(store, workstream, claims.sub, now).await
    }

    async fn issue(
        &self,
        store: &Store,
        workstream: &str,
        subject: String,
        now: Timestamp,
    ) -> Result<VerifiedCustomer, TokenError> {
        let key = self.key(store).await?;
        let iat = now.as_second();
        let claims = VisitorClaims {
            iss: VISITOR_ISSUER.into(),
            aud: workstream.into(),
            sub: subject.clone(),
            iat,
            exp: iat + LIFETIME_SECONDS,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(VISITOR_KID.into());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .map_err(|_| TokenError::KeysUnavailable)?;
        Ok(VerifiedCustomer {
            issuer: VISITOR_ISSUER.into(),
            subject,
            name: None,
            email: None,
            expires_at: Timestamp::from_second(claims.exp).map_err(|_| TokenError::Malformed)?,
            visitor_token: Some(Secret::new(token)),
        })
    }

    async fn key(&self, store: &Store) -> Result<&VisitorKey, TokenError> {
        self.key
            .get_or_try_init(|| async {
                let mut fresh = [0u8; SECRET_BYTES];
                rand::rng().fill_bytes(&mut fresh);
                let secret = store
                    .relay_secret(SECRET_NAME, &fresh)
                    .await
                    .map_err(|error| {
                        tracing::error!(%error, "the visitor token secret is unavailable");
                        TokenError::KeysUnavailable
                    })?;
                if secret.len() < SECRET_BYTES {
                    tracing::error!("the stored visitor token secret is too short");
                    return Err(TokenError::KeysUnavailable);
                }
                Ok(VisitorKey {
                    encoding: EncodingKey::from_secret(&secret),
                    decoding: DecodingKey::from_secret(&secret),
                })
            })
            .await
    }
}
