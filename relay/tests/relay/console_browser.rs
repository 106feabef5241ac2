//! The agent console end to end in real Chromium (issue 6): a customer on a host page on another
//! origin and an agent in the console, in two browser sessions, hold a whole persistent
//! conversation; customer text stays text in the console; the console passes axe-core; and the
//! console page carries its strict Content-Security-Policy.

use super::browser_support::{Browser, axe_violations};
use super::support::{ANNA_PASSWORD, TestRelay, console_dist, widget_dist};
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use fantoccini::key::Key;
use serde_json::{Value, json};

/// A host site on its own origin whose page embeds the widget with the script tag, signed in as
/// the customer of `token`.
async fn host_site(relay_origin: &str, listener: tokio::net::TcpListener, token: &str) {
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop on another origin</h1>
<script src="/host.js"></script>
<script src="{relay_origin}/tetap.js" data-workstream="support" data-auth="shop.getToken" async></script>
</body></html>"#
    );
    let script = format!(
        "window.shop = {{ getToken: function () {{ return Promise.resolve({}); }} }};",
        Value::String(token.to_owned())
    );
    let app = Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route(
            "/host.js",
            get(move || async move { ([("content-type", "text/javascript")], script) }),
        );
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("host site");
    });
}

fn assert_built() {
    for (dist, what) in [(widget_dist(), "widget"), (console_dist(), "console")] {
        assert!(
            dist.join("index.html").is_file(),
            "the {what} is not built: run `cargo xtask test`, which builds it first"
        );
    }
}

/// `text` as a JavaScript string literal.
fn js(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// Waits until the first element matching `css` says exactly `text`.
async fn expect_text(browser: &Browser, css: &str, text: &str) {
    browser
        .wait_until(&format!(
            "(document.querySelector({}) || {{}}).textContent === {}",
            js(css),
            js(text)
        ))
        .await;
}

/// Opens the console and signs in as anna with `password`.
async fn sign_in(browser: &Browser, relay: &TestRelay, password: &str) {
    browser
        .client
        .goto(&relay.url("/console/"))
        .await
        .expect("open the console");
    browser
        .find(".signin-agent")
        .await
        .send_keys("anna")
        .await
        .expect("type the agent id");
    browser
        .find(".signin-password")
        .await
        .send_keys(password)
        .await
        .expect("type the password");
    browser
        .find(".signin-submit:not([disabled])")
        .await
        .click()
        .await
        .expect("sign in");
}

async fn click(browser: &Browser, css: &str) {
    browser
        .find(css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test]
async fn an_agent_and_a_customer_hold_a_whole_persistent_conversation_in_two_browsers() {
    assert_built();
    let host_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind host site");
    let host = format!("http://{}", host_listener.local_addr().expect("address"));
    let relay = TestRelay::start_allowing(Some(&host)).await;
    host_site(&relay.url(""), host_listener, &relay.token("sari")).await;
    let (agent, customer) = tokio::join!(Browser::launch(), Browser::launch());

    // The agent signs in, goes online: nothing uses capacity yet.
    sign_in(&agent, &relay, ANNA_PASSWORD).await;
    click(&agent, "[role=switch][aria-checked=false]").await;
    agent.find("[role=switch][aria-checked=true]").await;
    expect_text(&agent, ".capacity-text", "0 of 2").await;

    // The customer writes on the shop's page: routing assigns the conversation to anna.
    customer.open_widget(&host).await;
    customer.say("Hello, where is my parcel?").await;
    expect_text(
        &agent,
        ".toast[data-kind=assigned] .toast-title",
        "New conversation with Customer sari",
    )
    .await;
    expect_text(&agent, "[data-group=active] .row-name", "Customer sari").await;
    expect_text(
        &agent,
        "[data-group=active] .row-last",
        "Hello, where is my parcel?",
    )
    .await;
    expect_text(&agent, ".capacity-text", "1 of 2").await;
    agent
        .wait_until("/^\\(\\d+\\) Tetap console$/.test(document.title)")
        .await;

    // The agent opens it and answers with Enter; the customer sees the reply and reads it.
    click(&agent, ".toast[data-kind=assigned] .toast-open").await;
    expect_text(
        &agent,
        ".msg--customer .msg-text",
        "Hello, where is my parcel?",
    )
    .await;
    agent.wait_until("document.title === 'Tetap console'").await;
    let reply = "Hi Sari, Anna here. Let me check.";
    agent
        .find(".composer-input")
        .await
        .send_keys(&format!("{reply}{}", char::from(Key::Enter)))
        .await
        .expect("type the reply");
    customer.find_text(reply).await;
    agent
        .find(".msg--agent[data-delivery=read] .msg-delivery")
        .await;

    // The customer types: the agent sees it. Both sides tell typing at most every 2 s, so the
    // customer keeps typing for a while (as people do) while the agent's page is watched.
    let keep_typing = customer.client.execute_async(
        "const done = arguments[arguments.length - 1];
         const input = document.querySelector('.tetap-input');
         let strokes = 0;
         const timer = setInterval(() => {
           input.value += 'x';
           input.dispatchEvent(new Event('input', { bubbles: true }));
           if (++strokes === 20) { clearInterval(timer); done(true); }
         }, 250);",
        vec![],
    );
    let (typed, ()) = tokio::join!(
        keep_typing,
        expect_text(&agent, ".typing", "Customer sari is typing…")
    );
    typed.expect("the customer typed");
    customer
        .find(".tetap-input")
        .await
        .clear()
        .await
        .expect("clear the draft");

    // ✖: the conversation waits, and frees anna's capacity.
    expect_text(&agent, ".action-wait", "✖ Move to waiting").await;
    click(&agent, ".action-wait").await;
    expect_text(&agent, "[data-group=waiting] .row-name", "Customer sari").await;
    expect_text(&agent, ".capacity-text", "0 of 2").await;
    agent.find(".action-pick-up").await;

    // The customer writes again: anna is told and has it back (R7, R8).
    customer.say("Thanks! Any news?").await;
    expect_text(
        &agent,
        ".toast[data-kind=returned] .toast-title",
        "Customer sari came back",
    )
    .await;
    expect_text(&agent, "[data-group=active] .row-name", "Customer sari").await;
    expect_text(&agent, ".capacity-text", "1 of 2").await;
    click(&agent, ".toast[data-kind=returned] .toast-open").await;
    agent
        .wait_until(
            "[...document.querySelectorAll('.msg--customer .msg-text')]
               .some(m => m.textContent === 'Thanks! Any news?')",
        )
        .await;
    agent
        .find(".composer-input")
        .await
        .send_keys(&format!("It arrives tomorrow.{}", char::from(Key::Enter)))
        .await
        .expect("type the reply");
    customer.find_text("It arrives tomorrow.").await;

    // The agent ends it, after confirming; the customer sees it ended.
    click(&agent, ".action-end").await;
    click(&agent, "[role=alertdialog] .confirm-yes").await;
    expect_text(&agent, ".pane-notice", "This conversation has ended.").await;
    expect_text(&agent, "[data-group=active] .group-empty", "None").await;
    expect_text(&agent, ".capacity-text", "0 of 2").await;
    customer.find_text("The conversation has ended.").await;

    // … and can start anew: a new conversation, assigned to anna again.
    customer.say("One more question, please").await;
    expect_text(
        &agent,
        "[data-group=active] .row-last",
        "One more question, please",
    )
    .await;
    expect_text(&agent, ".capacity-text", "1 of 2").await;
    agent.find(".toast[data-kind=assigned]").await;

    for browser in [agent, customer] {
        browser.client.close().await.expect("close the browser");
    }
}

#[tokio::test]
async fn customer_text_stays_text_wrong_passwords_are_slowed_and_axe_finds_nothing() {
    assert_built();
    let relay = TestRelay::start().await;
    let attack = "<img src=x onerror=alert(1)>";
    let now = relay.now().as_second();
    let token = relay.token_with(json!({
        "iss": "https://shop.test", "aud": "tetap", "sub": "mallory", "name": attack,
        "iat": now, "exp": now + 600,
    }));
    // Anna is offline: the conversation waits in the queue.
    let (mut socket, _) = relay.customer("support", &token).await;
    socket.write("x-1", attack).await;

    let agent = Browser::launch().await;
    agent
        .client
        .goto(&relay.url("/console/"))
        .await
        .expect("open the console");
    agent.find(".signin-form").await;
    assert_eq!(
        axe_violations(&agent, &[]).await,
        Vec::<String>::new(),
        "sign-in page"
    );

    sign_in(&agent, &relay, "not the password").await;
    expect_text(&agent, "[role=alert]", "Wrong agent id or password.").await;
    agent.find(".signin-submit[disabled]").await;
    agent.find(".signin-submit:not([disabled])").await;
    sign_in(&agent, &relay, ANNA_PASSWORD).await;

    // The name and the message arrive as text: no element made of them, nothing ran.
    expect_text(&agent, "[data-group=queue] .row-name", attack).await;
    expect_text(&agent, "[data-group=queue] .row-last", attack).await;
    click(&agent, "[data-group=queue] .row-button").await;
    expect_text(&agent, ".msg--customer .msg-text", attack).await;
    expect_text(&agent, ".pane-title", attack).await;
    let images = agent
        .client
        .execute("return document.querySelectorAll('img').length", vec![])
        .await
        .expect("count images");
    assert_eq!(images, json!(0));
    assert!(
        agent.client.get_alert_text().await.is_err(),
        "no alert was opened"
    );

    // Offline, she cannot take it from the queue (R10), and is told why; online, routing gives
    // it to her. Then ✖ to waiting, and pick it up again.
    click(&agent, ".action-accept").await;
    expect_text(
        &agent,
        ".pane-error",
        "You are offline: go online to take conversations from the queue.",
    )
    .await;
    click(&agent, "[role=switch][aria-checked=false]").await;
    expect_text(&agent, "[data-group=active] .row-name", attack).await;
    click(&agent, ".action-wait").await;
    expect_text(&agent, "[data-group=waiting] .row-name", attack).await;
    click(&agent, ".action-pick-up").await;
    expect_text(&agent, "[data-group=active] .row-name", attack).await;
    agent.find(".action-wait").await;

    assert_eq!(
        axe_violations(&agent, &[]).await,
        Vec::<String>::new(),
        "the console with a conversation open"
    );
    // Signing out ends the session: a reload shows the sign-in form.
    click(&agent, ".sign-out").await;
    agent.find(".signin-form").await;
    agent.client.refresh().await.expect("reload");
    agent.find(".signin-form").await;
    agent.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn the_console_page_has_a_strict_policy_and_no_site_may_frame_it() {
    assert_built();
    let relay = TestRelay::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http
        .get(relay.url("/console/"))
        .send()
        .await
        .expect("console page");
    assert_eq!(page.status(), 200);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header("content-security-policy");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for expected in [
        "default-src 'none'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&expected), "{expected} in {csp}");
    }
    let script = directives
        .iter()
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("script-src in {csp}"));
    assert!(
        script.starts_with("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{script}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header("x-frame-options"), "DENY");
    assert!(header("content-type").starts_with("text/html"));

    let moved = http
        .get(relay.url("/console"))
        .send()
        .await
        .expect("console without slash");
    assert_eq!(moved.status(), 308);
    assert_eq!(
        moved
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/console/")
    );
    let wasm = http
        .get(relay.url("/console/tetap-console_bg.wasm"))
        .send()
        .await
        .expect("console wasm");
    assert_eq!(wasm.status(), 200);
    assert_eq!(
        wasm.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/wasm")
    );
    let missing = http
        .get(relay.url("/console/nothing.js"))
        .send()
        .await
        .expect("missing file");
    assert_eq!(missing.status(), 404);
}
