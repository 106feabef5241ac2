//! The fault tests of `relay/tests/relay/faults*.rs` at bench scale, for `cargo xtask bench`:
//! 10,000 messages from 50 customers while the relay is killed twice with SIGKILL, then while
//! the network is cut mid-frame. The elapsed time goes into the bench report.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cmd::{Cmd, secs};

/// The section this run adds to the bench report.
const HEADING: &str = "## Fault runs at bench scale";

/// Runs the fault tests with `TETAP_FAULT_SCALE=bench`, one test at a time (each test spawns
/// its own relay and tens of customers; side by side they would only fight over two cores), then
/// appends the result to `report` when that file exists.
///
/// A failure is returned as an error, so the bench exits non-zero: these tests fail only when a
/// message is lost or stored twice, which is a real bug and not a slow figure.
pub fn run(report: &Path) -> Result<()> {
    let started = Instant::now();
    Cmd::new(
        "cargo",
        [
            "test",
            "-p",
            "tetap-relay",
            "--test",
            "relay",
            "faults",
            "--",
            "--test-threads=1",
        ],
    )
    .env("TETAP_FAULT_SCALE", "bench")
    .run()
    .context("the fault tests failed at bench scale (their output is above)")?;
    let elapsed = secs(started.elapsed());
    println!("==> fault runs at bench scale passed in {elapsed}");
    append_report(report, &section(&elapsed))
}

/// The report section for a passed run that took `elapsed`.
fn section(elapsed: &str) -> String {
    format!(
        "{HEADING}\n\n10,000 messages from 50 customers, two SIGKILLs, then the mid-frame network \
         cuts: passed in {elapsed} (`TETAP_FAULT_SCALE=bench cargo test -p tetap-relay --test \
         relay faults -- --test-threads=1`, build included).\n"
    )
}

/// Appends `section` to `report` after a blank line; does nothing when there is no report
/// (the load generator did not write one).
fn append_report(report: &Path, section: &str) -> Result<()> {
    if !report.is_file() {
        return Ok(());
    }
    let mut text = std::fs::read_to_string(report)
        .with_context(|| format!("cannot read {}", report.display()))?;
    if !text.is_empty() && !text.ends_with("\n\n") {
        text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
    }
    text.push_str(section);
    std::fs::write(report, text).with_context(|| format!("cannot write {}", report.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_names_the_load_and_the_time() {
        let text = section("12.3s");
        assert!(text.starts_with("## Fault runs at bench scale\n\n"));
        assert!(text.contains("10,000 messages from 50 customers, two SIGKILLs"));
        assert!(text.contains("passed in 12.3s"));
    }

    #[test]
    fn the_report_gets_the_section_only_when_it_exists() -> Result<()> {
        let path =
            std::env::temp_dir().join(format!("tetap-faults-report-{}.md", std::process::id()));
        append_report(&path, "## S\n")?;
        assert!(!path.exists(), "no report, nothing written");
        std::fs::write(&path, "# Bench\n| a |\n")?;
        append_report(&path, "## S\n")?;
        let text = std::fs::read_to_string(&path)?;
        std::fs::remove_file(&path)?;
        assert_eq!(text, "# Bench\n| a |\n\n## S\n");
        Ok(())
    }
}
