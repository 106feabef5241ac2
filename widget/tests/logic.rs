//! The widget's logic without the view, in headless Chromium: the chat model, the loader
//! protocol's checks, backoff, URL parameters, languages and identity.
#![cfg(target_arch = "wasm32")]

use tetap_shared::frames::{ConversationInfo, Cursor, ServerFrame};
use tetap_shared::{
    AgentRef, AuthorKind, ConversationId, ConversationState, CustomerRef, ErrorCode, Message,
    MessageAuthor, Mode,
};
use tetap_widget::backoff;
use tetap_widget::bridge::{
    Inbound, Outbound, accepts, encode_outbound, host_allowed, parse_inbound,
};
use tetap_widget::chat::{Chat, Effect, Status};
use tetap_widget::i18n::{Locale, LocaleStrings};
use tetap_widget::identity::{
    MIN_REFRESH_MS, base64url_decode, forget_visitor, format_uuid_v4, load_visitor, new_client_id,
    refresh_delay_ms, save_visitor, storage_key,
};
use tetap_widget::outbox::{self, Kept};
use tetap_widget::params::{Params, Theme, sanitize_color};
use tetap_widget::wire;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message(seq: u64, kind: AuthorKind, client_id: Option<&str>, text: &str) -> Message {
    Message {
        seq,
        id: format!("m{seq}"),
        client_id: client_id.map(str::to_owned),
        author: MessageAuthor {
            kind,
            id: "x".into(),
            name: None,
        },
        system_kind: None,
        text: text.into(),
        at: "2026-11-24T01:00:00Z".into(),
    }
}

fn texts(chat: &Chat) -> Vec<&str> {
    chat.entries.iter().map(|e| e.text.as_str()).collect()
}

fn welcome(conversation: Option<&str>) -> ServerFrame {
    ServerFrame::Welcome {
        protocol: 1,
        workstream: "support".into(),
        mode: Mode::Persistent,
        customer: CustomerRef {
            sub: "cust-1".into(),
            name: None,
            email: None,
        },
        conversation: conversation.map(|id| ConversationInfo {
            id: id.into(),
            state: ConversationState::Active,
            agent: Some(AgentRef {
                id: "anna".into(),
                name: "Anna".into(),
            }),
            last_seq: 0,
        }),
        visitor_token: None,
        agent_read_seq: 0,
        earlier: Vec::new(),
    }
}

#[wasm_bindgen_test]
fn our_own_message_echoed_by_the_relay_replaces_the_pending_one() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("a", "hi");
    let effect = chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(4, AuthorKind::Customer, Some("a"), "hi"),
    });
    assert_eq!(effect, Effect::Nothing, "our own message is not incoming");
    assert_eq!(texts(&chat), ["hi"]);
    assert_eq!(chat.entries[0].status, Status::Sent);
    assert_eq!(chat.entries[0].seq, Some(4));
}

#[wasm_bindgen_test]
fn a_message_from_another_tab_is_added_once() {
    let mut chat = Chat::new(Mode::Persistent);
    for _ in 0..2 {
        chat.apply(ServerFrame::Message {
            conversation: "c1".into(),
            message: message(1, AuthorKind::Customer, Some("other-tab"), "from my phone"),
        });
    }
    assert_eq!(texts(&chat), ["from my phone"]);
}

#[wasm_bindgen_test]
fn history_is_ordered_by_seq_and_pending_messages_stay_last() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("p", "still sending");
    chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![
            message(5, AuthorKind::Agent, None, "five"),
            message(6, AuthorKind::Customer, Some("q"), "six"),
        ],
        more_before: true,
    });
    chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![message(3, AuthorKind::Agent, None, "three")],
        more_before: false,
    });
    assert_eq!(texts(&chat), ["three", "five", "six", "still sending"]);
    assert!(
        !chat.has_older(),
        "the oldest page says there is nothing above"
    );
    assert_eq!(
        chat.resume_cursor(),
        Some(Cursor {
            conversation: "c1".into(),
            after_seq: 6
        })
    );
    assert_eq!(
        chat.pending(),
        [("p".to_owned(), "still sending".to_owned())]
    );
}

#[wasm_bindgen_test]
fn only_messages_after_what_we_had_count_as_incoming() {
    let mut chat = Chat::new(Mode::Persistent);
    let first = chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![message(1, AuthorKind::Agent, None, "old")],
        more_before: false,
    });
    assert_eq!(first, Effect::Nothing, "the first page is history");
    let resumed = chat.apply(ServerFrame::Messages {
        conversation: "c1".into(),
        messages: vec![message(2, AuthorKind::Agent, None, "missed while offline")],
        more_before: false,
    });
    assert!(matches!(resumed, Effect::Incoming(ref m) if m.len() == 1));
    let pushed = chat.apply(ServerFrame::Message {
        conversation: "c1".into(),
        message: message(3, AuthorKind::Agent, None, "new"),
    });
    assert!(matches!(pushed, Effect::Incoming(ref m) if m[0].text == "new"));
}

#[wasm_bindgen_test]
fn token_errors_ask_for_a_new_token_and_permanent_refusals_fail_the_message() {
    let mut chat = Chat::new(Mode::Persistent);
    chat.push_local("a", "x");
    chat.push_local("b", "y");
    for code in [ErrorCode::TokenExpired, ErrorCode::Unauthorized] {
        assert_eq!(
            chat.apply(ServerFrame::error(code, "m")),
            Effect::TokenNeeded
        );
    }
    let refused = ServerFrame::Error {
        code: ErrorCode::MessageTooLong,
        message: "too long".into(),
        client_id: Some("a".into()),
    };
    assert_eq!(chat.apply(refused), Effect::Nothing);
    let limited = ServerFrame::Error {
        code: ErrorCode::RateLimited,
        message: "slow down".into(),
        client_id: Some("b".into()),
    };
    assert!(matches!(
        chat.apply(limited),
        Effect::Error {
            code: ErrorCode::RateLimited,
            ..
        }
    ));
    let statuses: Vec<Status> = chat.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [Status::Failed, Status::Sending],
        "rate-limited messages are retried"
    );
    assert_eq!(chat.pending().len(), 1);
}

#[wasm_bindgen_test]
fn welcome_and_state_frames_name_the_agent() {
    let mut chat = Chat::default();
    assert_eq!(chat.apply(welcome(Some("c9"))), Effect::Welcomed);
    assert_eq!(chat.mode, Some(Mode::Persistent));
    assert_eq!(chat.agent_name(), Some("Anna"));
    chat.apply(ServerFrame::State {
        conversation: ConversationInfo {
            id: "c9".into(),
            state: ConversationState::Waiting,
            agent: None,
            last_seq: 0,
        },
    });
    assert_eq!(chat.agent_name(), None);
}

fn inbound(json: &str) -> Option<Inbound> {
    parse_inbound(&js_sys::JSON::parse(json).expect("test JSON"))
}

#[wasm_bindgen_test]
fn loader_messages_are_parsed_strictly() {
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"token","token":"abc"}"#),
        Some(Inbound::Token(Some("abc".into())))
    );
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"token","token":null}"#),
        Some(Inbound::Token(None))
    );
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"token","token":""}"#),
        Some(Inbound::Token(None))
    );
    assert_eq!(inbound(r#"{"tetap":1,"type":"open"}"#), Some(Inbound::Open));
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"close"}"#),
        Some(Inbound::Close)
    );
    assert_eq!(
        inbound(r#"{"tetap":1,"type":"logout"}"#),
        Some(Inbound::Logout)
    );
    for junk in [
        r#"{"type":"open"}"#,
        r#"{"tetap":2,"type":"open"}"#,
        r#"{"tetap":"1","type":"open"}"#,
        r#"{"tetap":1,"type":"explode"}"#,
        "\"open\"",
        "null",
        "[1]",
    ] {
        assert_eq!(inbound(junk), None, "{junk}");
    }
}

#[wasm_bindgen_test]
fn messages_to_the_loader_carry_the_version_and_type() {
    let json: serde_json::Value =
        serde_json::from_str(&encode_outbound(&Outbound::Unread { count: 3 })).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"tetap": 1, "type": "unread", "count": 3})
    );
    let json: serde_json::Value =
        serde_json::from_str(&encode_outbound(&Outbound::TokenRequest)).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"tetap": 1, "type": "token_request"})
    );
}

#[wasm_bindgen_test]
fn only_the_parent_on_an_allowed_host_origin_is_believed() {
    let allowed = vec!["https://shop.example.com/".to_owned()];
    let host = "https://shop.example.com";
    assert!(accepts(true, host, host, &allowed));
    assert!(!accepts(false, host, host, &allowed), "another window");
    assert!(
        !accepts(true, "https://evil.example", host, &allowed),
        "another origin"
    );
    assert!(
        !accepts(
            true,
            "https://evil.example",
            "https://evil.example",
            &allowed
        ),
        "a host not allowed"
    );
    assert!(!host_allowed("", &allowed));
    assert!(!host_allowed(
        "https://shop.example.com.evil.example",
        &allowed
    ));
}

#[wasm_bindgen_test]
fn backoff_grows_is_jittered_and_capped() {
    assert_eq!(backoff::delay_ms(0, 0.0), 250);
    assert_eq!(backoff::delay_ms(0, 0.999), 499);
    assert!(backoff::delay_ms(3, 0.5) > backoff::delay_ms(2, 0.5));
    for attempt in [10, 20, 1000, u32::MAX] {
        let delay = backoff::delay_ms(attempt, 0.999);
        assert!(
            (backoff::MAX_MS / 2..backoff::MAX_MS).contains(&delay),
            "{attempt}: {delay}"
        );
    }
    assert_ne!(
        backoff::delay_ms(4, 0.1),
        backoff::delay_ms(4, 0.9),
        "jitter spreads retries"
    );
}

#[wasm_bindgen_test]
fn url_parameters_are_read_and_colours_sanitised() {
    let params = Params::parse(
        "?workstream=support&host=https%3A%2F%2Fshop.example.com%2F&locale=id&theme=dark&color=%230a7",
    );
    assert_eq!(params.workstream, "support");
    assert_eq!(params.host, "https://shop.example.com");
    assert_eq!(params.locale.as_deref(), Some("id"));
    assert_eq!(params.theme, Theme::Dark);
    assert_eq!(params.color.as_deref(), Some("#0a7"));
    assert_eq!(Params::parse("").theme, Theme::Auto);
    for bad in ["red;background:url(x)", "#12", "#zzzzzz", "var(--x)", ""] {
        assert_eq!(sanitize_color(bad), None, "{bad}");
    }
    assert_eq!(sanitize_color("teal").as_deref(), Some("teal"));
}

#[wasm_bindgen_test]
fn the_locale_comes_from_the_parameter_then_the_browser() {
    assert_eq!(Locale::pick(["id-ID"]), Locale::Id);
    assert_eq!(Locale::pick(["fr", "id"]), Locale::Id);
    assert_eq!(Locale::pick(["en-GB", "id"]), Locale::En);
    assert_eq!(Locale::pick(["fr"]), Locale::En);
    assert_eq!(Locale::Id.strings().send, "Kirim");
}

#[wasm_bindgen_test]
fn storage_is_keyed_by_issuer_subject_and_workstream() {
    // {"iss":"https://shop.example.com","sub":"cust-1"} — the signature is not ours to check.
    let token = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Nob3AuZXhhbXBsZS5jb20iLCJzdWIiOiJjdXN0LTEifQ.sig";
    let key = storage_key(token, "support").expect("a key");
    assert!(key.starts_with("tetap:v1:") && key.contains("cust-1") && key.ends_with("support"));
    assert_ne!(storage_key(token, "billing"), Some(key));
    assert_eq!(storage_key("not-a-jwt", "support"), None);
    assert_eq!(base64url_decode("aGk").as_deref(), Some(&b"hi"[..]));
    assert_eq!(base64url_decode("a*b"), None);
}

#[wasm_bindgen_test]
fn client_ids_are_random_v4_uuids() {
    let id = format_uuid_v4([0xff; 16]);
    assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    let (a, b) = (new_client_id(), new_client_id());
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(a.as_bytes()[14], b'4');
}

fn every_server_frame() -> Vec<ServerFrame> {
    let full = Message {
        seq: 9_007_199_254_740_991,
        id: "m".into(),
        client_id: Some("c".into()),
        author: MessageAuthor {
            kind: AuthorKind::Customer,
            id: "cust-1".into(),
            name: Some("Budi".into()),
        },
        system_kind: Some("agent_joined".into()),
        text: "\"quotes\", <tags> & ünïcödé 🙂".into(),
        at: "2026-11-24T01:00:00Z".into(),
    };
    vec![
        welcome(Some("c1")),
        welcome(None),
        ServerFrame::Welcome {
            protocol: 1,
            workstream: "w".into(),
            mode: Mode::Live,
            customer: CustomerRef {
                sub: "v".into(),
                name: Some("N".into()),
                email: Some("n@example.test".into()),
            },
            conversation: Some(ConversationInfo {
                id: "c".into(),
                state: ConversationState::Open,
                agent: None,
                last_seq: 3,
            }),
            visitor_token: Some("visitor.token".into()),
            agent_read_seq: 2,
            earlier: vec!["c0".into(), "c00".into()],
        },
        ServerFrame::Messages {
            conversation: "c1".into(),
            messages: vec![full.clone(), message(2, AuthorKind::System, None, "")],
            more_before: true,
        },
        ServerFrame::Messages {
            conversation: "c1".into(),
            messages: vec![],
            more_before: false,
        },
        ServerFrame::Message {
            conversation: "c1".into(),
            message: full,
        },
        ServerFrame::Ack {
            client_id: "c".into(),
            conversation: "c1".into(),
            seq: 4,
            id: "m4".into(),
            at: "t".into(),
        },
        ServerFrame::Typing {
            conversation: "c1".into(),
            agent: AgentRef {
                id: "anna".into(),
                name: "Anna".into(),
            },
        },
        ServerFrame::Read {
            conversation: "c1".into(),
            seq: 4,
        },
        ServerFrame::State {
            conversation: ConversationInfo {
                id: "c1".into(),
                state: ConversationState::Closed,
                agent: Some(AgentRef {
                    id: "a".into(),
                    name: "A".into(),
                }),
                last_seq: 0,
            },
        },
        ServerFrame::Error {
            code: ErrorCode::CustomerCannotEnd,
            message: "no".into(),
            client_id: Some("c".into()),
        },
        ServerFrame::error(ErrorCode::Internal, "oops"),
    ]
}

#[wasm_bindgen_test]
fn every_relay_frame_reads_back_as_the_shared_type_encoded_it() {
    for frame in every_server_frame() {
        let text = frame.encode();
        assert_eq!(wire::server_frame(&text), Some(frame), "{text}");
    }
}

#[wasm_bindgen_test]
fn every_error_code_reads_back_and_unknown_ones_do_not_fail() {
    for name in [
        "bad_frame",
        "frame_too_large",
        "unsupported_protocol",
        "hello_required",
        "unauthorized",
        "token_expired",
        "unknown_workstream",
        "empty_message",
        "message_too_long",
        "bad_client_id",
        "client_id_conflict",
        "unknown_conversation",
        "customer_cannot_end",
        "outside_operating_hours",
        "rate_limited",
        "internal",
    ] {
        let text = format!(r#"{{"type":"error","code":"{name}","message":"m"}}"#);
        let read = wire::server_frame(&text);
        assert_eq!(read, ServerFrame::decode(&text).ok(), "{name}");
        assert!(
            !matches!(
                read,
                Some(ServerFrame::Error {
                    code: ErrorCode::Unknown,
                    ..
                })
            ),
            "{name}"
        );
    }
    let newer = r#"{"type":"error","code":"brand_new","message":"m"}"#;
    assert_eq!(
        wire::server_frame(newer),
        Some(ServerFrame::error(ErrorCode::Unknown, "m"))
    );
}

#[wasm_bindgen_test]
fn frames_the_shared_decoder_refuses_are_refused() {
    for text in [
        "not json",
        "{}",
        r#"{"type":"explode"}"#,
        r#"{"type":"ack","client_id":"c","conversation":"c1","seq":-1,"id":"m","at":"t"}"#,
        r#"{"type":"ack","client_id":"c","conversation":"c1","seq":1.5,"id":"m","at":"t"}"#,
        r#"{"type":"ack","client_id":"c","conversation":"c1","id":"m","at":"t"}"#,
        r#"{"type":"message","conversation":"c1","message":{"seq":1}}"#,
        r#"{"type":"state","conversation":{"id":"c","state":"gone","agent":null,"last_seq":0}}"#,
        r#"{"type":"messages","conversation":"c1","messages":{},"more_before":false}"#,
    ] {
        assert!(
            ServerFrame::decode(text).is_err(),
            "the shared decoder refuses {text}"
        );
        assert_eq!(wire::server_frame(text), None, "{text}");
    }
}

#[wasm_bindgen_test]
fn the_workstream_endpoint_body_is_read() {
    let body = js_sys::JSON::parse(
        r#"{"id":"support","mode":"persistent","allowed_origins":["https://shop.example.com"]}"#,
    )
    .expect("json");
    let info = tetap_widget::workstream::info(&body).expect("valid");
    assert_eq!(info.mode, Mode::Persistent);
    assert_eq!(info.allowed_origins, ["https://shop.example.com"]);
    assert_eq!(info.offline_notice, None);
    let closed = js_sys::JSON::parse(
        r#"{"id":"sales","mode":"live","allowed_origins":[],"offline_notice":"We are offline."}"#,
    )
    .expect("json");
    let closed = tetap_widget::workstream::info(&closed).expect("valid");
    assert_eq!(closed.offline_notice.as_deref(), Some("We are offline."));
    let bad = js_sys::JSON::parse(r#"{"id":"support","mode":"later","allowed_origins":[]}"#)
        .expect("json");
    assert_eq!(tetap_widget::workstream::info(&bad), None);
}

#[wasm_bindgen_test]
fn unsent_messages_and_conversations_survive_in_storage_until_logout() {
    let key = "tetap:v1:test\u{1f}cust\u{1f}support";
    let kept = Kept {
        pending: vec![("a".into(), "hello".into()), ("b".into(), "again".into())],
        conversations: vec!["c1".into(), "c2".into()],
    };
    outbox::save(key, &kept);
    assert_eq!(outbox::load(key), kept);
    outbox::forget_all();
    assert_eq!(outbox::load(key), Kept::default());

    let many = Kept {
        pending: vec![],
        conversations: (0..30).map(|i| ConversationId(format!("c{i}"))).collect(),
    };
    outbox::save(key, &many);
    let loaded = outbox::load(key).conversations;
    assert_eq!(
        loaded.len(),
        outbox::KEPT_CONVERSATIONS,
        "the newest are kept"
    );
    assert_eq!(loaded.last().map(|c| c.0.as_str()), Some("c29"));

    outbox::save(key, &Kept::default());
    let stored = outbox::storage().and_then(|s| s.get_item(key).ok().flatten());
    assert_eq!(stored, None, "nothing to keep removes the key");

    // What an earlier build stored: a bare array of pending messages.
    if let Some(storage) = outbox::storage() {
        storage
            .set_item(key, r#"[["a","from before"]]"#)
            .expect("stored");
    }
    assert_eq!(
        outbox::load(key).pending,
        [("a".to_owned(), "from before".to_owned())]
    );
    outbox::forget_all();
}

/// An unsigned JWT with these claims: the widget reads claims, it never checks signatures.
fn jwt(claims: &str) -> String {
    let encoded = leptos::prelude::window()
        .btoa(claims)
        .expect("ascii claims");
    let encoded = encoded
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    format!("eyJhbGciOiJSUzI1NiJ9.{encoded}.sig")
}

#[wasm_bindgen_test]
fn a_fresh_token_is_asked_for_a_minute_before_expiry_whatever_the_browser_clock_says() {
    let iat = 1_795_510_800.0;
    let ten_minutes = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 600.0));
    // Right clock: nine minutes.
    assert_eq!(refresh_delay_ms(&ten_minutes, iat), Some(540_000));
    // Clock behind (or token minted "in the future"): the token's own lifetime bounds the wait.
    assert_eq!(
        refresh_delay_ms(&ten_minutes, iat - 7.0 * 3600.0),
        Some(540_000)
    );
    // Clock ahead by five minutes: ask earlier, never later.
    assert_eq!(refresh_delay_ms(&ten_minutes, iat + 300.0), Some(240_000));
    // Clock says it has already expired: trust the lifetime rather than ask in a loop.
    assert_eq!(refresh_delay_ms(&ten_minutes, iat + 3600.0), Some(540_000));
    // Short-lived tokens: a fifth of the lifetime before expiry, but never sooner than 10 s.
    let one_minute = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 60.0));
    assert_eq!(refresh_delay_ms(&one_minute, iat), Some(48_000));
    let five_seconds = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 5.0));
    assert_eq!(refresh_delay_ms(&five_seconds, iat), Some(MIN_REFRESH_MS));
    // Without iat the browser clock is all there is.
    let no_iat = jwt(&format!(r#"{{"exp":{}}}"#, iat + 600.0));
    assert_eq!(refresh_delay_ms(&no_iat, iat + 100.0), Some(440_000));
    assert_eq!(refresh_delay_ms(&jwt(r#"{"sub":"x"}"#), iat), None);
    assert_eq!(refresh_delay_ms("not-a-jwt", iat), None);
}

#[wasm_bindgen_test]
fn the_visitor_id_is_kept_per_workstream_until_logout() {
    save_visitor("chat", "visitor.token.one");
    assert_eq!(load_visitor("chat").as_deref(), Some("visitor.token.one"));
    assert_eq!(load_visitor("other"), None);
    forget_visitor("chat");
    assert_eq!(load_visitor("chat"), None);
    save_visitor("chat", "visitor.token.two");
    outbox::forget_all();
    assert_eq!(load_visitor("chat"), None, "logout forgets the visitor too");
}

#[wasm_bindgen_test]
fn the_workstream_says_whether_it_takes_anonymous_visitors() {
    let body = |json: &str| {
        let value = js_sys::JSON::parse(json).expect("json");
        tetap_widget::workstream::info(&value).expect("valid")
    };
    let live = body(r#"{"id":"chat","mode":"live","allowed_origins":[],"anonymous":true}"#);
    assert!(live.anonymous);
    let older_relay = body(r#"{"id":"chat","mode":"live","allowed_origins":[]}"#);
    assert!(!older_relay.anonymous);
}
