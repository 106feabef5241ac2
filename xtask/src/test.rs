//! `cargo xtask test`, what CI runs: setup, formatting, clippy for both targets, the widget and
//! console builds (the relay's browser tests load them), then every test suite, native (the
//! relay's twice: on SQLite, then on PostgreSQL) and wasm32. Fails
//! fast; ends with a summary per step and the plain line `N passed, M failed`.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::cmd::{Cmd, secs};
use crate::scratch::Scratch;
use crate::{console, setup, widget};

/// Test counts read from `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// What a step does: lint/build steps only pass or fail, test steps also count.
enum Step {
    Call(fn() -> Result<()>),
    Check(Cmd),
    Tests(Cmd),
}

fn cargo(args: &[&str]) -> Cmd {
    Cmd::new("cargo", args)
}

fn steps() -> Vec<(&'static str, Step)> {
    const WASM: &str = "wasm32-unknown-unknown";
    vec![
        ("setup", Step::Call(setup::run)),
        (
            "fmt",
            Step::Check(cargo(&["fmt", "--all", "--", "--check"])),
        ),
        (
            "clippy native",
            Step::Check(cargo(&[
                "clippy",
                "--workspace",
                "--exclude",
                "tetap-widget",
                "--exclude",
                "tetap-console",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])),
        ),
        (
            "clippy wasm32",
            Step::Check(cargo(&[
                "clippy",
                "-p",
                "tetap-widget",
                "-p",
                "tetap-console",
                "--target",
                WASM,
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])),
        ),
        ("build widget", Step::Call(widget::build)),
        ("build console", Step::Call(console::build)),
        (
            "test native",
            Step::Tests(cargo(&[
                "test",
                "--workspace",
                "--exclude",
                "tetap-widget",
                "--exclude",
                "tetap-console",
            ])),
        ),
        ("test relay on postgresql", Step::Tests(relay_on_postgres())),
        (
            "test shared wasm32",
            Step::Tests(cargo(&["test", "-p", "tetap-shared", "--target", WASM])),
        ),
        (
            "test widget wasm32",
            Step::Tests(cargo(&["test", "-p", "tetap-widget", "--target", WASM])),
        ),
        (
            "test console wasm32",
            Step::Tests(cargo(&["test", "-p", "tetap-console", "--target", WASM])),
        ),
    ]
}

/// The relay's tests again, on PostgreSQL: the store's contract, the rules, restarts, faults and
/// every other test that drives a relay (a throwaway cluster per test process, see
/// `relay/tests/relay/support/database.rs`). The browser tests are left to the SQLite leg: they
/// check the page, and the store under them is the one tested here.
fn relay_on_postgres() -> Cmd {
    let mut cmd = cargo(&[
        "test",
        "-p",
        "tetap-relay",
        "--test",
        "relay",
        "--",
        "--skip",
        "browser",
        "--skip",
        "widget_",
    ]);
    cmd.env("TETAP_TEST_STORE", "postgres");
    cmd
}

/// Runs every step in order, stopping at the first failure.
pub fn run() -> Result<()> {
    let mut done: Vec<(&str, Duration, Option<Counts>)> = Vec::new();
    let mut total = Counts::default();
    for (name, step) in steps() {
        println!("==> step: {name}");
        let started = Instant::now();
        let outcome = match step {
            Step::Call(f) => f().map(|()| None),
            Step::Check(mut cmd) => cmd.run().map(|()| None),
            Step::Tests(mut cmd) => Scratch::new("test").and_then(|scratch| {
                scratch.give_to(&mut cmd);
                let teed = cmd.tee()?;
                let counts = count(&teed.text);
                total += counts;
                if teed.success && counts.failed == 0 {
                    Ok(Some(counts))
                } else {
                    bail!("{} passed, {} failed", counts.passed, counts.failed)
                }
            }),
        };
        match outcome {
            Ok(counts) => done.push((name, started.elapsed(), counts)),
            Err(e) => {
                summary(&done);
                println!("FAILED  {name} ({}): {e:#}", secs(started.elapsed()));
                if total != Counts::default() {
                    println!("{}", closing_line(total));
                }
                bail!("step `{name}` failed");
            }
        }
    }
    summary(&done);
    println!("{}", closing_line(total));
    Ok(())
}

fn summary(done: &[(&str, Duration, Option<Counts>)]) {
    println!("==> summary");
    for (name, took, counts) in done {
        match counts {
            Some(c) => println!("ok      {name} ({}): {} passed", secs(*took), c.passed),
            None => println!("ok      {name} ({})", secs(*took)),
        }
    }
}

/// `N passed, M failed`, with `, K skipped` when tests were ignored.
fn closing_line(total: Counts) -> String {
    let mut line = format!("{} passed, {} failed", total.passed, total.failed);
    if total.ignored > 0 {
        line.push_str(&format!(", {} skipped", total.ignored));
    }
    line
}

/// Adds up libtest's (and wasm-bindgen-test-runner's) lines
/// `test result: ok. 3 passed; 0 failed; 1 ignored; …`.
fn count(output: &str) -> Counts {
    let mut total = Counts::default();
    for line in output.lines() {
        let line = strip_ansi(line);
        let Some(rest) = line.trim().strip_prefix("test result:") else {
            continue;
        };
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            let (Some(n), Some(what)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => total.passed += n,
                "failed" => total.failed += n,
                "ignored" => total.ignored += n,
                _ => {}
            }
        }
    }
    total
}

/// Removes terminal colour sequences (`ESC [ … letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Counts, closing_line, count};

    #[test]
    fn results_of_several_suites_are_added_up() {
        let output = "running 2 tests\ntest a ... ok\n\
            test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
            \n   Doc-tests x\ntest result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n\
            test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s\n";
        assert_eq!(
            count(output),
            Counts {
                passed: 7,
                failed: 2,
                ignored: 1
            }
        );
    }

    #[test]
    fn coloured_and_indented_result_lines_count_too() {
        let output = "  test result: \u{1b}[32mok\u{1b}[0m. 4 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.05s";
        assert_eq!(
            count(output),
            Counts {
                passed: 4,
                failed: 0,
                ignored: 0
            }
        );
    }

    #[test]
    fn lines_that_merely_mention_passed_are_not_counted() {
        assert_eq!(
            count("12 passed; 3 failed\nall 9 passed"),
            Counts::default()
        );
    }

    #[test]
    fn the_closing_line_is_the_plain_form_ci_reads() {
        assert_eq!(
            closing_line(Counts {
                passed: 9,
                failed: 0,
                ignored: 0
            }),
            "9 passed, 0 failed"
        );
        assert_eq!(
            closing_line(Counts {
                passed: 9,
                failed: 0,
                ignored: 2
            }),
            "9 passed, 0 failed, 2 skipped"
        );
    }
}
