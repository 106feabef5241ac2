//! What the move is tried on: a SQLite store filled through `Store` with every kind of row the
//! relay keeps, a PostgreSQL target with a password in its URL, the binary run as an operator
//! runs it, and the comparison of the two stores read back through `Store`.

use crate::relay::support::database::cluster;
use std::process::Output;
use tetap_relay::store::{
    CustomerIdentity, MessageAuthorRow, NewConversation, NewMessage, SavedState, Store, StoreError,
};
use tetap_shared::rules::Timer;
use tetap_shared::{AuthorKind, ConversationId, ConversationState, Mode};

pub(super) const T0: &str = "2026-11-24T09:00:00.000Z";
pub(super) const T1: &str = "2026-11-24T09:05:00.000Z";
pub(super) const LATER: &str = "2099-01-01T00:00:00.000Z";
pub(super) const PASSWORD: &str = "s3cret-pw";
pub(super) const SECRET: &[u8] = &[0, 1, 0xfe, 0xff, b'k', b'e', b'y'];

pub(super) fn customer(subject: &str) -> CustomerIdentity {
    CustomerIdentity {
        issuer: "https://shop.test".into(),
        subject: subject.into(),
        workstream: "support".into(),
    }
}

/// A conversation of `subject`, left in `state` with `agent` (R8's exception when `exempt`),
/// with `messages` messages.
pub(super) async fn conversation(
    store: &Store,
    subject: &str,
    state: ConversationState,
    agent: Option<&'static str>,
    exempt: bool,
    messages: u32,
) -> Result<ConversationId, StoreError> {
    let identity = customer(subject);
    store
        .write(move |tx| {
            let row = tx.create_conversation(NewConversation {
                identity: &identity,
                mode: Mode::Persistent,
                customer_name: Some("Sari"),
                customer_email: None,
                locale: "id",
                at: T0,
            })?;
            for n in 0..messages {
                let (kind, id) = match (n % 2, agent) {
                    (1, Some(agent)) => (AuthorKind::Agent, agent.to_owned()),
                    _ => (AuthorKind::Customer, identity.subject.clone()),
                };
                let author = MessageAuthorRow {
                    kind,
                    id,
                    name: None,
                };
                let message = NewMessage {
                    client_id: Some(format!("client-{n}")),
                    text: format!("message {n} ✓"),
                    at: T0.into(),
                };
                tx.insert_message(&row.id, &author, None, &message)?;
            }
            if state != ConversationState::Open {
                tx.save_state(
                    &row.id,
                    &SavedState {
                        state,
                        agent,
                        affinity_agent: agent,
                        returned_notified: exempt,
                        returned_at: None,
                        capacity_exempt: exempt,
                        at: T1,
                    },
                )?;
            }
            Ok(row.id)
        })
        .await
}

/// A SQLite store as a relay leaves it: two queued conversations created at one instant, an
/// agent over a lowered capacity, one at capacity plus R8's return, an earlier conversation,
/// read marks, a timer, waits, a session and a secret. The ids, in creation order.
pub(super) async fn fill(store: &Store) -> Vec<ConversationId> {
    use ConversationState::{Active, Closed, Open, Waiting};
    store
        .record_capacities(vec![("anna".into(), 2), ("bob".into(), 1)])
        .await
        .expect("capacities");
    store
        .write(|tx| tx.set_presence("anna", true))
        .await
        .expect("presence");
    let mut ids = Vec::new();
    for (subject, state, agent, exempt, messages) in [
        ("s1", Open, None, false, 2),
        ("s2", Open, None, false, 1),
        ("s3", Active, Some("anna"), false, 25),
        ("s4", Active, Some("anna"), false, 0),
        ("s5", Active, Some("bob"), false, 3),
        ("s6", Active, Some("bob"), true, 2),
        ("s7", Closed, Some("anna"), false, 3),
        ("s7", Waiting, Some("anna"), false, 1),
    ] {
        let id = conversation(store, subject, state, agent, exempt, messages).await;
        ids.push(id.expect("conversation"));
    }
    // Lowered below anna's load: copied with this capacity in place, her second conversation
    // would be refused by PostgreSQL's capacity trigger.
    store
        .record_capacities(vec![("anna".into(), 1), ("bob".into(), 1)])
        .await
        .expect("lowered capacity");
    let (read, waiting) = (ids[2].clone(), ids[7].clone());
    store
        .write(move |tx| {
            tx.mark_read(&read, tetap_relay::store::Reader::Customer, 10)?;
            tx.set_timer(&waiting, Timer::WaitingTimeout, LATER)?;
            for (minute, waited) in [5, 7, 11, 13, 17, 19].into_iter().enumerate() {
                tx.record_wait(
                    "support",
                    waited,
                    &format!("2026-11-24T09:1{minute}:00.000Z"),
                )?;
            }
            tx.create_session("hash-of-anna's-token", "anna", T0, LATER)
        })
        .await
        .expect("timer, waits, session");
    store.relay_secret("visitor", SECRET).await.expect("secret");
    ids
}

/// A filled SQLite store in `dir`, and its URL.
pub(super) async fn source(dir: &tempfile::TempDir) -> (Store, String, Vec<ConversationId>) {
    let url = format!("sqlite://{}", dir.path().join("source.db").display());
    let store = Store::open(&url).await.expect("source store");
    let ids = fill(&store).await;
    (store, url, ids)
}

/// An empty PostgreSQL database of this test's own, its URL carrying a password (the test
/// cluster trusts local connections, so it goes unused, but it must never be printed).
pub(super) fn target(name: &str) -> String {
    cluster().create_database(name).replacen(
        "postgres://tetap@",
        &format!("postgres://tetap:{PASSWORD}@"),
        1,
    )
}

pub(super) async fn migrate(args: &[&str]) -> Output {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tetap-relay"))
        .arg("migrate-store")
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .await
        .expect("run tetap-relay migrate-store");
    for shown in [&output.stdout, &output.stderr] {
        let shown = String::from_utf8_lossy(shown);
        assert!(!shown.contains(PASSWORD), "a password was printed: {shown}");
    }
    output
}

pub(super) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Everything `fill` stored reads back the same from `target` as from `source`.
pub(super) async fn assert_same(source: &Store, target: &Store, ids: &[ConversationId]) {
    for id in ids {
        let want = source.conversation(id).await.expect("source conversation");
        assert_eq!(target.conversation(id).await.expect("target"), want);
        let want = source.messages_after(id, 0, 200).await.expect("messages");
        assert_eq!(
            target.messages_after(id, 0, 200).await.expect("target"),
            want
        );
    }
    let queue = |rows: Vec<tetap_relay::store::ConversationRow>| {
        rows.into_iter().map(|row| row.id).collect::<Vec<_>>()
    };
    let want = queue(source.queue().await.expect("queue"));
    assert_eq!(want, ids[..2], "FIFO ties are broken by creation order");
    assert_eq!(queue(target.queue().await.expect("target queue")), want);
    for agent in ["anna", "bob"] {
        let load = source.agent_load(agent).await.expect("load");
        assert_eq!(target.agent_load(agent).await.expect("target load"), load);
        let presence = source.presence(agent).await.expect("presence");
        assert_eq!(target.presence(agent).await.expect("target"), presence);
    }
    assert_eq!(
        target.next_timer().await.expect("timer"),
        source.next_timer().await.expect("t")
    );
    let waits = source.recent_waits("support").await.expect("waits");
    assert_eq!(waits.len(), 6);
    assert_eq!(
        target.recent_waits("support").await.expect("target waits"),
        waits
    );
    let session = target.session_agent("hash-of-anna's-token", T1).await;
    assert_eq!(session.expect("session").as_deref(), Some("anna"));
    let secret = target
        .relay_secret("visitor", b"fresh")
        .await
        .expect("secret");
    assert_eq!(secret, SECRET);
    let earlier = source
        .earlier_conversations(&customer("s7"), None, 10)
        .await;
    let moved = target
        .earlier_conversations(&customer("s7"), None, 10)
        .await;
    assert_eq!(moved.expect("target earlier"), earlier.expect("earlier"));
}
