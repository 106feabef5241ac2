//! Where things are: the workspace root, build outputs, and the places tools are installed to.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The workspace root. xtask's own manifest sits one level below it, so this holds wherever
/// `cargo xtask` is invoked from.
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory (`CARGO_TARGET_DIR` when set, as cargo itself does).
pub fn target() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// Trunk's output: fixed by `Trunk.toml` (`dist = "target/widget-dist"`), relative to the root.
pub fn widget_dist() -> PathBuf {
    root().join("target").join("widget-dist")
}

/// The agent console's trunk output: fixed by `console/Trunk.toml`
/// (`dist = "../target/console-dist"`, relative to that file).
pub fn console_dist() -> PathBuf {
    root().join("target").join("console-dist")
}

/// The demo shop's keys, password and config made by `cargo xtask run`.
pub fn demo_dir() -> PathBuf {
    root().join("target").join("demo")
}

/// The user's home; `/root` if `HOME` is unset (these machines run as root).
pub fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from)
}

/// Where `cargo install` puts binaries (`$CARGO_HOME/bin`, default `~/.cargo/bin`).
pub fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map_or_else(|| home().join(".cargo"), PathBuf::from)
        .join("bin")
}

/// The npm prefix holding binaryen 132's `wasm-opt` (Debian's binaryen 108 breaks release builds).
pub fn binaryen_dir() -> PathBuf {
    home().join(".cache").join("tetap").join("binaryen-132")
}

/// The npm prefix holding axe-core, which the console's browser test injects into the page to
/// check accessibility (see [`axe_script`]).
pub fn axe_dir() -> PathBuf {
    home().join(".cache").join("tetap").join("axe-core")
}

/// axe-core's browser bundle; the relay's console test reads it from here too.
pub fn axe_script() -> PathBuf {
    axe_dir()
        .join("node_modules")
        .join("axe-core")
        .join("axe.min.js")
}

/// The directory with binaryen 132's executables.
pub fn binaryen_bin() -> PathBuf {
    binaryen_dir().join("node_modules").join(".bin")
}

/// `PATH` for every child process: binaryen 132 and cargo's bin first, so neither Debian's
/// `wasm-opt` nor any other stray tool is ever picked ahead of the pinned ones.
pub fn child_path() -> OsString {
    let mut dirs = vec![binaryen_bin(), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_else(|_| std::env::var_os("PATH").unwrap_or_default())
}
