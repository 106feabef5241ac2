//! Counting refusals by error code: the HTTP ones from the code an [`crate::error::AppError`]
//! leaves on its response, and the error frames a customer socket sends, through a task-local
//! handle to its relay's metrics.

use super::Metrics;
use axum::extract::State;
use axum::response::Response;
use std::future::Future;
use tetap_shared::ServerFrame;

/// The code of an API error, left on its response by [`crate::error::AppError`] for
/// [`count_refusals`].
#[derive(Clone, Copy, Debug)]
pub struct Refusal(pub &'static str);

/// Counts the HTTP refusals (4xx [`crate::error::AppError`]s) by code; failures of the relay
/// itself (5xx) are not refusals.
pub async fn count_refusals(State(metrics): State<Metrics>, response: Response) -> Response {
    if response.status().is_client_error()
        && let Some(Refusal(code)) = response.extensions().get::<Refusal>()
    {
        metrics.refused(code);
    }
    response
}

tokio::task_local! {
    /// The relay whose customer socket the current task serves: the socket's one `send` counts
    /// error frames through it without every call site carrying the state.
    static SOCKET_METRICS: Metrics;
}

/// Runs a customer socket's session with its error frames counted as refusals. Not an `async
/// fn`: that would hold `session` twice (as its argument and as the awaited future), doubling
/// every idle socket's task.
pub fn counting_refusals<F: Future>(
    metrics: Metrics,
    session: F,
) -> tokio::task::futures::TaskLocalFuture<Metrics, F> {
    SOCKET_METRICS.scope(metrics, session)
}

/// Counts `frame` as a refusal when it is an error frame sent inside [`counting_refusals`]; the
/// relay's own failures (`internal`) are not refusals.
pub fn frame_sent(frame: &ServerFrame) {
    if let ServerFrame::Error { code, .. } = frame
        && *code != tetap_shared::ErrorCode::Internal
    {
        let _ = SOCKET_METRICS.try_with(|metrics| metrics.refused(code.as_str()));
    }
}
