//! One error type for HTTP handlers: a status, a stable code and a message; internals stay opaque.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An API error as clients see it: `{"error": code, "message": text}`.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// A failure the client cannot act on; the cause is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the relay could not complete the request",
        )
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::internal(error)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.code, "message": self.message }));
        let mut response = (self.status, body).into_response();
        // For `/metrics`: the refusal layer counts it by code.
        response
            .extensions_mut()
            .insert(crate::metrics::Refusal(self.code));
        response
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        Self::new(rejection.status(), "bad_request", rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::bad_request("bad_request", rejection.body_text())
    }
}

/// A JSON body whose rejections are answered as [`AppError`]s.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// A query string whose rejections are answered as [`AppError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

impl From<crate::decide::DecideError> for AppError {
    fn from(error: crate::decide::DecideError) -> Self {
        use crate::decide::DecideError;
        use tetap_shared::rules::RuleError;
        match error {
            DecideError::Store(e) => Self::internal(e),
            DecideError::NotFound => {
                Self::not_found("unknown_conversation", "no such conversation")
            }
            DecideError::Refused(rule) => {
                let status = match rule {
                    RuleError::NotYours
                    | RuleError::NotInYourWorkstreams
                    | RuleError::CustomerCannotEnd => StatusCode::FORBIDDEN,
                    RuleError::Closed
                    | RuleError::WrongState(_)
                    | RuleError::AtCapacity
                    | RuleError::Offline => StatusCode::CONFLICT,
                };
                Self::new(status, rule.code(), rule.to_string())
            }
            DecideError::OutsideHours => Self::new(
                StatusCode::CONFLICT,
                "outside_operating_hours",
                "the workstream is outside its operating hours",
            ),
            DecideError::ClientIdConflict => Self::new(
                StatusCode::CONFLICT,
                "client_id_conflict",
                "this client_id names another author's message",
            ),
        }
    }
}
