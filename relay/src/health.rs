//! `/healthz`: whether this relay can serve, for a load balancer or an orchestrator. The relay
//! cannot keep or read a conversation without its database, so an unreachable database fails
//! the check (503) and the balancer sends customers to a relay that can serve them.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use std::time::Duration;

/// Longest the check waits for the database: a balancer's probe must get an answer quickly.
const DATABASE_DEADLINE: Duration = Duration::from_secs(2);

/// `200 ok` when the database answers in time, `503` otherwise.
pub async fn check(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(DATABASE_DEADLINE, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
