//! Reads JSON from the relay, the loader and storage with the browser's own `JSON.parse`, mapping
//! it onto the shared types by hand. Derived serde deserialisers (the internally tagged
//! `ServerFrame` above all) would more than double the size of the wasm every visitor downloads;
//! a browser test round-trips every frame through `ServerFrame::encode` to keep the two in step.

use js_sys::{Array, JSON, Reflect};
use tetap_shared::frames::{ConversationInfo, EarlierConversation, ServerFrame};
use tetap_shared::{
    AgentRef, AuthorKind, ConversationId, ConversationState, CustomerRef, ErrorCode, Message,
    MessageAuthor, Mode,
};
use wasm_bindgen::JsValue;

/// Every error code this build knows; anything else reads as [`ErrorCode::Unknown`].
const ERROR_CODES: [ErrorCode; 16] = [
    ErrorCode::BadFrame,
    ErrorCode::FrameTooLarge,
    ErrorCode::UnsupportedProtocol,
    ErrorCode::HelloRequired,
    ErrorCode::Unauthorized,
    ErrorCode::TokenExpired,
    ErrorCode::UnknownWorkstream,
    ErrorCode::EmptyMessage,
    ErrorCode::MessageTooLong,
    ErrorCode::BadClientId,
    ErrorCode::ClientIdConflict,
    ErrorCode::UnknownConversation,
    ErrorCode::CustomerCannotEnd,
    ErrorCode::OutsideOperatingHours,
    ErrorCode::RateLimited,
    ErrorCode::Internal,
];

/// Parses JSON text; `None` unless it is valid JSON.
pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// The property `name` of `value` (`undefined` when absent or when `value` is no object).
pub fn field(value: &JsValue, name: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// A string property; `None` when absent, `null` or not a string.
pub fn string(value: &JsValue, name: &str) -> Option<String> {
    field(value, name).as_string()
}

/// A non-negative integer property that JSON numbers represent exactly.
pub fn unsigned(value: &JsValue, name: &str) -> Option<u64> {
    let number = field(value, name).as_f64()?;
    let exact = number >= 0.0 && number.fract() == 0.0 && number <= 9_007_199_254_740_991.0;
    exact.then_some(number as u64)
}

/// The items of an array property; `None` when it is no array.
pub fn array(value: &JsValue, name: &str) -> Option<Vec<JsValue>> {
    let items = field(value, name);
    Array::is_array(&items).then(|| Array::from(&items).iter().collect())
}

/// A relay frame; `None` for anything the shared `ServerFrame` would not accept.
pub fn server_frame(text: &str) -> Option<ServerFrame> {
    let v = parse(text)?;
    let conversation_id = || string(&v, "conversation").map(ConversationId);
    Some(match string(&v, "type")?.as_str() {
        "welcome" => ServerFrame::Welcome {
            protocol: u32::try_from(unsigned(&v, "protocol")?).ok()?,
            workstream: string(&v, "workstream")?,
            mode: mode(&string(&v, "mode")?)?,
            customer: {
                let customer = field(&v, "customer");
                CustomerRef {
                    sub: string(&customer, "sub")?,
                    name: string(&customer, "name"),
                    email: string(&customer, "email"),
                }
            },
            conversation: nullable(field(&v, "conversation"), conversation_info)?,
            visitor_token: string(&v, "visitor_token"),
            agent_read_seq: if field(&v, "agent_read_seq").is_undefined() {
                0
            } else {
                unsigned(&v, "agent_read_seq")?
            },
            earlier: optional_array(&v, "earlier", |id| id.as_string().map(ConversationId))?,
            earlier_modes: optional_array(&v, "earlier_modes", |m| mode(&m.as_string()?))?,
            more_earlier: optional_bool(&v, "more_earlier")?,
        },
        "earlier" => ServerFrame::Earlier {
            before: string(&v, "before").map(ConversationId)?,
            conversations: array(&v, "conversations")?
                .iter()
                .map(|c| {
                    Some(EarlierConversation {
                        id: ConversationId(string(c, "id")?),
                        mode: mode(&string(c, "mode")?)?,
                    })
                })
                .collect::<Option<_>>()?,
            more: field(&v, "more").as_bool()?,
        },
        "messages" => ServerFrame::Messages {
            conversation: conversation_id()?,
            messages: array(&v, "messages")?
                .iter()
                .map(message)
                .collect::<Option<_>>()?,
            more_before: field(&v, "more_before").as_bool()?,
        },
        "message" => ServerFrame::Message {
            conversation: conversation_id()?,
            message: message(&field(&v, "message"))?,
        },
        "ack" => ServerFrame::Ack {
            client_id: string(&v, "client_id")?,
            conversation: conversation_id()?,
            seq: unsigned(&v, "seq")?,
            id: string(&v, "id")?,
            at: string(&v, "at")?,
        },
        "state" => ServerFrame::State {
            conversation: conversation_info(&field(&v, "conversation"))?,
        },
        "typing" => ServerFrame::Typing {
            conversation: conversation_id()?,
            agent: agent_ref(&field(&v, "agent"))?,
        },
        "read" => ServerFrame::Read {
            conversation: conversation_id()?,
            seq: unsigned(&v, "seq")?,
        },
        "error" => ServerFrame::Error {
            code: error_code(&string(&v, "code")?),
            message: string(&v, "message")?,
            client_id: string(&v, "client_id"),
        },
        _ => return None,
    })
}

/// A workstream's mode by its wire name.
pub fn mode(name: &str) -> Option<Mode> {
    [Mode::Persistent, Mode::Live]
        .into_iter()
        .find(|mode| mode.as_str() == name)
}

fn error_code(name: &str) -> ErrorCode {
    ERROR_CODES
        .into_iter()
        .find(|code| code.as_str() == name)
        .unwrap_or(ErrorCode::Unknown)
}

/// An array property the relay leaves out when empty; `None` when present but not valid.
fn optional_array<T>(
    value: &JsValue,
    name: &str,
    read: impl Fn(&JsValue) -> Option<T>,
) -> Option<Vec<T>> {
    if field(value, name).is_undefined() {
        return Some(Vec::new());
    }
    array(value, name)?.iter().map(read).collect()
}

/// A boolean property the relay leaves out when false.
fn optional_bool(value: &JsValue, name: &str) -> Option<bool> {
    let found = field(value, name);
    if found.is_undefined() {
        Some(false)
    } else {
        found.as_bool()
    }
}

/// `Some(None)` for `null` or absent, `Some(Some(_))` for a valid value, `None` for an invalid one.
fn nullable<T>(value: JsValue, read: impl Fn(&JsValue) -> Option<T>) -> Option<Option<T>> {
    if value.is_null() || value.is_undefined() {
        Some(None)
    } else {
        read(&value).map(Some)
    }
}

fn conversation_info(v: &JsValue) -> Option<ConversationInfo> {
    Some(ConversationInfo {
        id: ConversationId(string(v, "id")?),
        mode: mode(&string(v, "mode")?)?,
        state: ConversationState::parse(&string(v, "state")?)?,
        agent: nullable(field(v, "agent"), agent_ref)?,
        last_seq: unsigned(v, "last_seq")?,
    })
}

fn agent_ref(agent: &JsValue) -> Option<AgentRef> {
    Some(AgentRef {
        id: string(agent, "id")?,
        name: string(agent, "name")?,
    })
}

/// A stored message as the relay sends it.
pub fn message(v: &JsValue) -> Option<Message> {
    let author = field(v, "author");
    Some(Message {
        seq: unsigned(v, "seq")?,
        id: string(v, "id")?,
        client_id: string(v, "client_id"),
        author: MessageAuthor {
            kind: AuthorKind::parse(&string(&author, "kind")?)?,
            id: string(&author, "id")?,
            name: string(&author, "name"),
        },
        system_kind: string(v, "system_kind"),
        text: string(v, "text")?,
        at: string(v, "at")?,
    })
}
