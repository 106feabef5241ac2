//! Several relay processes on one throwaway PostgreSQL database, each with a configuration file
//! of its own that differs only in the port, as relays behind a load balancer are.

use crate::relay::faults::RelayProcess;
use crate::relay::support::{AgentClient, CustomerSocket};
use sqlx::Connection as _;
use tetap_shared::frames::{ClientFrame, PROTOCOL_VERSION, ServerFrame};

/// Relays sharing one database.
pub(crate) struct Relays {
    pub(crate) database: String,
    pub(crate) relays: Vec<RelayProcess>,
    _dir: tempfile::TempDir,
}

impl Relays {
    /// Starts `count` relays on a new database, with more `[server]` settings and `extra`
    /// configuration after the standard one.
    pub(crate) async fn start(count: usize, server: &str, extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = crate::relay::support::database::use_postgres(dir.path());
        let mut relays = Vec::with_capacity(count);
        for index in 0..count {
            let own = dir.path().join(format!("relay-{index}"));
            std::fs::create_dir(&own).expect("relay dir");
            let mut relay = RelayProcess::configured(&own, &database, server, extra);
            relay.start().await;
            // It says it listens before it has opened (and migrated) the database; the first
            // answer comes after.
            let health = reqwest::get(relay.http("/healthz")).await.expect("healthz");
            assert_eq!(health.status(), 200, "relay {index} serves");
            relays.push(relay);
        }
        Self {
            database,
            relays,
            _dir: dir,
        }
    }

    /// One SQL statement on the shared database, outside every relay (faults, checks).
    pub(crate) async fn sql(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.database)
            .await
            .expect("a connection to the test database")
    }
}

/// Signs `agent` in on `relay` (every agent of these tests has anna's password).
pub(crate) async fn sign_in(relay: &RelayProcess, agent: &str) -> AgentClient {
    let http = reqwest::Client::new();
    let token = crate::relay::faults::sign_in_as(relay, &http, agent).await;
    AgentClient {
        http,
        base: relay.http("/v1/agent"),
        token,
    }
}

/// The same signed-in agent, talking to another relay.
pub(crate) fn on(agent: &AgentClient, relay: &RelayProcess) -> AgentClient {
    AgentClient {
        http: agent.http.clone(),
        base: relay.http("/v1/agent"),
        token: agent.token.clone(),
    }
}

/// A customer socket of `sub` on `relay`'s `workstream`, hello said; returns it with `welcome`.
pub(crate) async fn customer(
    relay: &RelayProcess,
    workstream: &str,
    sub: &str,
) -> (CustomerSocket, ServerFrame) {
    let mut socket = CustomerSocket::connect(&relay.ws_url()).await;
    socket
        .send(&ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            workstream: workstream.into(),
            token: crate::relay::faults::token(sub),
            resume: None,
            locale: None,
        })
        .await;
    let welcome = socket
        .until(|frame| matches!(frame, ServerFrame::Welcome { .. }))
        .await;
    (socket, welcome)
}

/// How long a condition read from the database may take to come true.
const CONDITION: std::time::Duration = std::time::Duration::from_secs(60);
/// How often it is read meanwhile.
const READ_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

impl Relays {
    /// Waits until `count_query` (one `count(*)`) reads `expected`; fails the test after a minute.
    pub(crate) async fn until_count(&self, count_query: &str, expected: i64) {
        let mut sql = self.sql().await;
        let deadline = tokio::time::Instant::now() + CONDITION;
        let mut every = tokio::time::interval(READ_EVERY);
        loop {
            every.tick().await;
            let count: i64 = sqlx::query_scalar(count_query)
                .fetch_one(&mut sql)
                .await
                .expect("count query");
            if count == expected {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "`{count_query}` stayed at {count}, not {expected}"
            );
        }
    }

    /// A labelled counter summed over the relays that are running.
    pub(crate) async fn metric_sum(&self, series: &str) -> u64 {
        let mut total = 0;
        for relay in self.relays.iter().filter(|relay| relay.is_running()) {
            total += crate::relay::support::metric_at(&relay.http("/metrics"), series).await;
        }
        total
    }
}
