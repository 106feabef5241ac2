//! The store's contract with two or three writers on one database, as relays sharing it are:
//! message numbers, capacity, timers and the first start, each decided once.

use super::{T0, T1, T2, create, customer_says, identity, open};
use crate::relay::support::database::store_url;
use std::sync::Arc;
use tetap_relay::store::{SavedState, Store, StoreError};
use tetap_shared::ConversationState;
use tetap_shared::rules::Timer;

/// Two writers on one database (two relays): `n` messages each into one conversation.
#[tokio::test]
async fn two_writers_number_one_conversations_messages_without_gap_or_repeat() {
    let (store, dir) = open().await;
    let other = Store::open(&store_url(dir.path()))
        .await
        .expect("second writer");
    let row = store
        .write(|tx| create(tx, &identity("w", "s"), T0))
        .await
        .expect("create");
    let sends: Vec<_> = (0..100)
        .map(|i| {
            let writer = if i % 2 == 0 { &store } else { &other };
            let id = row.id.clone();
            let (author, message) = customer_says(&format!("m{i}"));
            writer.write(move |tx| tx.insert_message(&id, &author, None, &message))
        })
        .collect();
    let mut seqs: Vec<u64> = Vec::new();
    for send in sends {
        seqs.push(send.await.expect("send").seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=100).collect::<Vec<u64>>());
    let stored = store.conversation(&row.id).await.expect("read");
    assert_eq!(stored.expect("row").last_seq, 100);
    other.close().await;
}

#[tokio::test]
async fn r10_two_writers_assigning_to_one_agent_at_once_never_overfill() {
    let (store, dir) = open().await;
    let other = Store::open(&store_url(dir.path()))
        .await
        .expect("second writer");
    store
        .record_capacities(vec![("anna".into(), 3)])
        .await
        .expect("capacities");
    // Each write decides from the load it reads, as routing does, and assigns.
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let writer = if i % 2 == 0 { &store } else { &other };
            writer.write(move |tx| {
                let load = tx.agent_load("anna")?;
                if load >= 3 {
                    return Ok(false);
                }
                let row = create(tx, &identity("support", &format!("c{i}")), T0)?;
                tx.save_state(
                    &row.id,
                    &SavedState {
                        state: ConversationState::Active,
                        agent: Some("anna"),
                        affinity_agent: Some("anna"),
                        returned_notified: false,
                        returned_at: None,
                        capacity_exempt: false,
                        at: T0,
                    },
                )?;
                Ok::<_, StoreError>(true)
            })
        })
        .collect();
    let mut assigned = 0;
    for attempt in attempts {
        match attempt.await {
            Ok(true) => assigned += 1,
            Ok(false) | Err(StoreError::AtCapacity) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(assigned, 3);
    assert_eq!(store.agent_load("anna").await.expect("load"), 3);
    other.close().await;
}

#[tokio::test]
async fn a_due_timer_fires_once_however_many_writers_claim_it() {
    let (store, dir) = open().await;
    let others = [
        Store::open(&store_url(dir.path())).await.expect("writer"),
        Store::open(&store_url(dir.path())).await.expect("writer"),
    ];
    let row = store
        .write(|tx| create(tx, &identity("w", "s"), T0))
        .await
        .expect("create");
    let id = row.id.clone();
    store
        .write(move |tx| tx.set_timer(&id, Timer::WaitingTimeout, T1))
        .await
        .expect("timer");
    let not_yet = {
        let id = row.id.clone();
        store.write(move |tx| tx.take_due_timer(&id, Timer::WaitingTimeout, T0))
    };
    assert!(!not_yet.await.expect("claim"), "not due yet");
    let claims: Vec<_> = [&store, &others[0], &others[1]]
        .into_iter()
        .flat_map(|writer| {
            (0..3).map(|_| {
                let id = row.id.clone();
                writer.write(move |tx| tx.take_due_timer(&id, Timer::WaitingTimeout, T2))
            })
        })
        .collect();
    let mut fired = 0;
    for claim in claims {
        fired += usize::from(claim.await.expect("claim"));
    }
    assert_eq!(fired, 1);
    assert_eq!(store.next_timer().await.expect("read"), None);
    for other in others {
        other.close().await;
    }
}

#[tokio::test]
async fn relays_starting_together_migrate_once_and_agree_on_their_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = Arc::new(store_url(dir.path()));
    let opens: Vec<_> = (0..3)
        .map(|i| {
            let url = Arc::clone(&url);
            tokio::spawn(async move {
                let store = Store::open(&url).await.expect("open");
                let secret = store
                    .relay_secret("visitor", &[i; 32])
                    .await
                    .expect("secret");
                store.close().await;
                secret
            })
        })
        .collect();
    let mut secrets = Vec::new();
    for open in opens {
        secrets.push(open.await.expect("task"));
    }
    secrets.dedup();
    assert_eq!(secrets.len(), 1, "one secret for every relay");
}
