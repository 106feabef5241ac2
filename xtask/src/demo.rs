//! The demo shop of `cargo xtask run`, kept in `target/demo/`: an RS256 key pair the demo
//! token endpoint signs with, agent anna's random password and its argon2id hash, and the
//! relay config. Made once; later runs reuse the keys and password (the config is rewritten
//! only when its text would change, e.g. after the checkout moved).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::rand_core::{OsRng, RngCore};

use crate::cmd::Cmd;
use crate::paths;

/// Where the relay listens in the demo.
pub const LISTEN: &str = "127.0.0.1:8080";
/// The demo agent's id.
pub const AGENT: &str = "anna";

/// What `run` needs to start the relay and tell the user how to sign in.
pub struct Demo {
    pub config: PathBuf,
    pub password: String,
}

/// Creates what is missing in `target/demo/` and returns the config path and password.
pub fn prepare() -> Result<Demo> {
    let dir = paths::demo_dir();
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let private = dir.join("shop-private.pem");
    let public = dir.join("shop-public.pem");
    if private.is_file() && public.is_file() {
        println!("==> demo key pair: reusing {}", private.display());
    } else {
        key_pair(&private, &public)?;
    }

    let password_file = dir.join("anna-password.txt");
    if !password_file.is_file() {
        println!(
            "==> demo agent password: generating {}",
            password_file.display()
        );
        write_private(&password_file, &format!("{}\n", random_password()))?;
    }
    let password = read(&password_file)?.trim().to_string();
    if password.is_empty() {
        bail!(
            "{} is empty: delete it to get a new password",
            password_file.display()
        );
    }

    let hash = password_hash(&dir.join("anna-password.hash"), &password_file, &password)?;
    let config = dir.join("tetap.toml");
    let text = config_text(&dir, &hash);
    if fs::read_to_string(&config).ok().as_deref() == Some(text.as_str()) {
        println!("==> demo config: reusing {}", config.display());
    } else {
        println!("==> demo config: writing {}", config.display());
        fs::write(&config, text).with_context(|| format!("cannot write {}", config.display()))?;
    }
    Ok(Demo { config, password })
}

/// A fresh 2048-bit RSA key pair: private as PKCS#8 PEM, public as SPKI PEM.
fn key_pair(private: &Path, public: &Path) -> Result<()> {
    println!(
        "==> demo key pair: generating RSA 2048 into {}",
        private.display()
    );
    let key = RsaPrivateKey::new(&mut OsRng, 2048).context("generating an RSA key")?;
    let private_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the private key")?;
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .context("encoding the public key")?;
    write_private(private, &private_pem)?;
    fs::write(public, public_pem).with_context(|| format!("cannot write {}", public.display()))
}

/// 20 characters from [A-Za-z0-9] (about 119 bits), uniform: bytes ≥ 248 are rejected so
/// each of the 62 characters is equally likely.
fn random_password() -> String {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut password = String::new();
    let mut bytes = [0u8; 32];
    while password.len() < 20 {
        OsRng.fill_bytes(&mut bytes);
        for b in bytes.iter().filter(|&&b| b < 248).take(20 - password.len()) {
            password.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
    password
}

/// The argon2id hash of `password`, made by the relay's own `hash-password` (so it is exactly
/// what the relay verifies) and cached beside the password until that file changes.
fn password_hash(cache: &Path, password_file: &Path, password: &str) -> Result<String> {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(hashed), Some(written)) = (modified(cache), modified(password_file))
        && hashed >= written
    {
        let hash = read(cache)?.trim().to_string();
        if hash.starts_with("$argon2id$") {
            return Ok(hash);
        }
    }
    let out = Cmd::new(
        "cargo",
        ["run", "-p", "tetap-relay", "--features", "demo", "--"],
    )
    .args(["hash-password"])
    .run_with_input(&format!("{password}\n"))
    .context("hashing the demo password with `tetap-relay hash-password`")?;
    let hash = out.trim().to_string();
    if !hash.starts_with("$argon2id$") {
        bail!("`tetap-relay hash-password` printed {hash:?}, not an argon2id PHC string");
    }
    fs::write(cache, format!("{hash}\n"))
        .with_context(|| format!("cannot write {}", cache.display()))?;
    Ok(hash)
}

/// The demo relay config: one persistent and one live (anonymous) workstream, one agent.
fn config_text(dir: &Path, hash: &str) -> String {
    let at = |name: &str| toml_string(&dir.join(name).to_string_lossy());
    let database = toml_string(&format!("sqlite://{}", dir.join("tetap.db").display()));
    let widget_dir = toml_string(&paths::widget_dist().to_string_lossy());
    let console_dir = toml_string(&paths::console_dist().to_string_lossy());
    let origins = r#"["http://127.0.0.1:8080", "http://localhost:8080"]"#;
    let (private, public, hash) = (
        at("shop-private.pem"),
        at("shop-public.pem"),
        toml_string(hash),
    );
    format!(
        r#"# Made by `cargo xtask run`; rewritten when it changes. Demo only: never deploy this file.
[server]
listen = "{LISTEN}"
database_url = {database}
widget_dir = {widget_dir}   # served when the binary has no embedded assets
console_dir = {console_dir} # the agent console at /console/, likewise

[demo]                      # only read by the relay's `demo` build
auth = "shop"
private_key_file = {private}

[[auth]]
id = "shop"
issuer = "http://{LISTEN}/demo"
audience = "tetap"
public_key_file = {public}

[[workstream]]
id = "support"
mode = "persistent"
auth = "shop"
allowed_origins = {origins}

[[workstream]]
id = "sales"
mode = "live"
auth = "shop"
anonymous = true
allowed_origins = {origins}

[[agent]]
id = "{AGENT}"
name = "Anna"
password_hash = {hash}
capacity = 3
workstreams = ["support", "sales"]
"#
    )
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes a secret readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{config_text, key_pair, random_password, toml_string};

    #[test]
    fn the_key_pair_is_pkcs8_private_and_spki_public_pem() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("tetap-xtask-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (private, public) = (dir.join("private.pem"), dir.join("public.pem"));
        key_pair(&private, &public)?;
        let private = std::fs::read_to_string(private)?;
        let public = std::fs::read_to_string(public)?;
        std::fs::remove_dir_all(&dir)?;
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        Ok(())
    }

    #[test]
    fn passwords_are_twenty_alphanumerics_and_differ() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.len(), 20);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn quotes_and_backslashes_in_paths_stay_valid_toml() {
        assert_eq!(toml_string(r#"/a "b"\c"#), r#""/a \"b\"\\c""#);
    }

    #[test]
    fn the_demo_config_uses_absolute_paths_and_the_given_hash() {
        let text = config_text(Path::new("/w/target/demo"), "$argon2id$v=19$x");
        assert!(text.contains(r#"database_url = "sqlite:///w/target/demo/tetap.db""#));
        assert!(text.contains(r#"public_key_file = "/w/target/demo/shop-public.pem""#));
        assert!(text.contains(r#"private_key_file = "/w/target/demo/shop-private.pem""#));
        assert!(text.contains(r#"password_hash = "$argon2id$v=19$x""#));
        assert!(text.contains(r#"issuer = "http://127.0.0.1:8080/demo""#));
    }
}
