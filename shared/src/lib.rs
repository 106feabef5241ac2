//! Tetap's shared vocabulary: the ids, the API objects and the versioned WebSocket frames that the
//! widget, the console and the relay exchange. Pure values only, so it compiles for wasm32 and native.

pub mod api;
mod error_code;
pub mod frames;
pub mod ids;
pub mod locale;
pub mod rules;

pub use api::{
    AgentEvent, AgentRef, AuthorKind, Conversation, ConversationState, CustomerRef, Message,
    MessageAuthor, Mode,
};
pub use frames::{ClientFrame, ErrorCode, FrameError, PROTOCOL_VERSION, ServerFrame};
pub use ids::ConversationId;
pub use locale::Locale;
