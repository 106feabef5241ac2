//! `tetap-relay migrate-store`, the built binary run as an operator runs it: a SQLite store
//! filled through the relay's own `Store` moves into a real PostgreSQL database (a throwaway
//! cluster, whatever `TETAP_TEST_STORE` says) and reads back the same through `Store`; a
//! target that holds data is refused without `--resume`; an interrupted move resumes to the same
//! copy; bad URLs say what is wrong and never show a password.

use crate::relay::support::database::cluster;
use sqlx::Connection as _;
use std::process::Output;
use tetap_relay::store::{
    CustomerIdentity, MessageAuthorRow, NewConversation, NewMessage, SavedState, Store, StoreError,
};
use tetap_shared::rules::Timer;
use tetap_shared::{AuthorKind, ConversationId, ConversationState, Mode};

const T0: &str = "2026-11-24T09:00:00.000Z";
const T1: &str = "2026-11-24T09:05:00.000Z";
const LATER: &str = "2099-01-01T00:00:00.000Z";
const PASSWORD: &str = "s3cret-pw";
const SECRET: &[u8] = &[0, 1, 0xfe, 0xff, b'k', b'e', b'y'];

fn customer(subject: &str) -> CustomerIdentity {
    CustomerIdentity {
        issuer: "https://shop.test".into(),
        subject: subject.into(),
        workstream: "support".into(),
    }
}

/// A conversation of `subject`, left in `state` with `agent` (R8's exception when `exempt`),
/// with `messages` messages.
async fn conversation(
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
async fn fill(store: &Store) -> Vec<ConversationId> {
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
async fn source(dir: &tempfile::TempDir) -> (Store, String, Vec<ConversationId>) {
    let url = format!("sqlite://{}", dir.path().join("source.db").display());
    let store = Store::open(&url).await.expect("source store");
    let ids = fill(&store).await;
    (store, url, ids)
}

/// An empty PostgreSQL database of this test's own, its URL carrying a password (the test
/// cluster trusts local connections, so it goes unused, but it must never be printed).
fn target(name: &str) -> String {
    cluster().create_database(name).replacen(
        "postgres://tetap@",
        &format!("postgres://tetap:{PASSWORD}@"),
        1,
    )
}

async fn migrate(args: &[&str]) -> Output {
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

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Everything `fill` stored reads back the same from `target` as from `source`.
async fn assert_same(source: &Store, target: &Store, ids: &[ConversationId]) {
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
