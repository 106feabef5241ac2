//! `cargo xtask setup`: the offline WASM toolchain of `shared/TOOLCHAIN.md`, Chromium and the
//! PostgreSQL server the tests start throwaway clusters of. Each item is
//! checked first and installed only when missing or at the wrong version, so a second run
//! takes seconds.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cmd::Cmd;
use crate::paths;

/// trunk 0.21.14: every 0.22.x needs a newer rustc than these machines have.
const TRUNK_VERSION: &str = "0.21.14";
/// binaryen 132 from npm; Debian's 108 builds a wasm that crashes in the browser.
const BINARYEN_PACKAGE: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version 132";
/// axe-core for the console's accessibility check (`relay/tests/relay/console_browser.rs`).
const AXE_VERSION: &str = "4.14.1";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs whatever is missing, then fetches the crates (trunk runs cargo offline).
pub fn run() -> Result<()> {
    rust_parts()?;
    wasm_bindgen_cli()?;
    trunk()?;
    wasm_opt()?;
    chromium()?;
    axe_core()?;
    postgresql()?;
    Cmd::new("cargo", ["fetch"]).run()
}

/// rustfmt and clippy (CI runs both) and the wasm32 standard library.
fn rust_parts() -> Result<()> {
    let components = Cmd::new("rustup", ["component", "list", "--installed"])
        .probe()
        .context("`rustup component list --installed` failed: is rustup installed?")?;
    let missing: Vec<&str> = ["rustfmt", "clippy"]
        .into_iter()
        .filter(|c| !components.lines().any(|l| l.starts_with(&format!("{c}-"))))
        .collect();
    if missing.is_empty() {
        println!("==> rustfmt, clippy: present");
    } else {
        Cmd::new("rustup", ["component", "add"])
            .args(&missing)
            .run()?;
    }

    let targets = Cmd::new("rustup", ["target", "list", "--installed"])
        .probe()
        .context("`rustup target list --installed` failed")?;
    if targets
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        println!("==> wasm32-unknown-unknown target: present");
        Ok(())
    } else {
        Cmd::new("rustup", ["target", "add", "wasm32-unknown-unknown"]).run()
    }
}

/// wasm-bindgen-cli at exactly the library version of Cargo.lock: the CLI refuses any other.
/// Installed without `--locked`: its own lock file names a crate the registry lacks.
fn wasm_bindgen_cli() -> Result<()> {
    let lock_path = paths::root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    let version = locked_version(&lock, "wasm-bindgen")?;
    let wanted = |tool: &str| {
        Cmd::new(tool, ["--version"])
            .probe()
            .is_some_and(|v| v.split_whitespace().nth(1) == Some(version.as_str()))
    };
    if wanted("wasm-bindgen") && wanted("wasm-bindgen-test-runner") {
        println!("==> wasm-bindgen-cli {version}: present");
        return Ok(());
    }
    Cmd::new(
        "cargo",
        [
            "install",
            "wasm-bindgen-cli",
            "--force",
            "--version",
            &version,
        ],
    )
    .run()?;
    if !wanted("wasm-bindgen") {
        bail!("wasm-bindgen {version} still not found on PATH after installing it");
    }
    Ok(())
}

fn trunk() -> Result<()> {
    let present = || {
        Cmd::new("trunk", ["--version"])
            .probe()
            .is_some_and(|v| v.split_whitespace().nth(1) == Some(TRUNK_VERSION))
    };
    if present() {
        println!("==> trunk {TRUNK_VERSION}: present");
        return Ok(());
    }
    Cmd::new(
        "cargo",
        [
            "install",
            "trunk",
            "--force",
            "--locked",
            "--version",
            TRUNK_VERSION,
        ],
    )
    .run()?;
    if !present() {
        bail!("trunk {TRUNK_VERSION} still not found on PATH after installing it");
    }
    Ok(())
}

/// binaryen 132's wasm-opt, installed from npm into its own prefix (see [`paths::binaryen_dir`]).
fn wasm_opt() -> Result<()> {
    let wasm_opt = paths::binaryen_bin().join("wasm-opt");
    let present = || {
        Cmd::new(&wasm_opt.to_string_lossy(), ["--version"])
            .probe()
            .is_some_and(|v| v.contains(WASM_OPT_VERSION))
    };
    if present() {
        println!("==> wasm-opt ({BINARYEN_PACKAGE}): present");
        return Ok(());
    }
    if Cmd::new("npm", ["--version"]).probe().is_none() {
        apt_install(
            &["nodejs", "npm"],
            "npm (Debian packages `nodejs` and `npm`)",
        )?;
    }
    let dir = paths::binaryen_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Cmd::new("npm", ["install", "--prefix"])
        .args([dir.as_os_str()])
        .args(["--no-audit", "--no-fund", BINARYEN_PACKAGE])
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
        .dir(&dir)
        .run()?;
    if !present() {
        bail!(
            "{} does not report {WASM_OPT_VERSION} after installing it",
            wasm_opt.display()
        );
    }
    Ok(())
}

/// axe-core from npm into its own prefix (see [`paths::axe_dir`]): the console's browser test
/// injects its `axe.min.js` into the console page and expects no violations.
fn axe_core() -> Result<()> {
    let package = paths::axe_dir()
        .join("node_modules")
        .join("axe-core")
        .join("package.json");
    let present = || {
        std::fs::read_to_string(&package)
            .is_ok_and(|text| text.contains(&format!("\"version\": \"{AXE_VERSION}\"")))
            && paths::axe_script().is_file()
    };
    if present() {
        println!("==> axe-core {AXE_VERSION}: present");
        return Ok(());
    }
    if Cmd::new("npm", ["--version"]).probe().is_none() {
        apt_install(
            &["nodejs", "npm"],
            "npm (Debian packages `nodejs` and `npm`)",
        )?;
    }
    let dir = paths::axe_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Cmd::new("npm", ["install", "--prefix"])
        .args([dir.as_os_str()])
        .args([
            "--no-audit",
            "--no-fund",
            &format!("axe-core@{AXE_VERSION}"),
        ])
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
        .dir(&dir)
        .run()?;
    if !present() {
        bail!(
            "{} is missing after installing axe-core {AXE_VERSION}",
            paths::axe_script().display()
        );
    }
    Ok(())
}

/// Chromium and a matching chromedriver, for wasm-bindgen-test and the relay's browser tests.
fn chromium() -> Result<()> {
    let major = |program: &str| {
        Cmd::new(program, ["--version"]).probe().and_then(|v| {
            let number = v
                .split_whitespace()
                .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
            Some(number.split('.').next()?.to_string())
        })
    };
    let matching = || {
        Path::new(CHROMIUM).exists()
            && Path::new(CHROMEDRIVER).exists()
            && major(CHROMIUM).is_some_and(|m| Some(m) == major(CHROMEDRIVER))
    };
    if matching() {
        println!("==> chromium + chromedriver: present");
        return Ok(());
    }
    apt_install(
        &["chromium", "chromium-driver"],
        "chromium and chromium-driver",
    )?;
    if !matching() {
        bail!("{CHROMIUM} and {CHROMEDRIVER} are still missing or of different versions");
    }
    Ok(())
}

/// The PostgreSQL server programs (`initdb`, `pg_ctl`, `psql`, `pgbench`): the store's tests
/// and the bench start a throwaway cluster with them.
fn postgresql() -> Result<()> {
    let installed = || {
        std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .any(|version| {
                let bin = version.path().join("bin");
                ["initdb", "pg_ctl", "psql", "pgbench"]
                    .iter()
                    .all(|program| bin.join(program).exists())
            })
    };
    if installed() {
        println!("==> postgresql: present");
        return Ok(());
    }
    // Only the programs: Debian would otherwise create and start a system cluster, and the
    // tests want none running.
    let no_main_cluster = Path::new("/etc/postgresql-common/createcluster.conf");
    let root = Cmd::new("id", ["-u"]).probe().as_deref() == Some("0");
    if root && !no_main_cluster.exists() {
        std::fs::create_dir_all("/etc/postgresql-common")
            .and_then(|()| std::fs::write(no_main_cluster, "create_main_cluster = false\n"))
            .context("writing /etc/postgresql-common/createcluster.conf")?;
    }
    apt_install(&["postgresql"], "PostgreSQL")?;
    if !installed() {
        bail!("PostgreSQL's programs are still missing from /usr/lib/postgresql/*/bin");
    }
    Ok(())
}

/// `apt-get install`, retried once after `--fix-broken` (it can fail once while upgrading
/// systemd packages). Needs root; otherwise says what to install.
fn apt_install(packages: &[&str], what: &str) -> Result<()> {
    let uid = Cmd::new("id", ["-u"]).probe();
    if uid.as_deref() != Some("0") {
        bail!(
            "{what} missing: install it as root (`apt-get install -y {}`)",
            packages.join(" ")
        );
    }
    let apt = |args: &[&str]| {
        Cmd::new("apt-get", args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    apt(&["update"])?;
    let install: Vec<&str> = ["install", "-y"].iter().chain(packages).copied().collect();
    if let Err(first) = apt(&install) {
        println!("==> apt-get install failed ({first:#}); repairing and retrying once");
        apt(&["--fix-broken", "install", "-y"])?;
        apt(&install)?;
    }
    Ok(())
}

/// The version of package `name` in a Cargo.lock; an error when absent or locked twice.
fn locked_version(lock: &str, name: &str) -> Result<String> {
    let mut versions = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                l.strip_prefix(key)?
                    .trim()
                    .strip_prefix('=')?
                    .trim()
                    .strip_prefix('"')?
                    .strip_suffix('"')
            })
        };
        if field("name") == Some(name) {
            versions.push(field("version").context("a Cargo.lock package without version")?);
        }
    }
    match versions.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => bail!("Cargo.lock has no `{name}` package"),
        many => bail!("Cargo.lock has several `{name}` versions: {many:?}; pin one"),
    }
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"
"#;

    #[test]
    fn the_locked_version_is_read_from_the_exact_package_name() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").ok().as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-macro").ok().as_deref(),
            Some("0.2.131")
        );
    }

    #[test]
    fn a_missing_package_is_an_error() {
        assert!(locked_version(LOCK, "trunk").is_err());
    }

    #[test]
    fn a_package_locked_at_two_versions_is_an_error() {
        let twice = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        assert!(locked_version(&twice, "wasm-bindgen").is_err());
    }
}
