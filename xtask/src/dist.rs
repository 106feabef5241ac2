//! `cargo xtask dist`: the release relay with the built widget and agent console embedded. Never
//! the `demo` feature: its token endpoint must not exist in a shipped binary.

use anyhow::{Context, Result};

use crate::cmd::Cmd;
use crate::{paths, setup, widget};

/// Setup, widget and console, then `cargo build --release -p tetap-relay --features embed-assets`.
pub fn run() -> Result<()> {
    setup::run()?;
    widget::build_both()?;
    Cmd::new(
        "cargo",
        [
            "build",
            "--release",
            "-p",
            "tetap-relay",
            "--features",
            "embed-assets",
        ],
    )
    .env("TETAP_WIDGET_DIST", paths::widget_dist())
    .env("TETAP_CONSOLE_DIST", paths::console_dist())
    .run()?;
    let binary = paths::target().join("release").join("tetap-relay");
    let size = std::fs::metadata(&binary)
        .with_context(|| format!("the build left no {}", binary.display()))?
        .len();
    #[allow(clippy::cast_precision_loss)] // a file size shown with one decimal
    let mib = size as f64 / (1024.0 * 1024.0);
    println!("==> {} ({size} bytes, {mib:.1} MiB)", binary.display());
    Ok(())
}
