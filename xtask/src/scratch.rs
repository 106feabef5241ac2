//! A temporary directory of a command's own, given to it as `TMPDIR` and removed afterwards.
//!
//! The browsers that the tests and the bench drive leave their profiles behind in the temporary
//! directory (chromedriver's `org.chromium.Chromium.scoped_dir.*`, up to 50 MB each, about ten
//! per test run); a machine that runs many builds on one disk would fill up with them.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cmd::Cmd;

/// Removed, with whatever the command left in it, when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// A fresh `tetap-<purpose>-<pid>` in the system's temporary directory.
    pub fn new(purpose: &str) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("tetap-{purpose}-{}", std::process::id()));
        // A leftover of a run that was killed before it could clean up.
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self { dir })
    }

    /// Makes `cmd` (and every process it starts) put its temporary files here.
    pub fn give_to(&self, cmd: &mut Cmd) {
        cmd.env("TMPDIR", &self.dir);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}
