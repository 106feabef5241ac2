//! `cargo xtask`: Tetap's automation, in Rust rather than shell (see rust-analyzer's xtask).
//!
//! `setup` installs the offline WASM toolchain of `shared/TOOLCHAIN.md`, `test` is what CI runs,
//! `run` starts the relay with a demo shop and the agent console, `dist` builds the release binary
//! with the widget and the console inside, `bench` measures against the budgets and `fuzz` runs
//! the cargo-fuzz targets for a while.

mod bench;
mod cmd;
mod console;
mod demo;
mod dist;
mod faults;
mod fuzz;
mod paths;
mod run;
mod scratch;
mod setup;
mod test;
mod widget;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup         install what building and testing need (idempotent; quick when all is there)
  test          setup, fmt, clippy (native and wasm32), widget and console builds, all tests; what CI runs
  run           setup, build the widget and console, start the relay with the demo shop on 127.0.0.1:8080
                (`--postgres`: two relays on a throwaway PostgreSQL cluster, the shop on :8080
                and the console on :8081, acting as one)
  dist          setup, build the widget and console, build target/release/tetap-relay with both embedded
  bench         build a release relay and run the load generator: the figures against the budgets
                (`cargo xtask bench --quick` for smaller loads), then each fuzz target for 60s (15s)
                (`--postgres` adds PostgreSQL's rows, on a throwaway cluster, against a pgbench floor)
  fuzz          run each cargo-fuzz target of fuzz/ with nightly (`--seconds N` each, default 60)
  build-widget  `trunk build --release` of the widget (target/widget-dist) and the agent console
                (target/console-dist)";

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The cause chain, not a backtrace of xtask: the failing command's own output is
            // just above.
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.as_slice() {
        [] => {
            println!("{USAGE}");
            return Ok(());
        }
        [bench, flags @ ..] if bench == "bench" => {
            let started = Instant::now();
            bench::run(flags)?;
            println!("==> bench done in {}", cmd::secs(started.elapsed()));
            return Ok(());
        }
        [name, flags @ ..] if name == "fuzz" => {
            let started = Instant::now();
            fuzz::run(fuzz::seconds_flag(flags)?, None)?;
            println!("==> fuzz done in {}", cmd::secs(started.elapsed()));
            return Ok(());
        }
        [run, flag] if run == "run" && flag == "--postgres" => {
            run::run_on_postgres()?;
            return Ok(());
        }
        [one] => one.as_str(),
        _ => bail!("expected one command, got {args:?}\n\n{USAGE}"),
    };
    let started = Instant::now();
    match command {
        "setup" => setup::run()?,
        "test" => test::run()?,
        "run" => run::run()?,
        "dist" => dist::run()?,
        "build-widget" => widget::build_both()?,
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            return Ok(());
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
    println!("==> {command} done in {}", cmd::secs(started.elapsed()));
    Ok(())
}
