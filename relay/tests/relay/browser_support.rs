//! Real Chromium for the end-to-end tests: a chromedriver process and one headless session with
//! its own profile (so two `Browser`s are two devices), and the steps the tests repeat. Every
//! wait is for a DOM condition, bounded by [`STEP_DEADLINE`]; nothing sleeps.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a step may take in a browser on a loaded machine before the test fails.
pub const STEP_DEADLINE: Duration = Duration::from_secs(60);

/// A chromedriver process and one headless Chromium session; both end when dropped.
pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn launch() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver on PATH (cargo xtask setup installs it)");
        let stdout = driver.stdout.take().expect("chromedriver stdout");
        let mut lines = BufReader::new(stdout).lines();
        // chromedriver says when it listens: wait for that line instead of sleeping.
        loop {
            let line = tokio::time::timeout(STEP_DEADLINE, lines.next_line())
                .await
                .expect("chromedriver starts")
                .expect("chromedriver output")
                .expect("chromedriver still running");
            if line.contains("started successfully") {
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let profile = tempfile::tempdir().expect("profile dir");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Self {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(STEP_DEADLINE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} appears: {e}"))
    }

    /// A message in the widget's log saying exactly `text`, waiting for it to appear.
    pub async fn find_text(&self, text: &str) -> Element {
        let xpath = format!(
            "//*[contains(@class, 'tetap-text') and text()={}]",
            xpath_string(text)
        );
        self.client
            .wait()
            .at_most(STEP_DEADLINE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("a message saying {text:?} appears: {e}"))
    }

    /// Waits until the customer's message saying `text` is acknowledged by the relay ("sent",
    /// or already "read" by the agent).
    pub async fn find_sent(&self, text: &str) -> Element {
        let xpath = format!(
            "//li[@data-status='sent' or @data-status='read'][*[contains(@class, 'tetap-text') and text()={}]]",
            xpath_string(text)
        );
        self.client
            .wait()
            .at_most(STEP_DEADLINE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("the message {text:?} is sent: {e}"))
    }

    /// How many messages in the widget's log say `text` right now (no waiting).
    pub async fn count_text(&self, text: &str) -> usize {
        let xpath = format!(
            "//*[contains(@class, 'tetap-text') and text()={}]",
            xpath_string(text)
        );
        self.client
            .find_all(Locator::XPath(&xpath))
            .await
            .expect("query the log")
            .len()
    }

    /// Loads `url` (the host page), opens the chat with the launcher and enters the widget frame.
    pub async fn open_widget(&self, url: &str) {
        self.client.goto(url).await.expect("open the host page");
        self.find("button[aria-expanded]")
            .await
            .click()
            .await
            .expect("open the widget");
        self.find("iframe")
            .await
            .enter_frame()
            .await
            .expect("enter the widget frame");
    }

    /// Types `text` into the composer and presses send (the message shows as "sending").
    pub async fn write(&self, text: &str) {
        let input = self.find(".tetap-input").await;
        input.send_keys(text).await.expect("type");
        self.find(".tetap-send").await.click().await.expect("send");
    }

    /// [`Browser::write`], then waits until the relay acknowledged the message.
    pub async fn say(&self, text: &str) {
        self.write(text).await;
        self.find_sent(text).await;
    }

    /// Waits until the JavaScript expression `condition` holds in the current frame (for state
    /// the DOM does not show, such as storage); fails after the WebDriver script timeout.
    pub async fn wait_until(&self, condition: &str) {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             (function check() {{ if ({condition}) done(true); else setTimeout(check, 20); }})();"
        );
        self.client
            .execute_async(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{condition} comes true: {e}"));
    }

    /// Runs `script` on the host page (outside the widget frame), then goes back into the frame;
    /// returns what the script returned.
    pub async fn on_host_page(&self, script: &str) -> serde_json::Value {
        self.client
            .enter_parent_frame()
            .await
            .expect("leave the widget frame");
        let value = self
            .client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"));
        self.find("iframe")
            .await
            .enter_frame()
            .await
            .expect("enter the widget frame");
        value
    }
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes: pick the other quote).
fn xpath_string(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

/// axe-core's browser bundle, installed by `cargo xtask setup`.
fn axe_script() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache/tetap/axe-core/node_modules/axe-core/axe.min.js")
}

/// Runs axe-core on the current document (the widget frame when entered), limited to `include`
/// (CSS selectors; all of it when empty); returns the violations, one line each.
pub async fn axe_violations(browser: &Browser, include: &[&str]) -> Vec<String> {
    let source = std::fs::read_to_string(axe_script()).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; `cargo xtask setup` installs axe-core",
            axe_script().display()
        )
    });
    // Injected by WebDriver, which the page's CSP does not govern.
    browser
        .client
        .execute(&source, vec![])
        .await
        .expect("inject axe-core");
    let result = browser
        .client
        .execute_async(
            "const include = arguments[0];
             const done = arguments[arguments.length - 1];
             const context = include.length ? { include: include.map(s => [s]) } : document;
             axe.run(context, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                 + v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![json!(include)],
        )
        .await
        .expect("run axe-core");
    serde_json::from_value(result).expect("a list of violations")
}
