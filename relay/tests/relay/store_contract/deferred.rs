//! The store's contract for writes that may run again ([`Store::write_again`]), as a customer's
//! message is: on PostgreSQL their messages are numbered from the conversations read ahead for
//! their batch and sent in one statement. Numbers stay gapless and unrepeated, a client id
//! sent twice in one batch is stored once, and a message the database refuses fails alone
//! while the rest of its batch keeps its place.

use super::{T0, create, identity, open};
use crate::relay::support::database::{on_postgres, store_url};
use std::sync::mpsc;
use tetap_relay::store::{
    CustomerIdentity, Lookahead, MessageAuthorRow, NewMessage, Reader, Store, StoreError, StoreTx,
};
use tetap_shared::{AuthorKind, ConversationId, Message};

/// A customer's message as the relay writes one: the one stored with its client id if there is
/// one, else a new one in their current conversation. With `mark_read`, the write first runs a
/// statement of its own (the customer read up to the start), as a write whose rules change
/// something does.
fn says(
    who: &CustomerIdentity,
    client_id: &str,
    mark_read: bool,
) -> impl FnMut(&mut StoreTx<'_>) -> Result<Message, StoreError> + Send + use<> {
    let (who, client_id) = (who.clone(), client_id.to_owned());
    move |tx| {
        if let Some((_, stored)) = tx.customer_message_by_client_id(&who, &client_id)? {
            return Ok(stored);
        }
        let row = tx
            .current_conversation(&who)?
            .ok_or_else(|| StoreError::Corrupt("no conversation".into()))?;
        if mark_read {
            tx.mark_read(&row.id, Reader::Customer, 0)?;
        }
        insert(tx, &row.id, &who, &client_id)
    }
}

/// A new customer message with `client_id`, whether or not one is stored with it already.
fn insert(
    tx: &mut StoreTx<'_>,
    conversation: &ConversationId,
    who: &CustomerIdentity,
    client_id: &str,
) -> Result<Message, StoreError> {
    let author = MessageAuthorRow {
        kind: AuthorKind::Customer,
        id: who.subject.clone(),
        name: None,
    };
    let new = NewMessage {
        client_id: Some(client_id.to_owned()),
        text: format!("text of {client_id}"),
        at: T0.into(),
    };
    tx.insert_message(conversation, &author, None, &new)
}

fn ahead(who: &CustomerIdentity, client_id: &str) -> Option<Lookahead> {
    Some(Lookahead {
        identity: who.clone(),
        client_id: Some(client_id.to_owned()),
    })
}

/// Holds the writer inside a write of its own until the returned sender is used or dropped,
/// so everything the test queues meanwhile runs together after it, in one round of its batch.
async fn hold_writer(
    store: &Store,
) -> (
    mpsc::Sender<()>,
    impl Future<Output = Result<(), StoreError>> + use<>,
) {
    let (started, running) = tokio::sync::oneshot::channel();
    let (release, held) = mpsc::channel::<()>();
    let holding = store.write(move |_tx| {
        let _ = started.send(());
        let _ = held.recv();
        Ok(())
    });
    running.await.expect("the writer runs the holding write");
    (release, holding)
}

/// The conversation's stored messages as `(seq, client_id)`.
async fn stored(store: &Store, conversation: &ConversationId) -> Vec<(u64, String)> {
    let (messages, _) = store
        .messages_before(conversation, None, 50)
        .await
        .expect("read");
    messages
        .into_iter()
        .map(|m| (m.seq, m.client_id.unwrap_or_default()))
        .collect()
}

/// A conversation of `who` with one message, client id `taken`, committed.
async fn conversation_with_taken(store: &Store, who: &CustomerIdentity) -> ConversationId {
    let creating = who.clone();
    let row = store
        .write(move |tx| create(tx, &creating, T0))
        .await
        .expect("create");
    let (id, who) = (row.id.clone(), who.clone());
    store
        .write(move |tx| insert(tx, &id, &who, "taken"))
        .await
        .expect("first message");
    row.id
}

#[tokio::test]
async fn a_message_the_database_refuses_fails_alone_and_its_batch_keeps_its_numbers() {
    let (store, _dir) = open().await;
    let sari = identity("w", "sari");
    let id = conversation_with_taken(&store, &sari).await;
    let (release, holding) = hold_writer(&store).await;
    let first = store.write_again(ahead(&sari, "a"), says(&sari, "a", false));
    // Inserted without looking for it first: the unique client id refuses it at the latest
    // when the batch's messages are sent.
    let (conversation, who) = (id.clone(), sari.clone());
    let refused = store.write_again(ahead(&sari, "taken"), move |tx| {
        insert(tx, &conversation, &who, "taken")
    });
    let last = store.write_again(ahead(&sari, "b"), says(&sari, "b", false));
    release.send(()).expect("release");
    let (held, first, refused, last) = tokio::join!(holding, first, refused, last);
    held.expect("holding write");
    assert!(
        matches!(
            refused,
            Err(StoreError::Database(_)) | Err(StoreError::Sqlite(_))
        ),
        "{refused:?}"
    );
    assert_eq!(first.expect("first").seq, 2);
    assert_eq!(
        last.expect("last").seq,
        3,
        "no gap where the refused one was"
    );
    let expected = [(1, "taken"), (2, "a"), (3, "b")].map(|(s, c)| (s, c.to_owned()));
    assert_eq!(stored(&store, &id).await, expected);
    let row = store.conversation(&id).await.expect("read").expect("row");
    assert_eq!(row.last_seq, 3);
}

#[tokio::test]
async fn a_refused_message_found_by_a_later_writes_statement_fails_alone_too() {
    let (store, _dir) = open().await;
    let sari = identity("w", "sari");
    let id = conversation_with_taken(&store, &sari).await;
    let (release, holding) = hold_writer(&store).await;
    // A write of the batch that cannot run again, before the others: the batch holds more than
    // what they defer when sending that fails.
    let other = store.write(|tx| create(tx, &identity("w", "budi"), T0));
    let first = store.write_again(ahead(&sari, "a"), says(&sari, "a", false));
    let (conversation, who) = (id.clone(), sari.clone());
    let refused = store.write_again(ahead(&sari, "taken"), move |tx| {
        insert(tx, &conversation, &who, "taken")
    });
    // Its own statement needs the messages before it sent first, and sending them fails.
    let reading = store.write_again(ahead(&sari, "c"), says(&sari, "c", true));
    let last = store.write_again(ahead(&sari, "d"), says(&sari, "d", false));
    release.send(()).expect("release");
    let (held, other, first, refused, reading, last) =
        tokio::join!(holding, other, first, refused, reading, last);
    held.expect("holding write");
    assert!(refused.is_err(), "{refused:?}");
    let seqs = [first, reading, last].map(|m| m.expect("kept").seq);
    assert_eq!(seqs, [2, 3, 4]);
    let other = other.expect("the write before them is kept");
    assert!(store.conversation(&other.id).await.expect("read").is_some());
    let expected = [(1, "taken"), (2, "a"), (3, "c"), (4, "d")].map(|(s, c)| (s, c.to_owned()));
    assert_eq!(stored(&store, &id).await, expected);
}

#[tokio::test]
async fn a_client_id_sent_twice_in_one_batch_is_stored_once() {
    let (store, _dir) = open().await;
    let sari = identity("w", "sari");
    let id = conversation_with_taken(&store, &sari).await;
    let (release, holding) = hold_writer(&store).await;
    let sent = store.write_again(ahead(&sari, "again"), says(&sari, "again", false));
    let resent = store.write_again(ahead(&sari, "again"), says(&sari, "again", false));
    let next = store.write_again(ahead(&sari, "next"), says(&sari, "next", false));
    let old = store.write_again(ahead(&sari, "taken"), says(&sari, "taken", false));
    release.send(()).expect("release");
    let (held, sent, resent, next, old) = tokio::join!(holding, sent, resent, next, old);
    held.expect("holding write");
    let (sent, resent) = (sent.expect("sent"), resent.expect("resent"));
    assert_eq!((sent.seq, resent.seq), (2, 2));
    assert_eq!(
        sent.id, resent.id,
        "the resend is answered with the stored message"
    );
    assert_eq!(next.expect("next").seq, 3);
    assert_eq!(old.expect("old").seq, 1, "found among the committed ones");
    let expected = [(1, "taken"), (2, "again"), (3, "next")].map(|(s, c)| (s, c.to_owned()));
    assert_eq!(stored(&store, &id).await, expected);
    if on_postgres() {
        assert_eq!(
            store.deferred_writes(),
            4,
            "all four went through the deferred batch"
        );
    }
}

#[tokio::test]
async fn two_writers_number_one_conversation_through_deferred_batches_without_gap_or_repeat() {
    let (store, dir) = open().await;
    let other = Store::open(&store_url(dir.path()))
        .await
        .expect("second writer");
    let sari = identity("w", "sari");
    let creating = sari.clone();
    let row = store
        .write(move |tx| create(tx, &creating, T0))
        .await
        .expect("create");
    let sends: Vec<_> = (0..200)
        .map(|i| {
            let writer = if i % 2 == 0 { &store } else { &other };
            let client_id = format!("m{i}");
            writer.write_again(ahead(&sari, &client_id), says(&sari, &client_id, false))
        })
        .collect();
    let mut seqs: Vec<u64> = Vec::new();
    for send in sends {
        seqs.push(send.await.expect("send").seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=200).collect::<Vec<u64>>());
    let numbered: Vec<u64> = stored_all(&store, &row.id).await;
    assert_eq!(numbered, (1..=200).collect::<Vec<u64>>());
    let row = store
        .conversation(&row.id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(row.last_seq, 200);
    if on_postgres() {
        let deferred = store.deferred_writes() + other.deferred_writes();
        assert!(deferred > 0, "no message went through a deferred batch");
    }
    other.close().await;
}

/// Every stored `seq` of the conversation, ascending.
async fn stored_all(store: &Store, conversation: &ConversationId) -> Vec<u64> {
    let messages = store
        .messages_after(conversation, 0, 1000)
        .await
        .expect("read");
    messages.into_iter().map(|m| m.seq).collect()
}
