//! Child processes: each is announced as `==> program args…`, runs with the tool `PATH` of
//! [`paths::child_path`] and `TRUNK_SKIP_VERSION_CHECK=true`, and a failure becomes an error
//! that names the command.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::paths;

/// A command about to run, with the text it is announced by.
pub struct Cmd {
    inner: Command,
    shown: String,
}

/// What a command printed (both streams, as text) and whether it succeeded.
pub struct Teed {
    pub success: bool,
    pub text: String,
}

impl Cmd {
    /// `program args…`, run in the workspace root unless [`Cmd::dir`] says otherwise.
    pub fn new<I, S>(program: &str, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut inner = Command::new(program);
        inner
            .current_dir(paths::root())
            .env("PATH", paths::child_path())
            .env("TRUNK_SKIP_VERSION_CHECK", "true");
        let mut cmd = Cmd {
            inner,
            shown: program.to_string(),
        };
        cmd.args(args);
        cmd
    }

    /// Appends arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            let arg = arg.as_ref();
            self.shown.push(' ');
            self.shown.push_str(&arg.to_string_lossy());
            self.inner.arg(arg);
        }
        self
    }

    /// Sets an environment variable (shown in the announcement).
    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut Cmd {
        self.shown = format!("{key}={} {}", value.as_ref().to_string_lossy(), self.shown);
        self.inner.env(key, value);
        self
    }

    /// Runs in `dir` instead of the workspace root.
    pub fn dir(&mut self, dir: &Path) -> &mut Cmd {
        self.inner.current_dir(dir);
        self
    }

    /// Announces and runs with inherited standard streams; a non-zero exit is an error.
    pub fn run(&mut self) -> Result<()> {
        println!("==> {}", self.shown);
        let status = self
            .inner
            .status()
            .with_context(|| format!("cannot start `{}`", self.shown))?;
        if !status.success() {
            bail!("`{}` failed ({status})", self.shown);
        }
        Ok(())
    }

    /// Announces and runs, feeding `input` on standard input and returning standard output
    /// (standard error stays on the terminal).
    pub fn run_with_input(&mut self, input: &str) -> Result<String> {
        println!("==> {}  (with input on stdin)", self.shown);
        let mut child = self
            .inner
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start `{}`", self.shown))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .with_context(|| format!("cannot write to `{}`", self.shown))?;
        }
        let output = child
            .wait_with_output()
            .with_context(|| format!("`{}` did not finish", self.shown))?;
        if !output.status.success() {
            bail!("`{}` failed ({})", self.shown, output.status);
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Announces and runs, streaming both output streams to the terminal as they come while
    /// keeping a copy of them, so the caller can read the test summaries afterwards.
    pub fn tee(&mut self) -> Result<Teed> {
        println!("==> {}", self.shown);
        let mut child = self
            .inner
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start `{}`", self.shown))?;
        let out = child.stdout.take().context("child stdout")?;
        let err = child.stderr.take().context("child stderr")?;
        let out = thread::spawn(move || copy(out, std::io::stdout()));
        let err = thread::spawn(move || copy(err, std::io::stderr()));
        let status = child
            .wait()
            .with_context(|| format!("`{}` did not finish", self.shown))?;
        let mut text = String::new();
        for copied in [out.join(), err.join()] {
            let bytes = copied
                .map_err(|_| anyhow::anyhow!("output copier panicked"))?
                .context("copying the output")?;
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
        Ok(Teed {
            success: status.success(),
            text,
        })
    }

    /// Runs quietly and returns what it printed (stdout then stderr, trimmed) if it exited 0;
    /// `None` if it could not start or failed. For probes like `tool --version`.
    pub fn probe(&mut self) -> Option<String> {
        let output = self.inner.stdin(Stdio::null()).output().ok()?;
        if !output.status.success() {
            return None;
        }
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        Some(text.trim().to_string())
    }
}

/// Copies `from` into `to` chunk by chunk (so partial lines such as `test x ... ` show at once)
/// and returns everything copied.
fn copy(mut from: impl Read, mut to: impl Write) -> std::io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(kept),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        kept.extend_from_slice(&buf[..n]);
        // The terminal going away must not stop the child: keep reading, so its pipe never fills.
        let _ = to.write_all(&buf[..n]).and_then(|()| to.flush());
    }
}

/// A duration as `12.3s`.
pub fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
