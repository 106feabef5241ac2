//! Timers and leases across relays (R11): a stored timer fires exactly once whichever relays
//! race for it, and a relay killed while its live customers are connected has their chats
//! closed by the others once its lease lapses and the reconnect grace has run.

use super::group::{Relays, customer};
use tetap_shared::frames::ServerFrame;

const RECONNECT_GRACE_FIRED: &str = "tetap_timers_fired_total{kind=\"reconnect_grace\"}";

/// Writes one message as `sub` on `relay` and returns the open socket.
async fn chatting(
    relay: &crate::relay::faults::RelayProcess,
    workstream: &str,
    sub: &str,
) -> crate::relay::support::CustomerSocket {
    let (mut socket, _) = customer(relay, workstream, sub).await;
    socket.say(&format!("{sub}-hello"), "hello").await;
    socket
        .until(|frame| matches!(frame, ServerFrame::Ack { .. }))
        .await;
    socket
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r11_each_reconnect_grace_fires_once_across_three_relays() {
    let group = Relays::start(3, "", "").await;
    let customers = 30;
    for i in 0..customers {
        let socket = chatting(&group.relays[i % 3], "sales", &format!("leaving-{i}")).await;
        // The relay has handled the departure when its side closes: the grace is set.
        socket.close().await;
    }
    group
        .until_count(
            "SELECT count(*) FROM conversations WHERE state = 'closed'",
            customers as i64,
        )
        .await;
    group.until_count("SELECT count(*) FROM timers", 0).await;
    assert_eq!(
        group.metric_sum(RECONNECT_GRACE_FIRED).await,
        customers as u64,
        "every grace fired by exactly one of the relays"
    );
    let mut sql = group.sql().await;
    let ended_twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT conversation_id FROM messages WHERE system_kind = 'ended' \
         GROUP BY conversation_id HAVING count(*) <> 1) AS twice",
    )
    .fetch_one(&mut sql)
    .await
    .expect("ended messages");
    assert_eq!(ended_twice, 0, "one closing message per conversation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r11_a_killed_relays_live_chats_close_after_the_grace_once_its_lease_lapses() {
    let mut group = Relays::start(2, "presence_lease = \"1s\"", "").await;
    let victim = &group.relays[0];
    let mut sockets = Vec::new();
    for i in 0..5 {
        sockets.push(chatting(victim, "sales", &format!("stranded-{i}")).await);
    }
    sockets.push(chatting(victim, "support", "patient").await);
    group.relays[0].kill().await;
    drop(sockets);
    group
        .until_count(
            "SELECT count(*) FROM conversations WHERE mode = 'live' AND state = 'closed'",
            5,
        )
        .await;
    assert_eq!(
        group.metric_sum(RECONNECT_GRACE_FIRED).await,
        5,
        "the surviving relay fired each stranded chat's grace"
    );
    let mut sql = group.sql().await;
    let persistent: Vec<String> =
        sqlx::query_scalar("SELECT state FROM conversations WHERE mode = 'persistent'")
            .fetch_all(&mut sql)
            .await
            .expect("persistent conversation");
    assert_eq!(
        persistent,
        ["open"],
        "persistent has no reconnect grace (R11)"
    );
    let leased: i64 = sqlx::query_scalar("SELECT count(*) FROM customer_sockets")
        .fetch_one(&mut sql)
        .await
        .expect("sockets");
    assert_eq!(leased, 0, "the killed relay's socket leases lapsed");
}
