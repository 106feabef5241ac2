//! `cargo xtask run`: the relay's demo build serving the widget, the agent console and a demo
//! shop on 127.0.0.1:8080, in the foreground, with what a person needs to try it printed first.
//! `--postgres`: two such relays on one throwaway PostgreSQL cluster, the shop on one port and
//! the console on another, so a newcomer sees several relays act as one.

use anyhow::{Context, Result, bail};

use crate::cmd::Cmd;
use crate::demo::{self, AGENT, LISTEN};
use crate::{paths, setup, widget};

const RELAY: [&str; 6] = ["-p", "tetap-relay", "--features", "demo", "--", "--config"];

/// The second relay of `--postgres`: the console's.
const SECOND_LISTEN: &str = "127.0.0.1:8081";

/// Setup, widget and console, demo files and the relay's demo build.
fn prepare() -> Result<demo::Demo> {
    setup::run()?;
    widget::build_both()?;
    let demo = demo::prepare()?;
    // Build first so the banner is the last thing printed before the relay's own log.
    Cmd::new(
        "cargo",
        ["build", "-p", "tetap-relay", "--features", "demo"],
    )
    .run()?;
    Ok(demo)
}

/// Setup, widget and console, demo files, then the relay until it is stopped (Ctrl-C).
pub fn run() -> Result<()> {
    let demo = prepare()?;
    banner(&demo, &format!("http://{LISTEN}"));
    Cmd::new("cargo", ["run"])
        .args(RELAY)
        .args([demo.config.as_os_str()])
        .run()
}

/// Like [`run`], with two relays on one throwaway PostgreSQL cluster: the shop on
/// 127.0.0.1:8080 and the console on 127.0.0.1:8081. The cluster is gone when they stop.
pub fn run_on_postgres() -> Result<()> {
    let demo = prepare()?;
    let cluster = tetap_pgtemp::Cluster::start(tetap_pgtemp::Options {
        prefix: "tetap-demo-pg-",
        durable: true,
        ..tetap_pgtemp::Options::default()
    })?;
    let database = cluster.create_database("tetap")?;
    let binary = paths::target().join("debug").join("tetap-relay");
    let start = |listen: &str| {
        std::process::Command::new(&binary)
            .arg("--config")
            .arg(&demo.config)
            .args(["--listen", listen])
            .env("DATABASE_URL", &database)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))
    };
    let mut shop = start(LISTEN)?;
    let mut console = start(SECOND_LISTEN)?;
    banner(&demo, &format!("http://{SECOND_LISTEN}"));
    println!(
        "    On PostgreSQL ({}): the shop's relay on http://{LISTEN}/, the console's on \
         http://{SECOND_LISTEN}/console/.\n    A message written in the shop reaches the console \
         through the database. Ctrl-C stops both and removes the cluster.\n",
        cluster.version()
    );
    let status = shop.wait()?;
    let _ = console.kill();
    let _ = console.wait();
    drop(cluster);
    if !status.success() {
        bail!("the shop's relay stopped: {status}");
    }
    Ok(())
}

/// What a person needs to try the demo; the console and agent API at `base`.
fn banner(demo: &demo::Demo, base: &str) {
    let shop = format!("http://{LISTEN}");
    let password = &demo.password;
    println!(
        r#"
==> Tetap demo
    demo shop:     {shop}/
    agent console: {base}/console/   (sign in as {AGENT} with the password below, go online)
    agent API:     {base}/v1/agent/
    agent:         {AGENT}
    password:      {password}   (kept in target/demo/anna-password.txt)
    config:        {config}

    Hold a conversation from both sides in two windows: the shop (sign in as any customer, open
    the chat in the corner) and the console.

    # sign in as {AGENT}, go online, list conversations:
    TOKEN=$(curl -s -X POST {base}/v1/agent/login -H 'Content-Type: application/json' \
      -d '{{"agent":"{AGENT}","password":"{password}"}}' | sed -E 's/.*"token":"([^"]*)".*/\1/')
    curl -s -X PUT {base}/v1/agent/presence -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' -d '{{"presence":"online"}}'
    curl -s {base}/v1/agent/conversations -H "Authorization: Bearer $TOKEN"
    # answer a conversation (its id from the list above):
    curl -s -X POST {base}/v1/agent/conversations/ID/messages -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' -d '{{"text":"Hello!","client_id":"reply-1"}}'
"#,
        config = demo.config.display(),
    );
}
