//! A relay whose PostgreSQL server goes away and comes back: `/healthz` says so (503) while the
//! database is unreachable, a message sent meanwhile is refused (never acknowledged, so the
//! widget keeps it and sends it again), and once the database is back the relay serves again on
//! fresh connections — no restart needed, nothing lost. Always on PostgreSQL: a database server
//! is what can go away under a running relay.

use crate::relay::support::TestRelay;
use crate::relay::support::database::{cluster, store_url};
use tetap_shared::frames::ServerFrame;

/// The relay's database, as the cluster names it.
fn database_name(relay: &TestRelay) -> String {
    let url = store_url(relay.dir.path());
    url.rsplit('/').next().expect("database name").to_owned()
}

/// Refuses new connections to `database` and ends the open ones, as a server restart does
/// (waiting until each is gone: the timeout argument makes the call wait).
fn take_away(database: &str) {
    cluster().psql(&format!(
        "ALTER DATABASE {database} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid, 20000) FROM pg_stat_activity \
         WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ));
}

fn bring_back(database: &str) {
    cluster().psql(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"));
}

async fn health(relay: &TestRelay) -> u16 {
    reqwest::get(relay.url("/healthz"))
        .await
        .expect("healthz")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_health_check_fails_while_the_database_is_away_and_the_relay_recovers_by_itself() {
    let relay = TestRelay::start_on_postgres().await;
    let database = database_name(&relay);
    assert_eq!(health(&relay).await, 200);
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (conversation, seq) = sari.write("m1", "before").await;
    assert_eq!(seq, 1);

    take_away(&database);
    assert_eq!(
        health(&relay).await,
        503,
        "unreachable database, unhealthy relay"
    );
    sari.say("m2", "while the database is away").await;
    let refused = sari
        .until(|f| matches!(f, ServerFrame::Error { .. } | ServerFrame::Ack { .. }))
        .await;
    assert!(
        matches!(&refused, ServerFrame::Error { client_id: Some(id), .. } if id == "m2"),
        "not acknowledged: {refused:?}"
    );

    bring_back(&database);
    assert_eq!(
        health(&relay).await,
        200,
        "healthy again, without a restart"
    );
    // The widget sends what was not acknowledged again; it is stored once, next in line.
    let (again, seq) = sari.write("m2", "while the database is away").await;
    assert_eq!((again.as_str(), seq), (conversation.as_str(), 2));
    let (_, seq) = sari.write("m3", "after").await;
    assert_eq!(seq, 3);
}
