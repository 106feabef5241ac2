//! `cargo xtask bench`: builds the widget and a release relay, then runs the load generator
//! (`relay/examples/bench.rs`) against it and prints the table of figures, budgets and floors.
//! `--quick` runs smaller loads (a minute instead of several).

use anyhow::Result;

use crate::cmd::Cmd;
use crate::{paths, setup, widget};

/// Setup, widget, release relay and load generator, then the run.
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
    let mut bench = Cmd::new(
        &release.join("examples").join("bench").to_string_lossy(),
        [
            release.join("tetap-relay").into_os_string(),
            paths::widget_dist().into_os_string(),
            loader.into_os_string(),
        ],
    );
    bench.args(flags).run()
}
