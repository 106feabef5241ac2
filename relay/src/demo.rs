//! The demo shop (built only with the `demo` feature, answering on loopback only): a host page
//! that embeds the widget with the real script tag, and a sign-in that mints customer tokens.

use crate::error::{ApiJson, AppError};
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

const SHOP_HTML: &str = include_str!("demo/shop.html");
const SHOP_JS: &str = include_str!("demo/shop.js");
/// Demo tokens live ten minutes, so the widget's refresh path gets exercised.
const TOKEN_LIFETIME_SECONDS: i64 = 600;

/// The demo's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(shop_page))
        .route("/live", get(shop_page_live))
        .route("/demo/shop.js", get(shop_script))
        .route("/demo/token", post(mint_token))
}

fn loopback_only(peer: SocketAddr) -> Result<(), AppError> {
    if peer.ip().is_loopback() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "demo_loopback_only",
            "the demo answers on loopback only",
        ))
    }
}

fn page(workstream: &str, title: &str) -> Response {
    let html = SHOP_HTML
        .replace("{workstream}", workstream)
        .replace("{title}", title);
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            // The host page's own CSP allows only the relay in script-src and frame-src: the
            // loader must work under it.
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self'; frame-src 'self'; style-src 'self' 'unsafe-inline'",
            ),
            (CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

async fn shop_page(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Result<Response, AppError> {
    loopback_only(peer)?;
    Ok(page("support", "Persistent support"))
}

async fn shop_page_live(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Result<Response, AppError> {
    loopback_only(peer)?;
    Ok(page("sales", "Live sales chat"))
}

async fn shop_script(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Result<Response, AppError> {
    loopback_only(peer)?;
    Ok(([(CONTENT_TYPE, "text/javascript; charset=utf-8")], SHOP_JS).into_response())
}

#[derive(Deserialize)]
struct TokenRequest {
    sub: String,
    name: Option<String>,
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    name: Option<&'a str>,
    iat: i64,
    exp: i64,
}

async fn mint_token(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    loopback_only(peer)?;
    let sub = request.sub.trim();
    if sub.is_empty() || sub.len() > 128 {
        return Err(AppError::bad_request(
            "bad_sub",
            "a customer id of 1 to 128 characters",
        ));
    }
    let demo =
        state.config.demo.as_ref().ok_or_else(|| {
            AppError::not_found("no_demo", "the configuration has no [demo] section")
        })?;
    let auth = state
        .config
        .auth(&demo.auth)
        .ok_or_else(|| AppError::internal("demo.auth names no auth setting"))?;
    let pem = tokio::fs::read(&demo.private_key_file)
        .await
        .map_err(AppError::internal)?;
    let key = EncodingKey::from_rsa_pem(&pem).map_err(AppError::internal)?;
    let now = state.clock.now().as_second();
    let claims = Claims {
        iss: &auth.issuer,
        aud: &auth.audience,
        sub,
        name: request
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty()),
        iat: now,
        exp: now + TOKEN_LIFETIME_SECONDS,
    };
    let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key)
        .map_err(AppError::internal)?;
    Ok(Json(TokenResponse { token }))
}
