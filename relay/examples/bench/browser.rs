//! Open to first message, in real Chromium.

use crate::client::{customer, next, send};
use crate::relay_process::{Relay, token};
use crate::report::{Row, ms, row};
use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// In real Chromium: from clicking the launcher on a host page (another origin) to the newest
/// message of the customer's conversation rendered in the widget. The median of five page loads.
pub async fn open_to_first_message(
    relay: &Relay,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<Row> {
    use fantoccini::{ClientBuilder, Locator};
    let customer_token = token("chromium-customer");
    let (mut socket, _) = customer(&relay.ws(), &customer_token, None).await?;
    send(
        &mut socket,
        &ClientFrame::Send {
            client_id: "seed".into(),
            text: "first-message-probe".into(),
        },
    )
    .await?;
    while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
    // The host page: its own origin, the real script tag, a token provider returning a Promise.
    let host = format!("http://{}", listener.local_addr()?);
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body>
<script>window.shop = {{ getToken: function () {{ return Promise.resolve({token}); }} }};</script>
<script src="http://127.0.0.1:{port}/tetap.js" data-workstream="support" data-auth="shop.getToken" async></script>
</body></html>"#,
        token = serde_json::Value::String(customer_token),
        port = relay.port,
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(driver.stdout.take().expect("stdout")).lines();
    while let Some(line) = lines.next_line().await? {
        if line.contains("started successfully") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let profile = tempfile::tempdir()?;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", format!("--user-data-dir={}", profile.path().display()),
        ]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?;
    let mut samples = Vec::new();
    for _ in 0..5 {
        client.goto(&host).await?;
        let launcher = client
            .wait()
            .for_element(Locator::Css("button[aria-expanded]"))
            .await?;
        let started = Instant::now();
        launcher.click().await?;
        client
            .wait()
            .for_element(Locator::Css("iframe"))
            .await?
            .enter_frame()
            .await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath(
                "//*[contains(@class, 'tetap-text') and text()='first-message-probe']",
            ))
            .await?;
        samples.push(started.elapsed());
        client.enter_parent_frame().await?;
    }
    client.close().await?;
    samples.sort();
    Ok(row(
        "open to first message rendered, Chromium (median of 5)",
        format!("{} ms", ms(samples[samples.len() / 2])),
        "",
        String::new(),
    ))
}
