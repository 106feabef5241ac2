//! Operating hours (R3): persistent conversations are kept and routed when hours open, live
//! workstreams start no chat and say so before anyone writes.

use super::{HOUR, routing_pass};
use crate::relay::support::TestRelay;
use serde_json::Value;
use tetap_shared::{ErrorCode, ServerFrame};

#[tokio::test]
async fn r3_a_persistent_conversation_outside_hours_is_kept_and_routed_when_hours_open() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("billing", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "invoice question").await;
    let away = sari
        .until(
            |f| matches!(f, ServerFrame::Message { message, .. } if message.system_kind.is_some()),
        )
        .await;
    let ServerFrame::Message { message, .. } = away else {
        unreachable!()
    };
    assert_eq!(message.system_kind.as_deref(), Some("away"));
    assert!(
        message.text.contains("Tuesday 20:00 (UTC)"),
        "{}",
        message.text
    );
    // Routing has looked at it, with cici online and free: it stays queued.
    routing_pass(&relay, &cici).await;
    assert_eq!(
        cici.conversation(&id).await["state"],
        "open",
        "not routed outside hours"
    );

    relay.clock.advance(11 * HOUR);
    let assigned = events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["agent"]["id"], "cici");
}

#[tokio::test]
async fn r3_a_live_workstream_outside_hours_starts_no_chat() {
    let relay = TestRelay::start().await;
    let token = relay.token("vita");
    let (mut visitor, _) = relay.customer("evening-sales", &token).await;
    visitor.say("c-1", "hello?").await;
    let refusal = visitor.next_frame().await;
    let ServerFrame::Error { code, message, .. } = refusal else {
        panic!("expected a refusal, got {refusal:?}")
    };
    assert_eq!(code, ErrorCode::OutsideOperatingHours);
    assert!(message.contains("offline"), "{message}");
    let (_, welcome) = relay.customer("evening-sales", &token).await;
    assert!(matches!(
        welcome,
        ServerFrame::Welcome {
            conversation: None,
            ..
        }
    ));
}

#[tokio::test]
async fn r3_the_widget_learns_a_live_workstream_is_offline_before_anyone_writes() {
    let relay = TestRelay::start().await;
    let info = |path: &'static str| {
        let url = relay.url(path);
        async move {
            reqwest::get(url)
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let closed = info("/v1/widget/workstreams/evening-sales?locale=id").await;
    assert_eq!(
        closed["offline_notice"],
        "Kami sedang offline. Silakan kembali pada jam operasional kami."
    );
    assert_eq!(
        info("/v1/widget/workstreams/sales").await["offline_notice"],
        Value::Null
    );
    assert_eq!(
        info("/v1/widget/workstreams/billing").await["offline_notice"],
        Value::Null,
        "persistent is written to outside hours"
    );
    relay.clock.advance(11 * HOUR);
    let open = info("/v1/widget/workstreams/evening-sales").await;
    assert_eq!(open["offline_notice"], Value::Null);
}
