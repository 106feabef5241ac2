//! Tetap's benchmark, run by `cargo xtask bench`: a tokio-tungstenite load generator against a
//! release relay process on loopback. Prints one table: each figure with its budget
//! (DESIGN.md §4) and, where it applies, a floor measured in the same run; writes it to
//! `target/bench/report.md`. It fails only when it cannot run, never because a figure is slow.
//!
//! Arguments: `RELAY_BINARY WIDGET_DIST LOADER REPORT [--quick] [--only=idle,latency,…]
//! [--postgres]`. With `--postgres` the same report gets PostgreSQL's rows after SQLite's (see
//! `postgres.rs`); `--only` picks among those too (`throughput`, `latency`, `history`, and `relays`:
//! the rows of two and three relays on one database, in `relays.rs`).

mod browser;
mod client;
mod floors;
mod history;
mod latency;
mod memory;
mod postgres;
mod relay_process;
mod relays;
mod report;
mod sizes;
mod storm;
mod throughput;

use relay_process::{Pin, Relay};
use std::path::{Path, PathBuf};

/// How big each part's load is.
struct Scale {
    idle_sockets: usize,
    latency_seconds: u64,
    throughput_clients: usize,
    throughput_each: usize,
    history_rows: usize,
    storm_clients: usize,
    /// How long the `pgbench` floor of `--postgres` runs.
    pgbench_seconds: u64,
}

impl Scale {
    /// The loads the issue names: a few minutes in all.
    const FULL: Self = Self {
        idle_sockets: 10_000,
        latency_seconds: 10,
        throughput_clients: 200,
        throughput_each: 100,
        history_rows: 1_000_000,
        storm_clients: 5_000,
        pgbench_seconds: 15,
    };
    /// About a minute, for a quick look.
    const QUICK: Self = Self {
        idle_sockets: 1_000,
        latency_seconds: 3,
        throughput_clients: 50,
        throughput_each: 40,
        history_rows: 100_000,
        storm_clients: 500,
        pgbench_seconds: 5,
    };
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(
        args.len() >= 4,
        "usage: bench RELAY WIDGET_DIST LOADER REPORT [--quick] [--only=idle,…] [--postgres]"
    );
    let relay_binary = PathBuf::from(&args[0]);
    let report_path = PathBuf::from(&args[3]);
    let quick = args.iter().any(|a| a == "--quick");
    let on_postgres = args.iter().any(|a| a == "--postgres");
    let scale = if quick { Scale::QUICK } else { Scale::FULL };
    // `--only=idle,latency,…` runs just those parts (for investigating one figure).
    let only: Option<Vec<String>> = args
        .iter()
        .find_map(|a| a.strip_prefix("--only="))
        .map(|list| list.split(',').map(str::to_owned).collect());
    let wanted = |part: &str| only.as_ref().is_none_or(|o| o.iter().any(|p| p == part));
    // Before any load: the load generator's threads move to their own core.
    let pinning = relay_process::pinning();
    let mut rows = sizes::sizes(Path::new(&args[1]), Path::new(&args[2]))?;
    let dir = tempfile::tempdir()?;
    let fsync = floors::fsync(dir.path())?;
    rows.push(report::row(
        "floor: one 4 KiB append + fdatasync on the store's disk (rate, p50 / p99)",
        format!(
            "{:.0}/s, {} / {} ms",
            fsync.0,
            report::ms(fsync.1),
            report::ms(fsync.2)
        ),
        "",
        "every durable commit pays one".into(),
    ));
    // The Chromium run's host page lives on its own origin, which the workstream must allow.
    let host = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let host_origin = format!("http://{}", host.local_addr()?);
    let widget_dist = std::fs::canonicalize(&args[1])?;
    let mut relay = Relay::start(
        &relay_binary,
        dir.path(),
        &relay_process::sqlite_url(dir.path()),
        Pin::OwnCore,
        &host_origin,
        &widget_dist,
    )
    .await?;
    if wanted("idle") {
        rows.push(memory::idle_memory(&relay, scale.idle_sockets).await?);
    }
    if wanted("latency") {
        rows.extend(latency::delivery_latency(&relay, scale.latency_seconds, fsync.2).await?);
    }
    let (clients, each) = (scale.throughput_clients, scale.throughput_each);
    if wanted("throughput") {
        rows.extend(throughput::throughput(&relay, clients, each, fsync.0).await?);
    }
    if wanted("storm") {
        rows.push(storm::reconnect_storm(&relay, scale.storm_clients).await?);
    }
    if wanted("browser") {
        rows.push(browser::open_to_first_message(&relay, host).await?);
    }
    relay.stop().await;
    if wanted("throughput") && relay_process::pinnable() {
        // On a small machine one core is a hard cap for the relay: the same load once more with
        // the relay free to use every core (the load generator's too), on a store of its own.
        let unpinned_dir = dir.path().join("unpinned");
        std::fs::create_dir_all(&unpinned_dir)?;
        let mut unpinned = Relay::start(
            &relay_binary,
            &unpinned_dir,
            &relay_process::sqlite_url(&unpinned_dir),
            Pin::Anywhere,
            &host_origin,
            &widget_dist,
        )
        .await?;
        let group = throughput::grouped(&unpinned, clients, each).await?;
        rows.push(group.row("relay not pinned, may use every core"));
        unpinned.stop().await;
    }
    if wanted("history") {
        let url = relay_process::sqlite_url(dir.path());
        rows.push(
            history::history_latency(&relay_binary, dir.path(), &url, scale.history_rows).await?,
        );
    }
    if on_postgres {
        let figures = postgres::rows(
            &relay_binary,
            dir.path(),
            &host_origin,
            &widget_dist,
            &scale,
            fsync.2,
            wanted,
        );
        rows.extend(figures.await?);
    }
    let scale_name = if quick { "quick" } else { "full" };
    report::finish(&rows, &report_path, scale_name, &pinning)
}
