//! The store's contract, the same on every engine: run on SQLite by default and on a throwaway
//! PostgreSQL cluster in the PostgreSQL leg of `cargo xtask test` (`TETAP_TEST_STORE=postgres`).
//! Group commit, a failed write undone alone, the capacity check in the database (R8, R10),
//! gapless `seq`, exactly-once timers and customer presence as rows (R11) — each also under two
//! writers at once, as two relays sharing one database are.

mod deferred;
mod two_writers;

use crate::relay::support::database::store_url;
use tetap_relay::store::{
    ConversationRow, CustomerIdentity, MessageAuthorRow, NewConversation, NewMessage, SavedState,
    Store, StoreError, StoreTx,
};
use tetap_shared::{AuthorKind, ConversationState, Mode};

pub(super) const T0: &str = "2026-11-24T09:00:00.000Z";
pub(super) const T1: &str = "2026-11-24T09:00:15.000Z";
pub(super) const T2: &str = "2026-11-24T09:00:30.000Z";

pub(super) fn identity(workstream: &str, subject: &str) -> CustomerIdentity {
    CustomerIdentity {
        issuer: "iss".into(),
        subject: subject.into(),
        workstream: workstream.into(),
    }
}

pub(super) fn create(
    tx: &mut StoreTx<'_>,
    identity: &CustomerIdentity,
    at: &str,
) -> Result<ConversationRow, StoreError> {
    tx.create_conversation(NewConversation {
        identity,
        mode: Mode::Persistent,
        customer_name: None,
        customer_email: None,
        locale: "en",
        at,
    })
}

/// A store on a database of its own (kept with its directory).
pub(super) async fn open() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&store_url(dir.path())).await.expect("store");
    (store, dir)
}

pub(super) fn customer_says(text: &str) -> (MessageAuthorRow, NewMessage) {
    (
        MessageAuthorRow {
            kind: AuthorKind::Customer,
            id: "sari".into(),
            name: None,
        },
        NewMessage {
            client_id: None,
            text: text.into(),
            at: T0.into(),
        },
    )
}

#[tokio::test]
async fn concurrent_writes_share_commits_and_each_hears_after_its_commit() {
    let (store, _dir) = open().await;
    let writes: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let identity = identity("w", &format!("s{i}"));
                let row = store.write(move |tx| create(tx, &identity, T0)).await?;
                // Committed means readable by anyone.
                store
                    .conversation(&row.id)
                    .await
                    .map(|found| found.is_some())
            })
        })
        .collect();
    for write in writes {
        assert!(write.await.expect("task").expect("write"));
    }
    let (commits, writes) = store.commit_counts();
    assert_eq!(writes, 200);
    assert!(commits < 200, "{commits} commits for 200 concurrent writes");
}

#[tokio::test]
async fn a_failed_write_leaves_no_trace_and_does_not_take_its_batch_with_it() {
    let (store, _dir) = open().await;
    // Queued together, so they share a batch: the one in the middle fails in the database.
    let first = store.write(|tx| create(tx, &identity("w", "a"), T0));
    let refused = store.write(|tx| {
        create(tx, &identity("w", "b"), T0)?;
        // R2: a second open conversation of one customer is refused by the unique index.
        create(tx, &identity("w", "b"), T0)
    });
    let last = store.write(|tx| create(tx, &identity("w", "c"), T0));
    let (first, refused, last) = tokio::join!(first, refused, last);
    assert!(
        matches!(
            refused,
            Err(StoreError::Database(_)) | Err(StoreError::Sqlite(_))
        ),
        "{refused:?}"
    );
    for (subject, row) in [("a", first), ("c", last)] {
        let row = row.expect("the batch's other writes commit");
        let current = store.current_conversation(&identity("w", subject)).await;
        assert_eq!(current.expect("read").map(|r| r.id), Some(row.id));
    }
    let b = store.current_conversation(&identity("w", "b")).await;
    assert_eq!(b.expect("read"), None, "the failed write left nothing");
}

#[tokio::test]
async fn a_write_that_returns_an_error_is_undone() {
    let (store, _dir) = open().await;
    let refused: Result<ConversationRow, StoreError> = store
        .write(|tx| {
            let ghost = create(tx, &identity("w", "s"), T0)?;
            Err(StoreError::Corrupt(ghost.id.0))
        })
        .await;
    let Err(StoreError::Corrupt(ghost)) = refused else {
        panic!("the write's own error comes back: {refused:?}");
    };
    let kept = store
        .write(|tx| create(tx, &identity("w", "s"), T1))
        .await
        .expect("write after a failed one");
    let ghost = tetap_shared::ConversationId(ghost);
    assert_eq!(store.conversation(&ghost).await.expect("read"), None);
    assert!(store.conversation(&kept.id).await.expect("read").is_some());
}

#[tokio::test]
async fn a_panicking_write_is_undone_and_the_writer_serves_the_next() {
    let (store, _dir) = open().await;
    let crashed: Result<(), StoreError> = store
        .write(|tx| {
            create(tx, &identity("w", "p"), T0)?;
            panic!("a bug in a write");
        })
        .await;
    assert!(matches!(crashed, Err(StoreError::Commit(_))), "{crashed:?}");
    let kept = store
        .write(|tx| create(tx, &identity("w", "p"), T1))
        .await
        .expect("the writer still writes");
    assert_eq!(kept.created_at, T1);
    let current = store.current_conversation(&identity("w", "p")).await;
    assert_eq!(current.expect("read").map(|row| row.id), Some(kept.id));
}

#[tokio::test]
async fn seq_has_no_gap_when_a_message_is_rolled_back() {
    let (store, _dir) = open().await;
    let row = store
        .write(|tx| create(tx, &identity("w", "s"), T0))
        .await
        .expect("create");
    let id = row.id.clone();
    let (author, message) = customer_says("one");
    store
        .write(move |tx| tx.insert_message(&id, &author, None, &message))
        .await
        .expect("first");
    let id = row.id.clone();
    let rolled_back: Result<(), StoreError> = store
        .write(move |tx| {
            let (author, message) = customer_says("never");
            tx.insert_message(&id, &author, None, &message)?;
            Err(StoreError::Corrupt("changed my mind".into()))
        })
        .await;
    assert!(rolled_back.is_err());
    let id = row.id.clone();
    let (author, message) = customer_says("two");
    let second = store
        .write(move |tx| tx.insert_message(&id, &author, None, &message))
        .await
        .expect("second");
    assert_eq!(
        second.seq, 2,
        "the rolled-back message gave its number back"
    );
    let (messages, _) = store
        .messages_before(&row.id, None, 10)
        .await
        .expect("read");
    let texts: Vec<_> = messages.iter().map(|m| (m.seq, m.text.as_str())).collect();
    assert_eq!(texts, [(1, "one"), (2, "two")]);
}

/// A new conversation of customer `sub`, handed to anna with or without R8's exception.
async fn assign_to_anna(store: &Store, sub: &str, exempt: bool) -> Result<(), StoreError> {
    let sub = sub.to_owned();
    store
        .write(move |tx| {
            let row = create(tx, &identity("support", &sub), T0)?;
            tx.save_state(
                &row.id,
                &SavedState {
                    state: ConversationState::Active,
                    agent: Some("anna"),
                    affinity_agent: Some("anna"),
                    returned_notified: false,
                    returned_at: None,
                    capacity_exempt: exempt,
                    at: T0,
                },
            )
        })
        .await
}

#[tokio::test]
async fn r10_the_store_refuses_an_assignment_beyond_capacity_except_r8s_return() {
    let (store, _dir) = open().await;
    store
        .record_capacities(vec![("anna".into(), 2)])
        .await
        .expect("capacities");
    for sub in ["c1", "c2"] {
        assign_to_anna(&store, sub, false)
            .await
            .expect("within capacity");
    }
    let refused = assign_to_anna(&store, "c3", false).await;
    assert!(
        matches!(refused, Err(StoreError::AtCapacity)),
        "{refused:?}"
    );
    assign_to_anna(&store, "c4", true)
        .await
        .expect("R8: back to its own agent even at full capacity");
    assert_eq!(store.agent_load("anna").await.expect("load"), 3);
    let refused = assign_to_anna(&store, "c5", false).await;
    assert!(
        matches!(refused, Err(StoreError::AtCapacity)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn r11_the_last_socket_counts_every_running_relay_and_no_lapsed_one() {
    let (store, _dir) = open().await;
    let sari = || identity("sales", "sari");
    let connected = |instance: &'static str, now: &'static str| {
        let store = store.clone();
        async move {
            store
                .write(move |tx| tx.customer_connected(&sari(), instance, now))
                .await
        }
    };
    store
        .write(move |tx| {
            assert!(!tx.renew_instance("a", T0, T1)?, "a new instance");
            tx.renew_instance("b", T0, T1)?;
            assert!(tx.renew_instance("a", T0, T1)?, "renewed");
            // Two tabs on relay a, one on b; one tab of a closes.
            tx.add_customer_socket(&sari(), "a")?;
            tx.add_customer_socket(&sari(), "a")?;
            tx.add_customer_socket(&sari(), "b")?;
            tx.remove_customer_socket(&sari(), "a")
        })
        .await
        .expect("sockets");
    assert!(connected("a", T0).await.expect("read"));
    store
        .write(move |tx| tx.remove_customer_socket(&sari(), "a"))
        .await
        .expect("close");
    assert!(connected("a", T0).await.expect("read"), "still on relay b");
    // Relay b's lease lapsed: its socket counts no more, for a and in a sweep alike.
    assert!(!connected("a", T2).await.expect("read"));
    // A relay always counts its own sockets, whatever its lease says.
    assert!(connected("b", T2).await.expect("read"));
    let expired: Result<usize, StoreError> = store.write(|tx| tx.expire_instances("a", T2)).await;
    assert_eq!(
        expired.expect("expire"),
        1,
        "b is gone, a (the sweeper) stays"
    );
    assert!(
        !connected("b", T2).await.expect("read"),
        "b's sockets went with it"
    );
}
