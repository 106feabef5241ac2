//! `cargo xtask run`: the relay's demo build serving the widget, the agent console and a demo
//! shop on 127.0.0.1:8080, in the foreground, with what a person needs to try it printed first.

use anyhow::Result;

use crate::cmd::Cmd;
use crate::demo::{self, AGENT, LISTEN};
use crate::{setup, widget};

const RELAY: [&str; 6] = ["-p", "tetap-relay", "--features", "demo", "--", "--config"];

/// Setup, widget and console, demo files, then the relay until it is stopped (Ctrl-C).
pub fn run() -> Result<()> {
    setup::run()?;
    widget::build_both()?;
    let demo = demo::prepare()?;
    // Build first so the banner below is the last thing printed before the relay's own log.
    Cmd::new(
        "cargo",
        ["build", "-p", "tetap-relay", "--features", "demo"],
    )
    .run()?;
    let base = format!("http://{LISTEN}");
    let password = &demo.password;
    println!(
        r#"
==> Tetap demo
    demo shop:     {base}/
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
    Cmd::new("cargo", ["run"])
        .args(RELAY)
        .args([demo.config.as_os_str()])
        .run()
}
