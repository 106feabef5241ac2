//! `tetap-relay migrate-store`, the built binary run as an operator runs it: a SQLite store
//! filled through the relay's own `Store` moves into a real PostgreSQL database (a throwaway
//! cluster, whatever `TETAP_TEST_STORE` says) and reads back the same through `Store`; a
//! target that holds data is refused without `--resume`; an interrupted move resumes to the same
//! copy; bad URLs say what is wrong and never show a password.

mod fixture;

use crate::relay::support::database::cluster;
use fixture::*;
use sqlx::Connection as _;
use tetap_relay::store::{Store, StoreError};
use tetap_shared::ConversationState;

#[tokio::test]
async fn a_sqlite_store_moves_to_postgres_whole_and_verified() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, from, ids) = source(&dir).await;
    let to = target("migrate_whole");
    // A relay was started on the target once: it recorded the configured capacities, which
    // PostgreSQL's capacity trigger would hold against the copied assignments.
    let started = Store::open(&to)
        .await
        .expect("a relay's store on the target");
    started
        .record_capacities(vec![("anna".into(), 1), ("bob".into(), 1)])
        .await
        .expect("capacities");
    started.close().await;
    drop(started);
    let output = migrate(&["--from", &from, "--to", &to, "--batch-rows", "4"]).await;
    assert!(output.status.success(), "{}", text(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("postgres://tetap:***@127.0.0.1:"),
        "{report}"
    );
    assert!(report.contains("verified: 7 tables"), "{report}");
    assert!(report.contains("in all 8 conversations"), "{report}");
    assert!(
        report.contains("messages") && report.contains("37 rows"),
        "{report}"
    );

    let moved = Store::open(&to).await.expect("target store");
    assert_same(&source, &moved, &ids).await;
    assert_eq!(moved.agent_load("anna").await.expect("load"), 2);
    // The capacities came along: anna stays over her lowered capacity, bob at his.
    for agent in ["anna", "bob"] {
        let refused = conversation(
            &moved,
            "new",
            ConversationState::Active,
            Some(agent),
            false,
            0,
        );
        let refused = refused.await;
        assert!(
            matches!(refused, Err(StoreError::AtCapacity)),
            "{agent}: {refused:?}"
        );
    }
    moved.close().await;
    source.close().await;
}

#[tokio::test]
async fn a_target_that_holds_conversations_is_refused_without_resume() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, from, ids) = source(&dir).await;
    let to = target("migrate_refused");
    let first = migrate(&["--from", &from, "--to", &to]).await;
    assert!(first.status.success(), "{}", text(&first));

    let again = migrate(&["--from", &from, "--to", &to]).await;
    assert!(!again.status.success());
    let said = text(&again);
    assert!(
        said.contains("already holds conversations, messages and an earlier move"),
        "{said}"
    );
    assert!(
        said.contains("--resume") && said.contains("tetap:***@"),
        "{said}"
    );

    // Resuming a finished move copies nothing twice and verifies again.
    let resumed = migrate(&["--from", &from, "--to", &to, "--resume"]).await;
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert!(
        text(&resumed).contains("(0 copied by this run)"),
        "{}",
        text(&resumed)
    );
    let moved = Store::open(&to).await.expect("target store");
    assert_same(&source, &moved, &ids).await;
    moved.close().await;
    source.close().await;
}

#[tokio::test]
async fn an_interrupted_move_resumes_to_the_same_copy_without_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, from, ids) = source(&dir).await;
    let to = target("migrate_resumed");
    let chunk = [
        "--from",
        &from,
        "--to",
        &to,
        "--batch-rows",
        "2",
        "--stop-after-rows",
        "5",
    ];
    let first = migrate(&chunk).await;
    assert!(!first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("stopped after copying 5 rows"),
        "{}",
        text(&first)
    );
    let refused = migrate(&chunk).await;
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(
        said.contains("already holds conversations") && said.contains("--resume"),
        "{said}"
    );
    // 5 rows at a time stop once inside every table longer than 5 rows (messages, waits).
    let mut runs = 1;
    loop {
        let resumed = migrate(&[&chunk[..], &["--resume"]].concat()).await;
        runs += 1;
        if resumed.status.success() {
            break;
        }
        assert!(
            text(&resumed).contains("run again with --resume"),
            "{}",
            text(&resumed)
        );
        assert!(runs < 30, "the move never ends: {}", text(&resumed));
    }
    // 2 agents, 8 conversations, 37 messages, a session, a timer, 6 waits, a secret: 56 rows.
    assert_eq!(runs, 12);
    let moved = Store::open(&to).await.expect("target store");
    assert_same(&source, &moved, &ids).await;
    moved.close().await;
    source.close().await;
}

#[tokio::test]
async fn a_copy_that_differs_from_its_source_fails_verification() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, from, ids) = source(&dir).await;
    let to = target("migrate_differs");
    let first = migrate(&["--from", &from, "--to", &to]).await;
    assert!(first.status.success(), "{}", text(&first));
    let mut moved = sqlx::PgConnection::connect(&to).await.expect("connect");
    sqlx::query("DELETE FROM messages WHERE conversation_id = $1 AND seq = 25")
        .bind(&ids[2].0)
        .execute(&mut moved)
        .await
        .expect("lose a message");
    moved.close().await.expect("close");

    let output = migrate(&["--from", &from, "--to", &to, "--resume"]).await;
    assert!(!output.status.success());
    let said = text(&output);
    assert!(said.contains("the copy differs from the source"), "{said}");
    assert!(
        said.contains("messages: 37 rows in the source, 36 in the target"),
        "{said}"
    );
    let conversation = format!(
        "conversation {}: highest message seq 25 in the source, 24",
        ids[2].0
    );
    assert!(said.contains(&conversation), "{said}");
    source.close().await;
}

#[tokio::test]
async fn a_source_a_relay_still_runs_on_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, from, _) = source(&dir).await;
    source
        .write(|tx| tx.renew_instance("relay-1", T0, LATER))
        .await
        .expect("lease");
    let to = target("migrate_running");
    let output = migrate(&["--from", &from, "--to", &to]).await;
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("a relay is still running on the source"),
        "{said}"
    );
    assert!(said.contains(LATER), "{said}");
    source.close().await;
}

#[tokio::test]
async fn a_bad_url_says_what_is_wrong_and_never_shows_the_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, from, _) = source(&dir).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let missing = format!("sqlite://{}", dir.path().join("missing.db").display());
    let unreachable = format!("postgres://tetap:{PASSWORD}@127.0.0.1:{closed}/tetap");
    let no_database =
        cluster()
            .url("no_such_database")
            .replacen("tetap@", &format!("tetap:{PASSWORD}@"), 1);
    let wrong_way = format!("mysql://tetap:{PASSWORD}@127.0.0.1/tetap");
    for (from, to, says) in [
        (&missing, &unreachable, "the source sqlite://"),
        (
            &from,
            &unreachable,
            "cannot open the target postgres://tetap:***@127.0.0.1:",
        ),
        (&from, &no_database, "no_such_database"),
        (
            &from,
            &wrong_way,
            "--to a postgres://… URL (got --from sqlite://",
        ),
        (&unreachable, &from, "must be a sqlite:… URL"),
    ] {
        let output = migrate(&["--from", from, "--to", to]).await;
        assert!(!output.status.success(), "{from} → {to}");
        let said = text(&output);
        assert!(said.contains(says), "{from} → {to}: {said}");
    }
    assert!(
        !dir.path().join("missing.db").exists(),
        "a missing source is never created"
    );
    source.close().await;
}
