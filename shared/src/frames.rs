//! The customer WebSocket protocol (`/v1/customer/ws`): JSON text frames tagged by `type`.
//!
//! The first client frame is `hello`, carrying the protocol version and the customer's token (a
//! token never travels in a URL). Everything after `hello` is answered or pushed by the relay.

use crate::api::{AgentRef, ConversationState, CustomerRef, Message, Mode};
pub use crate::error_code::ErrorCode;
use crate::ids::ConversationId;
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks. The relay refuses a `hello` with another one.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame a client may send, in bytes (DESIGN.md §4).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Largest message text, in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 4 * 1024;

/// Largest `client_id`, in bytes.
pub const MAX_CLIENT_ID_BYTES: usize = 64;

/// Largest history page a client may ask for; larger requests are clamped.
pub const MAX_HISTORY_PAGE: u32 = 200;

/// How many earlier conversations `welcome` names, and an `earlier` page lists.
pub const EARLIER_PAGE: u32 = 20;

/// Frames the widget sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Opens the session. `resume` asks for everything after a sequence number the widget already has.
    Hello {
        protocol: u32,
        workstream: String,
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Cursor>,
        /// The widget's language (`en`, `id`, …), for system messages.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locale: Option<String>,
    },
    /// A new message. Resending the same `client_id` returns the stored message, never a duplicate.
    Send { client_id: String, text: String },
    /// An older page of the current conversation: the newest `limit` messages below `before`.
    History {
        conversation: ConversationId,
        before: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// A fresh token for a socket whose token is about to expire.
    Auth { token: String },
    /// The customer opened the widget panel: on a `waiting` conversation they have come back (R7).
    Open,
    /// The customer ends the conversation: allowed in live mode only (R4).
    End,
    /// The customer is typing (the widget sends it at most every few seconds while they type).
    Typing,
    /// The customer has seen everything up to `seq` of their current conversation.
    Read {
        conversation: ConversationId,
        seq: u64,
    },
    /// The page of the customer's earlier conversations just older than `before` (one of
    /// theirs, from `welcome` or an earlier page): answered by an `earlier` frame (R9).
    Earlier { before: ConversationId },
}

/// A position in a conversation: "everything after `seq`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub conversation: ConversationId,
    pub after_seq: u64,
}

/// The customer's current conversation, as the widget needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationInfo {
    pub id: ConversationId,
    /// The conversation's own mode: fixed when it starts, whatever the workstream says later.
    pub mode: Mode,
    pub state: ConversationState,
    pub agent: Option<AgentRef>,
    pub last_seq: u64,
}

/// One of the customer's earlier, closed conversations, with the mode it had (R9): its
/// messages are read with `history`, and shown by its own mode's rules (R4, R5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierConversation {
    pub id: ConversationId,
    pub mode: Mode,
}

/// Frames the relay sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to a valid `hello`. `conversation` is absent until the customer's first message (R9).
    Welcome {
        protocol: u32,
        workstream: String,
        mode: Mode,
        customer: CustomerRef,
        conversation: Option<ConversationInfo>,
        /// For an anonymous visitor of a live workstream: the relay-signed visitor id to keep in
        /// browser storage and present as the token next time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor_token: Option<String>,
        /// How far the agent side has read `conversation` (its messages up to here show "read").
        #[serde(default, skip_serializing_if = "is_zero")]
        agent_read_seq: u64,
        /// The customer's newest earlier, closed conversations in this workstream, oldest first
        /// (at most [`EARLIER_PAGE`]): readable with `history` (R9), on any device.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        earlier: Vec<ConversationId>,
        /// The mode of each of `earlier`, in the same order (empty from a relay that predates
        /// it). A separate list, so that `earlier` keeps the shape older widgets read.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        earlier_modes: Vec<Mode>,
        /// Older earlier conversations exist than the first of `earlier`: ask for them with an
        /// `earlier` frame.
        #[serde(default, skip_serializing_if = "is_false")]
        more_earlier: bool,
    },
    /// The answer to an `earlier` frame: the customer's earlier conversations just older than
    /// `before`, oldest first (at most [`EARLIER_PAGE`]); `more` says whether older ones exist.
    /// Empty for a `before` that is not one of the customer's own conversations.
    Earlier {
        before: ConversationId,
        conversations: Vec<EarlierConversation>,
        more: bool,
    },
    /// A batch of stored messages in ascending `seq`: the newest page after `welcome`, what was
    /// missed after a `resume`, or an older page for `history`. `more_before` says whether older
    /// messages exist below the first one.
    Messages {
        conversation: ConversationId,
        messages: Vec<Message>,
        more_before: bool,
    },
    /// A message committed just now, by either side.
    Message {
        conversation: ConversationId,
        message: Message,
    },
    /// The relay committed the customer's message with this `client_id`.
    Ack {
        client_id: String,
        conversation: ConversationId,
        seq: u64,
        id: String,
        at: String,
    },
    /// The conversation's state or agent changed.
    State { conversation: ConversationInfo },
    /// The agent is typing.
    Typing {
        conversation: ConversationId,
        agent: AgentRef,
    },
    /// The agent side has read the customer's messages up to `seq`.
    Read {
        conversation: ConversationId,
        seq: u64,
    },
    /// Something was refused. `client_id` names the message it concerns, if any.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Why a client frame was not understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame is {0} bytes; the limit is {MAX_FRAME_BYTES}")]
    TooLarge(usize),
    #[error("frame is not valid: {0}")]
    Malformed(String),
}

impl FrameError {
    /// The error code the relay answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            FrameError::TooLarge(_) => ErrorCode::FrameTooLarge,
            FrameError::Malformed(_) => ErrorCode::BadFrame,
        }
    }
}

impl ClientFrame {
    /// Parses one text frame, refusing oversize input before parsing it.
    pub fn decode(text: &str) -> Result<Self, FrameError> {
        if text.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(text.len()));
        }
        serde_json::from_str(text).map_err(|error| FrameError::Malformed(error.to_string()))
    }

    /// Serialises the frame as the widget sends it.
    pub fn encode(&self) -> String {
        // Serialising these plain enums cannot fail: no maps with non-string keys, no foreign types.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ServerFrame {
    /// Serialises the frame as the relay sends it.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a relay frame (widget side, and tests).
    pub fn decode(text: &str) -> Result<Self, FrameError> {
        serde_json::from_str(text).map_err(|error| FrameError::Malformed(error.to_string()))
    }

    /// A refusal with its human-readable explanation.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
            client_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_through_json() {
        let hello = ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            workstream: "support".into(),
            token: "t".into(),
            resume: Some(Cursor {
                conversation: "c1".into(),
                after_seq: 7,
            }),
            locale: Some("id".into()),
        };
        assert_eq!(ClientFrame::decode(&hello.encode()), Ok(hello));
    }

    #[test]
    fn frames_are_tagged_by_type_in_snake_case() {
        let json = r#"{"type":"send","client_id":"a","text":"hi"}"#;
        assert_eq!(
            ClientFrame::decode(json),
            Ok(ClientFrame::Send {
                client_id: "a".into(),
                text: "hi".into()
            })
        );
    }

    #[test]
    fn unknown_frame_types_and_fields_are_malformed() {
        for json in [
            r#"{"type":"explode"}"#,
            r#"{"type":"send","client_id":"a","text":"hi","admin":true}"#,
            r#"{"client_id":"a","text":"hi"}"#,
            "not json",
            "",
        ] {
            let error = ClientFrame::decode(json).expect_err(json);
            assert_eq!(error.code(), ErrorCode::BadFrame, "{json}");
        }
    }

    #[test]
    fn oversize_frames_are_refused_before_parsing() {
        let huge = format!(
            r#"{{"type":"send","client_id":"a","text":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert_eq!(
            ClientFrame::decode(&huge).map_err(|e| e.code()),
            Err(ErrorCode::FrameTooLarge)
        );
    }

    #[test]
    fn r9_earlier_pages_are_asked_for_by_the_oldest_conversation_known() {
        let json = r#"{"type":"earlier","before":"c7"}"#;
        assert_eq!(
            ClientFrame::decode(json),
            Ok(ClientFrame::Earlier {
                before: "c7".into()
            })
        );
        let page = ServerFrame::Earlier {
            before: "c7".into(),
            conversations: vec![EarlierConversation {
                id: "c3".into(),
                mode: Mode::Live,
            }],
            more: true,
        };
        assert_eq!(
            page.encode(),
            r#"{"type":"earlier","before":"c7","conversations":[{"id":"c3","mode":"live"}],"more":true}"#
        );
        assert_eq!(ServerFrame::decode(&page.encode()), Ok(page));
    }

    #[test]
    fn a_welcome_from_an_older_relay_still_parses_with_no_more_earlier_conversations() {
        let json = r#"{"type":"welcome","protocol":1,"workstream":"w","mode":"persistent",
            "customer":{"sub":"s"},"conversation":null,"earlier":["c1"]}"#;
        let Ok(ServerFrame::Welcome {
            earlier,
            earlier_modes,
            more_earlier,
            ..
        }) = ServerFrame::decode(json)
        else {
            panic!("a welcome");
        };
        assert_eq!(earlier, ["c1".into()]);
        assert!(earlier_modes.is_empty() && !more_earlier);
    }

    #[test]
    fn unknown_error_codes_from_a_newer_relay_still_parse() {
        let json = r#"{"type":"error","code":"brand_new","message":"m"}"#;
        let frame = ServerFrame::decode(json).expect("parses");
        assert_eq!(frame, ServerFrame::error(ErrorCode::Unknown, "m"));
    }

    #[test]
    fn error_codes_serialise_as_their_names() {
        for code in [ErrorCode::CustomerCannotEnd, ErrorCode::TokenExpired] {
            let json = serde_json::to_string(&code).expect("serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
