//! The database a test relay runs on: a SQLite file in the test's directory, or, when
//! `TETAP_TEST_STORE=postgres` (the PostgreSQL leg of `cargo xtask test`), a database of its
//! own on one throwaway PostgreSQL cluster per test process.
//!
//! The cluster (`initdb` + `pg_ctl` in a temporary directory, on its own port) is started on
//! first use and removed when the test process ends, however it ends: a watchdog shell waits
//! for the end of a pipe only this process holds, then stops the cluster and deletes it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Which engine this test process runs its relays on.
pub fn on_postgres() -> bool {
    match std::env::var("TETAP_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("TETAP_TEST_STORE={other}: expected sqlite or postgres"),
    }
}

/// The database URL of the relay whose files live in `dir`: the same for every call with the
/// same `dir`, so a restarted relay finds its data.
pub fn store_url(dir: &Path) -> String {
    if !on_postgres() && !databases().contains_key(dir) {
        return format!("sqlite://{}", dir.join("tetap.db").display());
    }
    use_postgres(dir)
}

/// Makes the relay whose files live in `dir` run on a PostgreSQL database of its own, whatever
/// `TETAP_TEST_STORE` says (tests of what only a database server does); returns its URL.
pub fn use_postgres(dir: &Path) -> String {
    let mut databases = databases();
    let next = databases.len();
    databases
        .entry(dir.to_owned())
        .or_insert_with(|| cluster().create_database(&format!("relay_{next}")))
        .clone()
}

/// The PostgreSQL database of each test directory that has one.
fn databases() -> std::sync::MutexGuard<'static, HashMap<PathBuf, String>> {
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    DATABASES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// This process's cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

/// This process's throwaway cluster ([`tetap_pgtemp`]); never dropped, so its watchdog stops and
/// removes it when the process ends.
pub struct Cluster(tetap_pgtemp::Cluster);

impl Cluster {
    fn start() -> Self {
        let options = tetap_pgtemp::Options {
            // Tests kill relays, never the server: durability on disk is the bench's to measure.
            durable: false,
            settings: "max_connections = 400\nshared_buffers = 64MB",
            ..tetap_pgtemp::Options::default()
        };
        Self(tetap_pgtemp::Cluster::start(options).expect("a throwaway PostgreSQL cluster"))
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        self.0.create_database(name).expect("create database")
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        self.0.url(name)
    }

    /// Runs one SQL command as the cluster's superuser.
    pub fn psql(&self, sql: &str) {
        self.0.psql(sql).expect("psql");
    }
}
