//! Building the agent console: `trunk build --release --config console/Trunk.toml` from the
//! workspace root, which writes to `target/console-dist` (served by the relay under `/console/`,
//! embedded by `dist`).

use anyhow::{Result, bail};

use crate::cmd::Cmd;
use crate::paths;

/// Builds the console and checks that trunk left its page where the relay looks for it.
pub fn build() -> Result<()> {
    Cmd::new(
        "trunk",
        ["build", "--release", "--config", "console/Trunk.toml"],
    )
    .run()?;
    let dist = paths::console_dist();
    if !dist.join("index.html").is_file() {
        bail!(
            "trunk succeeded but {} has no index.html: check console/Trunk.toml's `dist`",
            dist.display()
        );
    }
    println!("==> console built into {}", dist.display());
    Ok(())
}
