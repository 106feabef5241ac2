//! Writing frames and closes to a customer socket.

use super::CLOSE_POLICY;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use tetap_shared::{ErrorCode, ServerFrame};

pub(super) fn internal(error: crate::store::StoreError) -> ServerFrame {
    tracing::error!(%error, "customer request failed");
    ServerFrame::error(
        ErrorCode::Internal,
        "the relay could not complete the request",
    )
}

/// Sends one frame. Boxed, like the other writes here: a write's state is short-lived, and kept
/// inline it would size every idle session's future.
pub(super) async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), axum::Error> {
    crate::metrics::frame_sent(frame);
    Box::pin(socket.send(WsMessage::Text(frame.encode().into()))).await
}

pub(super) async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.to_owned().into(),
    };
    let _ = Box::pin(socket.send(WsMessage::Close(Some(frame)))).await;
}

/// Explains the refusal, then closes the socket.
pub(super) async fn refuse(socket: &mut WebSocket, code: ErrorCode, message: &str) {
    if send(socket, &ServerFrame::error(code, message))
        .await
        .is_ok()
    {
        close(socket, CLOSE_POLICY, code.as_str()).await;
    }
}
