//! Configuration parsing and validation: every problem is reported with the file and the key.

use super::*;

const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$Yk1nXgdSjAh2Mb3mBvJWdfvKS1lGPa7n2KEKkn2dF3M";

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/etc/tetap/tetap.toml"))
}

fn full_example() -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:8080"
database_url = "sqlite://data/tetap.db"

[[auth]]
id = "shop"
issuer = "https://shop.example.com"
audience = "tetap"
public_key_file = "keys/shop.pem"

[[hours]]
id = "office"
timezone = "Asia/Jakarta"
monday = ["09:00-17:00"]
holidays = ["2026-12-25"]

[[workstream]]
id = "support"
mode = "persistent"
auth = "shop"
hours = "office"
keep_same_agent = true
affinity_grace = "10m"
allowed_origins = ["https://shop.example.com"]
[workstream.messages.en]
queue_position = "You are number {{position}} in line."

[[agent]]
id = "anna"
name = "Anna"
password_hash = "{HASH}"
capacity = 3
workstreams = ["support"]
"#
    )
}

#[test]
fn the_design_example_parses_with_paths_relative_to_the_file() {
    let config = parse(&full_example()).expect("valid");
    let auth = config.auth("shop").expect("auth");
    assert_eq!(
        auth.public_key_file.as_deref(),
        Some(Path::new("/etc/tetap/keys/shop.pem"))
    );
    assert_eq!(
        &*config.server.database_url,
        "sqlite:///etc/tetap/data/tetap.db"
    );
    let ws = config.workstream("support").expect("workstream");
    assert_eq!(ws.mode, Mode::Persistent);
    assert_eq!(ws.affinity_grace, Duration::from_secs(600));
    assert_eq!(ws.reconnect_grace, Duration::from_secs(180));
    assert_eq!(ws.waiting_timeout, None);
    assert_eq!(config.agent("anna").map(|a| a.capacity), Some(3));
}

#[test]
fn r2_a_persistent_workstream_without_auth_is_a_config_error() {
    let text = full_example().replace("auth = \"shop\"\nhours", "hours");
    let error = parse(&text).expect_err("refused");
    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(
        error.problems[0].starts_with("/etc/tetap/tetap.toml: workstream[0] (id \"support\").auth"),
        "{error}"
    );
}

#[test]
fn r8_a_live_workstream_that_keeps_the_same_agent_is_a_config_error() {
    // The example keeps the same agent; only the mode changes.
    let text = full_example().replace("mode = \"persistent\"", "mode = \"live\"");
    let error = parse(&text).expect_err("refused");
    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(
        error.problems[0]
            .starts_with("/etc/tetap/tetap.toml: workstream[0] (id \"support\").keep_same_agent"),
        "{error}"
    );
}

#[test]
fn an_auth_setting_without_a_key_source_is_named() {
    let text = full_example().replace("public_key_file = \"keys/shop.pem\"\n", "");
    let error = parse(&text).expect_err("refused");
    assert_eq!(
        error.problems,
        [
            "/etc/tetap/tetap.toml: auth[0] (id \"shop\"): no key source: set one of \
             public_key_file, jwks_file or jwks_url"
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = full_example()
        .replace("hours = \"office\"", "hours = \"night\"")
        .replace("workstreams = [\"support\"]", "workstreams = [\"sales\"]")
        .replace(HASH, "plain-text-password");
    let error = parse(&text).expect_err("refused");
    let text = error.to_string();
    assert_eq!(error.problems.len(), 3, "{text}");
    assert!(text.contains("no [[hours]] with id \"night\""), "{text}");
    assert!(text.contains("no workstream \"sales\""), "{text}");
    assert!(text.contains("password_hash: not a PHC hash"), "{text}");
}

#[test]
fn unknown_keys_are_refused_rather_than_ignored() {
    let text = full_example().replace("capacity = 3", "capacty = 3");
    let error = parse(&text).expect_err("refused");
    assert!(error.to_string().contains("capacty"), "{error}");
}

#[test]
fn origins_must_be_bare_origins() {
    let text = full_example().replace(
        "allowed_origins = [\"https://shop.example.com\"]",
        "allowed_origins = [\"https://shop.example.com/cart\"]",
    );
    let error = parse(&text).expect_err("refused");
    assert!(error.to_string().contains("is not an origin"), "{error}");
}

#[test]
fn durations_take_a_unit() {
    assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
    assert!(parse_duration("10").is_err());
    assert!(parse_duration("10w").is_err());
    assert!(parse_duration("m").is_err());
}

#[test]
fn an_auth_setting_takes_exactly_one_key_source() {
    let text = full_example().replace(
        "public_key_file = \"keys/shop.pem\"",
        "public_key_file = \"keys/shop.pem\"\njwks_url = \"https://shop.example.com/jwks.json\"",
    );
    let error = parse(&text).expect_err("refused");
    assert_eq!(
        error.problems,
        [
            "/etc/tetap/tetap.toml: auth[0] (id \"shop\"): more than one key source \
             (public_key_file, jwks_url): keep exactly one"
        ]
    );
}

#[test]
fn a_jwks_file_is_relative_to_the_config_file() {
    let text = full_example().replace(
        "public_key_file = \"keys/shop.pem\"",
        "jwks_file = \"keys/shop.jwks.json\"",
    );
    let config = parse(&text).expect("valid");
    assert_eq!(
        config.auth("shop").and_then(|a| a.jwks_file.as_deref()),
        Some(Path::new("/etc/tetap/keys/shop.jwks.json"))
    );
}

#[test]
fn hmac_and_none_are_never_accepted_algorithms() {
    let text = full_example().replace(
        "public_key_file = \"keys/shop.pem\"",
        "public_key_file = \"keys/shop.pem\"\nalgorithms = [\"RS256\", \"HS256\", \"none\"]",
    );
    let error = parse(&text).expect_err("refused");
    assert_eq!(error.problems.len(), 2, "{error}");
    for (problem, name) in error.problems.iter().zip(["HS256", "none"]) {
        assert!(
            problem.starts_with(&format!(
                "/etc/tetap/tetap.toml: auth[0] (id \"shop\").algorithms: \"{name}\" is not accepted"
            )),
            "{problem}"
        );
    }
}

#[test]
fn a_jwks_url_is_https_or_loopback_http() {
    for (url, ok) in [
        ("https://shop.example.com/.well-known/jwks.json", true),
        ("http://127.0.0.1:8081/jwks.json", true),
        ("http://localhost/jwks.json", true),
        ("http://shop.example.com/jwks.json", false),
        ("file:///etc/passwd", false),
        ("not a url", false),
    ] {
        let text = full_example().replace(
            "public_key_file = \"keys/shop.pem\"",
            &format!("jwks_url = \"{url}\""),
        );
        match parse(&text) {
            Ok(_) => assert!(ok, "{url} accepted"),
            Err(error) => {
                assert!(!ok, "{url} refused: {error}");
                assert!(
                    error.to_string().contains("auth[0] (id \"shop\").jwks_url"),
                    "{error}"
                );
            }
        }
    }
}

#[test]
fn the_visitor_issuer_is_reserved_for_the_relay() {
    let text = full_example().replace(
        "issuer = \"https://shop.example.com\"",
        "issuer = \"tetap:visitor\"",
    );
    let error = parse(&text).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains(".issuer: \"tetap:visitor\" is reserved"),
        "{error}"
    );
}

#[test]
fn logs_are_text_unless_json_is_asked_for() {
    let config = parse(&full_example()).expect("valid");
    assert_eq!(config.server.log_format, LogFormat::Text);
    let text = full_example().replace("[server]\n", "[server]\nlog_format = \"json\"\n");
    let config = parse(&text).expect("valid");
    assert_eq!(config.server.log_format, LogFormat::Json);
    let text = full_example().replace("[server]\n", "[server]\nlog_format = \"text\"\n");
    assert_eq!(
        parse(&text).expect("valid").server.log_format,
        LogFormat::Text
    );
}

#[test]
fn a_log_format_other_than_text_or_json_is_named_with_its_file_and_key() {
    for bad in ["xml", "JSON", ""] {
        let text =
            full_example().replace("[server]\n", &format!("[server]\nlog_format = \"{bad}\"\n"));
        let error = parse(&text).expect_err("refused").to_string();
        assert!(error.starts_with("/etc/tetap/tetap.toml: "), "{error}");
        assert!(
            error.contains(&format!(
                "server.log_format: \"{bad}\" is not a log format; use \"text\" or \"json\""
            )),
            "{error}"
        );
    }
}

#[test]
fn metrics_stay_on_the_main_listener_unless_metrics_listen_names_an_address() {
    let config = parse(&full_example()).expect("valid");
    assert_eq!(config.server.metrics_listen, None);
    let text = full_example().replace(
        "[server]\n",
        "[server]\nmetrics_listen = \"127.0.0.1:9100\"\n",
    );
    let config = parse(&text).expect("valid");
    assert_eq!(
        config.server.metrics_listen,
        Some(SocketAddr::from(([127, 0, 0, 1], 9100)))
    );
    let text = full_example().replace("[server]\n", "[server]\nmetrics_listen = \"localhost\"\n");
    let error = parse(&text).expect_err("refused").to_string();
    assert!(error.contains("metrics_listen"), "{error}");
}

#[test]
fn r11_the_presence_lease_defaults_to_15s_and_must_stay_between_1s_and_30s() {
    let config = parse(&full_example()).expect("valid");
    assert_eq!(
        config.server.presence_lease,
        std::time::Duration::from_secs(15)
    );
    for (lease, valid) in [("1s", true), ("30s", true), ("0s", false), ("2m", false)] {
        let text = full_example().replace(
            "[server]",
            &format!("[server]\npresence_lease = \"{lease}\""),
        );
        let parsed = parse(&text);
        assert_eq!(parsed.is_ok(), valid, "{lease}: {parsed:?}");
        if let Err(error) = parsed {
            assert!(
                error.to_string().contains("server.presence_lease"),
                "{error}"
            );
        }
    }
}
