//! `cargo xtask fuzz [--seconds N]`, also the last step of `cargo xtask bench`: runs each
//! cargo-fuzz target of `fuzz/` for a bounded time with the nightly toolchain.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, secs};
use crate::paths;

/// The targets of `fuzz/Cargo.toml`, run in this order.
const TARGETS: [&str; 2] = ["client_frame", "rules_apply"];

/// Seconds per target when `cargo xtask fuzz` is given no `--seconds`.
const DEFAULT_SECONDS: u64 = 60;

/// What one bounded run of a target gave.
#[derive(Debug)]
struct Outcome {
    target: &'static str,
    /// libFuzzer's `Done N runs in S second(s)`; absent when the run stopped on a crash.
    runs: Option<u64>,
    seconds: f64,
    /// The input libFuzzer wrote when a check failed (crash, timeout, leak or OOM).
    artifact: Option<PathBuf>,
}

/// Runs every target for `seconds`, then appends a "## Fuzzing" section to `report` when that
/// file exists. Without a nightly toolchain it says so and succeeds: fuzzing is an extra, and
/// a machine without nightly can still bench.
pub fn run(seconds: u64, report: Option<&Path>) -> Result<()> {
    if let Some(reason) = missing_nightly() {
        println!("==> fuzzing skipped: {reason}");
        return append_report(report, &format!("Skipped: {reason}.\n"));
    }
    cargo_fuzz()?;
    // Built first so each target's duration is fuzzing time, not compile time.
    Cmd::new("cargo", ["+nightly", "fuzz", "build"]).run()?;
    let outcomes = TARGETS
        .iter()
        .map(|target| run_target(target, seconds))
        .collect::<Result<Vec<_>>>()?;
    let table = table(&outcomes);
    println!("==> fuzzing, {seconds}s per target:\n{table}");
    append_report(report, &table)?;
    // A crash is a bug found in `shared`, not a bench that could not run; still exit non-zero
    // so it cannot scroll by unnoticed: the artifact reproduces it.
    let found: Vec<String> = outcomes
        .iter()
        .filter_map(|o| Some(reproduce_line(o.target, o.artifact.as_deref()?)))
        .collect();
    if !found.is_empty() {
        bail!(
            "fuzzing found {} failing input(s); reproduce with:\n  {}",
            found.len(),
            found.join("\n  ")
        );
    }
    Ok(())
}

/// Why the nightly toolchain cannot be used, if it cannot. Asks rustup for its list instead
/// of trying `cargo +nightly`, which a rustup set to auto-install would answer by downloading it.
fn missing_nightly() -> Option<String> {
    let Some(toolchains) = Cmd::new("rustup", ["toolchain", "list"]).probe() else {
        return Some("rustup is not available to select the nightly toolchain".into());
    };
    if nightly_listed(&toolchains) {
        None
    } else {
        Some(
            "the nightly toolchain is not installed (cargo-fuzz needs it: \
             `rustup toolchain install nightly`)"
                .into(),
        )
    }
}

/// Whether `rustup toolchain list` names a nightly (`nightly-x86_64-…`, maybe `(default)`).
fn nightly_listed(toolchains: &str) -> bool {
    toolchains.lines().any(|l| l.trim().starts_with("nightly"))
}

/// cargo-fuzz, installed only when `cargo fuzz --version` fails. Kept out of `setup`, which
/// `cargo xtask test` runs on every CI pass: only fuzzing needs it.
fn cargo_fuzz() -> Result<()> {
    let present = || Cmd::new("cargo", ["fuzz", "--version"]).probe().is_some();
    if present() {
        println!("==> cargo-fuzz: present");
        return Ok(());
    }
    Cmd::new("cargo", ["install", "cargo-fuzz", "--locked"]).run()?;
    if !present() {
        bail!("`cargo fuzz` still not found on PATH after installing cargo-fuzz");
    }
    Ok(())
}

/// One bounded run. A failing input is an outcome; a failure without one (the build broke,
/// cargo-fuzz misbehaved) is an error, because then nothing was fuzzed.
fn run_target(target: &'static str, seconds: u64) -> Result<Outcome> {
    let started = Instant::now();
    let teed = fuzz_command(target, seconds)?.tee()?;
    let elapsed = started.elapsed().as_secs_f64();
    let artifact = artifact(&teed.text);
    if !teed.success && artifact.is_none() {
        bail!("`cargo fuzz run {target}` failed without a failing input: see its output above");
    }
    let done = done_line(&teed.text);
    Ok(Outcome {
        target,
        runs: done.map(|(runs, _)| runs),
        seconds: done.map_or(elapsed, |(_, s)| s as f64),
        artifact,
    })
}

/// `cargo +nightly fuzz run` of one target. The corpus grows in `fuzz/corpus/<target>`
/// (ignored by git); `fuzz/seeds/<target>` (committed) and `fuzz/dicts/<target>.dict` start it
/// from valid inputs: from random bytes alone libFuzzer rarely reaches a well-formed frame
/// within a bench's minute, and only those exercise the round trip.
fn fuzz_command(target: &str, seconds: u64) -> Result<Cmd> {
    let dir = paths::root().join("fuzz");
    let corpus = dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .with_context(|| format!("cannot create {}", corpus.display()))?;
    let mut fuzz = Cmd::new("cargo", ["+nightly", "fuzz", "run", target]);
    fuzz.args([corpus.as_os_str()]);
    let seeds = dir.join("seeds").join(target);
    if seeds.is_dir() {
        fuzz.args([seeds.as_os_str()]);
    }
    fuzz.args(["--".to_string(), format!("-max_total_time={seconds}")]);
    let dict = dir.join("dicts").join(format!("{target}.dict"));
    if dict.is_file() {
        fuzz.args([format!("-dict={}", dict.display())]);
    }
    Ok(fuzz)
}

/// libFuzzer's closing `Done 123 runs in 30 second(s)`: the runs and seconds.
fn done_line(output: &str) -> Option<(u64, u64)> {
    output.lines().rev().find_map(|line| {
        let rest = line.trim().strip_prefix("Done ")?;
        let (runs, rest) = rest.split_once(" runs in ")?;
        let (seconds, _) = rest.split_once(' ')?;
        Some((runs.parse().ok()?, seconds.parse().ok()?))
    })
}

/// The input libFuzzer saved on a failure (`… Test unit written to PATH`), relative to the
/// workspace root when it is not absolute.
fn artifact(output: &str) -> Option<PathBuf> {
    output.lines().find_map(|line| {
        let (_, path) = line.split_once("Test unit written to ")?;
        Some(paths::root().join(path.trim()))
    })
}

fn reproduce_line(target: &str, artifact: &Path) -> String {
    format!("cargo +nightly fuzz run {target} {}", artifact.display())
}

/// The per-target figures as a Markdown table, for the terminal and the report alike.
fn table(outcomes: &[Outcome]) -> String {
    let mut table = String::from(
        "| target | runs | duration | runs/s | failing input |\n|---|---:|---:|---:|---|\n",
    );
    for o in outcomes {
        let runs = o.runs.map_or("-".into(), |r| r.to_string());
        let rate = match o.runs {
            Some(r) if o.seconds > 0.0 => format!("{:.0}", r as f64 / o.seconds),
            _ => "-".into(),
        };
        let found = o
            .artifact
            .as_ref()
            .map_or("none".into(), |a| format!("**{}**", a.display()));
        let duration = secs(std::time::Duration::from_secs_f64(o.seconds));
        table.push_str(&format!(
            "| {} | {runs} | {duration} | {rate} | {found} |\n",
            o.target
        ));
    }
    table
}

/// Adds `body` under "## Fuzzing" to the bench report, replacing the section of an earlier
/// fuzz run of the same report; does nothing when there is no report.
fn append_report(report: Option<&Path>, body: &str) -> Result<()> {
    let Some(path) = report.filter(|p| p.is_file()) else {
        return Ok(());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    std::fs::write(path, with_section(&text, body))
        .with_context(|| format!("cannot write {}", path.display()))
}

const HEADING: &str = "## Fuzzing\n";

/// `report` with its "## Fuzzing" section (up to the next `## ` heading) replaced by `body`,
/// which goes at the end.
fn with_section(report: &str, body: &str) -> String {
    let mut kept = report.to_string();
    if let Some(start) = report
        .find(&format!("\n{HEADING}"))
        .map(|i| i + 1)
        .or_else(|| report.starts_with(HEADING).then_some(0))
    {
        let after = &report[start + HEADING.len()..];
        let end = after
            .find("\n## ")
            .map_or(report.len(), |i| start + HEADING.len() + i + 1);
        kept = format!("{}{}", &report[..start], &report[end..]);
    }
    if !kept.is_empty() && !kept.ends_with("\n\n") {
        kept.push_str(if kept.ends_with('\n') { "\n" } else { "\n\n" });
    }
    format!("{kept}{HEADING}\n{body}")
}

/// `--seconds N` for `cargo xtask fuzz`; [`DEFAULT_SECONDS`] without it.
pub fn seconds_flag(flags: &[String]) -> Result<u64> {
    match flags {
        [] => Ok(DEFAULT_SECONDS),
        [flag, n] if flag == "--seconds" => n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .with_context(|| format!("`--seconds` wants a positive whole number, got `{n}`")),
        _ => bail!("usage: cargo xtask fuzz [--seconds N]; got {flags:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_done_line_gives_runs_and_seconds() {
        let output = "#1024 pulse cov: 10\nDone 2538114 runs in 31 second(s)\n";
        assert_eq!(done_line(output), Some((2_538_114, 31)));
        assert_eq!(done_line("INFO: nothing\n"), None);
    }

    #[test]
    fn the_failing_input_is_read_from_libfuzzers_line() {
        let output = "==1== ERROR: libFuzzer: deadly signal\n\
             artifact_prefix='/w/fuzz/artifacts/client_frame/'; Test unit written to \
             /w/fuzz/artifacts/client_frame/crash-0123\n";
        assert_eq!(
            artifact(output),
            Some(PathBuf::from("/w/fuzz/artifacts/client_frame/crash-0123"))
        );
        assert_eq!(artifact("Done 1 runs in 1 second(s)\n"), None);
    }

    #[test]
    fn nightly_is_found_in_rustups_list_only_when_listed() {
        let both =
            "stable-x86_64-unknown-linux-gnu (active, default)\nnightly-x86_64-unknown-linux-gnu\n";
        assert!(nightly_listed(both));
        assert!(!nightly_listed(
            "stable-x86_64-unknown-linux-gnu (default)\n1.95.0-x86_64\n"
        ));
    }

    #[test]
    fn the_section_is_appended_after_a_blank_line() {
        assert_eq!(
            with_section("# Bench\n| a |\n", "x\n"),
            "# Bench\n| a |\n\n## Fuzzing\n\nx\n"
        );
    }

    #[test]
    fn an_earlier_fuzzing_section_is_replaced_and_later_sections_kept() {
        let report = "# Bench\n\n## Fuzzing\n\nold\n\n## Other\n\ny\n";
        assert_eq!(
            with_section(report, "new\n"),
            "# Bench\n\n## Other\n\ny\n\n## Fuzzing\n\nnew\n"
        );
    }

    #[test]
    fn the_report_gets_the_section_only_when_it_exists() -> Result<()> {
        let path =
            std::env::temp_dir().join(format!("tetap-fuzz-report-{}.md", std::process::id()));
        append_report(Some(&path), "x\n")?;
        assert!(!path.exists(), "no report, nothing written");
        std::fs::write(&path, "# Bench\n")?;
        append_report(Some(&path), "x\n")?;
        let text = std::fs::read_to_string(&path)?;
        std::fs::remove_file(&path)?;
        assert_eq!(text, "# Bench\n\n## Fuzzing\n\nx\n");
        Ok(())
    }

    #[test]
    fn seconds_default_and_parse() {
        assert_eq!(seconds_flag(&[]).ok(), Some(DEFAULT_SECONDS));
        let flags = ["--seconds".to_string(), "30".to_string()];
        assert_eq!(seconds_flag(&flags).ok(), Some(30));
        assert!(seconds_flag(&["--seconds".to_string(), "0".to_string()]).is_err());
        assert!(seconds_flag(&["--quick".to_string()]).is_err());
    }

    #[test]
    fn a_crash_shows_its_path_and_no_rate() {
        let outcome = Outcome {
            target: "client_frame",
            runs: None,
            seconds: 3.0,
            artifact: Some(PathBuf::from("/a/crash-1")),
        };
        assert!(table(&[outcome]).contains("| client_frame | - | 3.0s | - | **/a/crash-1** |"));
    }
}
