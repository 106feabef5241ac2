//! `cargo xtask bench`: builds the widget and a release relay, then runs the load generator
//! (`relay/examples/bench/`) against it and prints the table of figures, budgets and floors.
//! `--quick` runs smaller loads (a minute instead of several); `--postgres` adds the same figures
//! on PostgreSQL against the floor of `pgbench` one-row inserts, on a throwaway cluster the load
//! generator starts and removes (its `postgres.rs`; the flags are passed on to it). Then the fault
//! tests run at bench scale (see [`crate::faults`]) and each fuzz target runs for a bounded time
//! (see [`crate::fuzz`]).

use anyhow::Result;

use crate::cmd::Cmd;
use crate::scratch::Scratch;
use crate::{faults, fuzz, paths, setup, widget};

/// Fuzzing time per target: about two minutes in all, or half a minute with `--quick`.
const FUZZ_SECONDS: u64 = 60;
const QUICK_FUZZ_SECONDS: u64 = 15;

/// Setup, widget, release relay and load generator, then the run, then the fault tests at bench
/// scale, then fuzzing.
pub fn run(flags: &[String]) -> Result<()> {
    setup::run()?;
    widget::build_both()?;
    Cmd::new("cargo", ["build", "--release", "-p", "tetap-relay"]).run()?;
    Cmd::new(
        "cargo",
        [
            "build",
            "--release",
            "-p",
            "tetap-relay",
            "--example",
            "bench",
        ],
    )
    .run()?;
    let release = paths::target().join("release");
    let loader = paths::root().join("widget").join("tetap.js");
    // The load generator writes this report; the fault runs and fuzzing add their sections when
    // it is there.
    let report = paths::target().join("bench").join("report.md");
    let mut bench = Cmd::new(
        &release.join("examples").join("bench").to_string_lossy(),
        [
            release.join("tetap-relay").into_os_string(),
            paths::widget_dist().into_os_string(),
            loader.into_os_string(),
            report.clone().into_os_string(),
        ],
    );
    let scratch = Scratch::new("bench")?;
    scratch.give_to(&mut bench);
    bench.args(flags).run()?;
    drop(scratch);
    // A failure here is a lost or duplicated message, a real bug: it fails the bench.
    faults::run(&report)?;
    let quick = flags.iter().any(|f| f == "--quick");
    let seconds = if quick {
        QUICK_FUZZ_SECONDS
    } else {
        FUZZ_SECONDS
    };
    fuzz::run(seconds, Some(&report))
}
