//! Building the customer widget: `trunk build --release` in the workspace root, whose
//! `Trunk.toml` writes to `target/widget-dist` (served by the relay, embedded by `dist`).

use anyhow::{Result, bail};

use crate::cmd::Cmd;
use crate::paths;

/// Builds the widget and checks that trunk left its page where the relay looks for it.
pub fn build() -> Result<()> {
    Cmd::new("trunk", ["build", "--release"]).run()?;
    let dist = paths::widget_dist();
    if !dist.join("index.html").is_file() {
        bail!(
            "trunk succeeded but {} has no index.html: check Trunk.toml's `dist`",
            dist.display()
        );
    }
    println!("==> widget built into {}", dist.display());
    Ok(())
}

/// The widget, then the agent console: both apps the relay serves.
pub fn build_both() -> Result<()> {
    build()?;
    crate::console::build()
}
