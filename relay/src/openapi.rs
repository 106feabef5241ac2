//! The agent API's OpenAPI document, served at `/v1/openapi.json` and built from the handlers'
//! own annotations so it cannot drift from the routes.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Every error body: a stable code and a human-readable message.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// e.g. `not_your_conversation`, `conversation_closed`, `at_capacity`, `unauthorized`.
    pub error: String,
    pub message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tetap agent API",
        description = "Sign in, go online, work conversations. Authenticate with the login \
            token as `Authorization: Bearer`, or the session cookie the login sets \
            (cookie-authenticated writes need `Content-Type: application/json`)."
    ),
    paths(
        crate::agent_session::login,
        crate::agent_session::logout,
        crate::agent_api::me,
        crate::agent_api::set_presence,
        crate::agent_api::conversations,
        crate::agent_api::messages,
        crate::agent_api::post_message,
        crate::agent_api::accept,
        crate::agent_api::wait,
        crate::agent_api::end,
        crate::agent_api::typing,
        crate::agent_api::read,
        crate::agent_events::upgrade,
    ),
    components(schemas(ApiErrorBody)),
    modifiers(&Authentication),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub struct AgentApiDoc;

struct Authentication;

impl Modify for Authentication {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::agent_session::SESSION_COOKIE,
            ))),
        );
    }
}

/// `GET /v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(AgentApiDoc::openapi())
}
