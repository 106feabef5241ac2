//! The stable, machine-readable codes of refusals: in a customer `error` frame and in an HTTP
//! error body alike, so clients match on one list.

use serde::{Deserialize, Serialize};

/// Machine-readable reasons for an `error` frame or an HTTP error body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadFrame,
    FrameTooLarge,
    UnsupportedProtocol,
    HelloRequired,
    Unauthorized,
    TokenExpired,
    UnknownWorkstream,
    EmptyMessage,
    MessageTooLong,
    BadClientId,
    ClientIdConflict,
    UnknownConversation,
    CustomerCannotEnd,
    OutsideOperatingHours,
    RateLimited,
    Internal,
    /// A code this build does not know yet (sent by a newer relay).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The snake_case name, as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadFrame => "bad_frame",
            ErrorCode::FrameTooLarge => "frame_too_large",
            ErrorCode::UnsupportedProtocol => "unsupported_protocol",
            ErrorCode::HelloRequired => "hello_required",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::UnknownWorkstream => "unknown_workstream",
            ErrorCode::EmptyMessage => "empty_message",
            ErrorCode::MessageTooLong => "message_too_long",
            ErrorCode::BadClientId => "bad_client_id",
            ErrorCode::ClientIdConflict => "client_id_conflict",
            ErrorCode::UnknownConversation => "unknown_conversation",
            ErrorCode::CustomerCannotEnd => "customer_cannot_end",
            ErrorCode::OutsideOperatingHours => "outside_operating_hours",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unknown => "unknown",
        }
    }
}
