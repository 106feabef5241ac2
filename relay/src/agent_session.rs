//! Agent sign-in: password check, session tokens (bearer header or HttpOnly cookie), sign-out.

use crate::config::AgentConfig;
use crate::error::{ApiJson, AppError};
use crate::origin::is_same_origin_or_absent;
use crate::secret::Secret;
use crate::state::AppState;
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::OnceLock;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tetap_session";

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    agent: String,
    #[schema(value_type = String)]
    password: Secret,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    token: String,
}

/// `POST /v1/agent/login`.
#[utoipa::path(post, path = "/v1/agent/login", tag = "agent", request_body = LoginRequest,
    security(()),
    responses((status = 200, description = "also sets the HttpOnly session cookie", body = LoginResponse),
        (status = 401, body = crate::openapi::ApiErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    // Guessing is slowed per agent and per address; only failures spend the allowance.
    let now = state.clock.now();
    let limits = &state.limits;
    let allowed = limits
        .login_per_agent
        .peek(&request.agent, now)
        .and(limits.login_per_ip.peek(&peer.ip(), now));
    if let Err(seconds) = allowed {
        return Err(too_many_attempts(seconds));
    }
    let agent = state.config.agent(&request.agent).cloned();
    let hash = agent
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let permit = state
        .password_checks
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    let password = request.password;
    let matches = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        // An unknown agent costs the same as a known one: no user enumeration by timing.
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(AppError::internal)?;
    let Some(agent) = agent.filter(|_| matches) else {
        let _ = limits.login_per_agent.check(&request.agent, now);
        let _ = limits.login_per_ip.check(&peer.ip(), now);
        return Err(AppError::unauthorized("unknown agent or wrong password"));
    };
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let now = state.clock.now();
    let lifetime = jiff::SignedDuration::try_from(state.config.server.agent_session_lifetime)
        .map_err(AppError::internal)?;
    let expires = now.saturating_add(lifetime).map_err(AppError::internal)?;
    state
        .store
        .create_session(
            &token_hash(&token),
            &agent.id,
            &crate::clock::rfc3339(now),
            &crate::clock::rfc3339(expires),
        )
        .await?;
    tracing::info!(agent = %agent.id, "agent signed in");
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        state.config.server.agent_session_lifetime.as_secs()
    );
    let mut response = Json(LoginResponse { token }).into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
    );
    Ok(response)
}

fn too_many_attempts(seconds: u64) -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many failed sign-ins; try again in {seconds} s"),
    )
}

/// `POST /v1/agent/logout`: ends the session and clears the cookie.
#[utoipa::path(post, path = "/v1/agent/logout", tag = "agent",
    responses((status = 204, description = "signed out and offline"), (status = 401, body = crate::openapi::ApiErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    agent: SignedInAgent,
) -> Result<Response, AppError> {
    state.store.delete_session(&agent.token_hash).await?;
    crate::agent_api::change_presence(&state, &agent.agent.id, crate::agent_api::Presence::Offline)
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("tetap_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(response)
}

/// An agent with a valid session, extracted from `Authorization: Bearer` or the session cookie.
pub struct SignedInAgent {
    pub agent: AgentConfig,
    token_hash: String,
}

impl FromRequestParts<AppState> for SignedInAgent {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (token, by_cookie) =
            session_token(&parts.headers).ok_or_else(|| AppError::unauthorized("sign in first"))?;
        if by_cookie {
            check_cookie_request(parts)?;
        }
        let token_hash = token_hash(token.expose());
        let agent_id = state
            .store
            .session_agent(&token_hash, &state.now_text())
            .await?
            .ok_or_else(|| AppError::unauthorized("the session has ended; sign in again"))?;
        let agent = state
            .config
            .agent(&agent_id)
            .cloned()
            .ok_or_else(|| AppError::unauthorized("this agent no longer exists"))?;
        Ok(Self { agent, token_hash })
    }
}

/// A cookie rides along on cross-site requests, so a cookie-authenticated request must come from
/// the relay's own pages, and writes must be JSON (which a plain HTML form cannot send).
fn check_cookie_request(parts: &Parts) -> Result<(), AppError> {
    if !is_same_origin_or_absent(&parts.headers) {
        return Err(AppError::forbidden(
            "cross_origin",
            "requests from another origin are refused",
        ));
    }
    let is_write = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let is_websocket = parts.headers.contains_key(axum::http::header::UPGRADE);
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_write && !is_websocket && !is_json {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_required",
            "cookie-authenticated writes need Content-Type: application/json",
        ));
    }
    Ok(())
}

fn session_token(headers: &HeaderMap) -> Option<(Secret, bool)> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value
            .strip_prefix("Bearer ")
            .map(|token| (Secret::new(token.trim()), false));
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix("tetap_session="))
        .filter(|token| !token.is_empty())
        .map(|token| (Secret::new(token), true))
}

fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A valid argon2id hash of a random password, verified against for unknown agent ids.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut password = [0u8; 16];
        rand::rng().fill_bytes(&mut password);
        hash_password(&password).unwrap_or_default()
    })
}

/// An argon2id PHC hash of `password` with a random salt (`tetap-relay hash-password`).
pub fn hash_password(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password, &salt)?
        .to_string())
}
