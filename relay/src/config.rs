//! The configuration file (DESIGN.md §3): parsed and validated in one place, then passed down.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tetap_shared::Mode;
use tetap_shared::rules::hours::Hours;
// The serde `default = "…"` functions below name these.
use defaults::*;

/// The whole validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub server: ServerConfig,
    pub auth: Vec<AuthConfig>,
    pub workstreams: Vec<WorkstreamConfig>,
    pub agents: Vec<AgentConfig>,
    pub demo: Option<DemoConfig>,
    /// `[[hours]]` by id, parsed into calendars.
    pub hours: BTreeMap<String, Hours>,
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// `sqlite://path` (one machine) or `postgres://user@host/db` (several relays may share
    /// it). Never logged whole: its password is redacted.
    #[serde(default = "default_database_url")]
    pub database_url: DatabaseUrl,
    /// Readers' connections to PostgreSQL, per relay (the writer has one more of its own).
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    /// The built widget (trunk output), served when the binary embeds none.
    #[serde(default)]
    pub widget_dir: Option<PathBuf>,
    /// The built agent console (trunk output), served under `/console/` when the binary embeds
    /// none.
    #[serde(default)]
    pub console_dir: Option<PathBuf>,
    /// Customer messages: a burst of this many, per customer…
    #[serde(default = "default_message_burst")]
    pub message_burst: u32,
    /// …then this many a second.
    #[serde(default = "default_messages_per_second")]
    pub messages_per_second: u32,
    /// Customer sockets one client IP may hold open.
    #[serde(default = "default_max_sockets_per_ip")]
    pub max_sockets_per_ip: usize,
    /// How long an agent's sign-in lasts.
    #[serde(default = "default_session_lifetime", with = "duration_text")]
    pub agent_session_lifetime: Duration,
    /// Serves `/metrics` on this address instead of on `listen` (kept off the public network).
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// How the relay writes its logs.
    #[serde(default)]
    pub log_format: LogFormat,
    /// How long this relay's record of its open customer sockets lasts unless renewed (R11):
    /// a relay that stops or is killed has its customers' live conversations start their
    /// reconnect grace at the latest this long after.
    #[serde(default = "default_presence_lease", with = "duration_text")]
    pub presence_lease: Duration,
}

/// `server.log_format`: `text` for people, `json` (one object a line) for log collectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl TryFrom<String> for LogFormat {
    type Error = String;

    // By hand rather than derived, so the message names the key and every accepted value.
    fn try_from(value: String) -> Result<Self, String> {
        match value.as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!(
                "server.log_format: \"{value}\" is not a log format; use \"text\" or \"json\""
            )),
        }
    }
}

/// `[[auth]]`: how the customers of one site are authenticated.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub id: String,
    pub issuer: String,
    pub audience: String,
    /// The site's public key in PEM (RSA, P-256 or Ed25519). One key source of three.
    #[serde(default)]
    pub public_key_file: Option<PathBuf>,
    /// The site's public keys as a JWKS file, selected by `kid`. One key source of three.
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// Where the site publishes its JWKS (https, or http on loopback); cached, refetched on an
    /// unknown `kid` at most once a minute. One key source of three.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// Accepted token algorithms, from RS256, ES256 and EdDSA; default: those of the keys.
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Longest accepted `exp - iat`.
    #[serde(default = "default_max_token_lifetime", with = "duration_text")]
    pub max_token_lifetime: Duration,
    /// Clock skew allowed on `exp`, `nbf` and `iat`; at most 60 s.
    #[serde(default = "default_leeway", with = "duration_text")]
    pub leeway: Duration,
}

/// `[[workstream]]`: a named queue of conversations with its settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkstreamConfig {
    pub id: String,
    pub mode: Mode,
    #[serde(default)]
    pub auth: Option<String>,
    #[serde(default)]
    pub hours: Option<String>,
    #[serde(default)]
    pub keep_same_agent: Option<bool>,
    #[serde(default = "default_affinity_grace", with = "duration_text")]
    pub affinity_grace: Duration,
    #[serde(default, with = "optional_duration_text")]
    pub waiting_timeout: Option<Duration>,
    #[serde(default = "default_reconnect_grace", with = "duration_text")]
    pub reconnect_grace: Duration,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub offline_chat: bool,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Per-locale overrides of system texts.
    #[serde(default)]
    pub messages: BTreeMap<String, BTreeMap<String, String>>,
}

/// `[[agent]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub id: String,
    pub name: String,
    pub password_hash: String,
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    pub workstreams: Vec<String>,
}

/// `[[hours]]`: opening ranges per weekday in a time zone, and holidays.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursConfig {
    id: String,
    timezone: String,
    #[serde(default)]
    monday: Vec<String>,
    #[serde(default)]
    tuesday: Vec<String>,
    #[serde(default)]
    wednesday: Vec<String>,
    #[serde(default)]
    thursday: Vec<String>,
    #[serde(default)]
    friday: Vec<String>,
    #[serde(default)]
    saturday: Vec<String>,
    #[serde(default)]
    sunday: Vec<String>,
    #[serde(default)]
    holidays: Vec<String>,
}

/// `[demo]`: read only by the demo build, which mints customer tokens for the demo shop page.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    pub auth: String,
    pub private_key_file: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server: Option<ServerConfig>,
    #[serde(default)]
    auth: Vec<AuthConfig>,
    #[serde(default)]
    hours: Vec<HoursConfig>,
    #[serde(default)]
    workstream: Vec<WorkstreamConfig>,
    #[serde(default)]
    agent: Vec<AgentConfig>,
    demo: Option<DemoConfig>,
}

/// Everything wrong with a configuration file, each problem naming the file and the key.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl ConfigError {
    fn one(problem: String) -> Self {
        Self {
            problems: vec![problem],
        }
    }
}

impl Config {
    /// Reads and validates a configuration file. Relative paths in it are relative to the file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::one(format!("{}: cannot read: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Parses and validates configuration text; `origin` names the file in messages and anchors
    /// relative paths.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let file = origin.display().to_string();
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError::one(format!("{file}: {}", e.to_string().trim())))?;
        let base = origin.parent().unwrap_or(Path::new("."));
        let mut config = Config {
            server: raw.server.unwrap_or_else(default_server),
            auth: raw.auth,
            workstreams: raw.workstream,
            agents: raw.agent,
            demo: raw.demo,
            hours: BTreeMap::new(),
        };
        config.anchor_paths(base);
        let mut hours = BTreeMap::new();
        let mut hour_problems = Vec::new();
        for (i, entry) in raw.hours.iter().enumerate() {
            let week = [
                &entry.monday[..],
                &entry.tuesday,
                &entry.wednesday,
                &entry.thursday,
                &entry.friday,
                &entry.saturday,
                &entry.sunday,
            ];
            match Hours::parse(&entry.timezone, week, &entry.holidays) {
                Ok(parsed) => {
                    if hours.insert(entry.id.clone(), parsed).is_some() {
                        hour_problems
                            .push(format!("hours[{i}] (id \"{}\"): duplicate id", entry.id));
                    }
                }
                Err(e) => hour_problems.push(format!("hours[{i}] (id \"{}\"): {e}", entry.id)),
            }
        }
        let hour_ids: Vec<String> = raw.hours.iter().map(|h| h.id.clone()).collect();
        config.hours = hours;
        let mut problems = hour_problems;
        problems.extend(config.problems(&hour_ids));
        for p in &mut problems {
            *p = format!("{file}: {p}");
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError { problems })
        }
    }

    fn anchor_paths(&mut self, base: &Path) {
        let anchor = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        for auth in &mut self.auth {
            if let Some(p) = auth.public_key_file.as_mut() {
                anchor(p);
            }
            if let Some(p) = auth.jwks_file.as_mut() {
                anchor(p);
            }
        }
        if let Some(p) = self.server.widget_dir.as_mut() {
            anchor(p);
        }
        if let Some(p) = self.server.console_dir.as_mut() {
            anchor(p);
        }
        if let Some(path) = self.server.database_url.strip_prefix("sqlite://")
            && !path.is_empty()
            && Path::new(path).is_relative()
        {
            self.server.database_url = format!("sqlite://{}", base.join(path).display()).into();
        }
        if let Some(demo) = self.demo.as_mut() {
            anchor(&mut demo.private_key_file);
        }
    }

    /// The workstream with this id.
    pub fn workstream(&self, id: &str) -> Option<&WorkstreamConfig> {
        self.workstreams.iter().find(|w| w.id == id)
    }

    /// Whether the workstream is within its operating hours at `at` (always, without hours).
    pub fn is_open(&self, workstream: &WorkstreamConfig, at: jiff::Timestamp) -> bool {
        workstream
            .hours
            .as_ref()
            .and_then(|id| self.hours.get(id))
            .is_none_or(|hours| hours.is_open(at))
    }

    /// Whether the workstream with this id is within its hours at `at` (an unknown one is not).
    pub fn is_open_by_id(&self, workstream: &str, at: jiff::Timestamp) -> bool {
        self.workstream(workstream)
            .is_some_and(|workstream| self.is_open(workstream, at))
    }

    /// The workstream's calendar, if it has operating hours.
    pub fn hours_of(&self, workstream: &WorkstreamConfig) -> Option<&Hours> {
        workstream.hours.as_ref().and_then(|id| self.hours.get(id))
    }

    /// The auth setting with this id.
    pub fn auth(&self, id: &str) -> Option<&AuthConfig> {
        self.auth.iter().find(|a| a.id == id)
    }

    /// The agent with this id.
    pub fn agent(&self, id: &str) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| a.id == id)
    }
}

mod auth;
mod database_url;
mod defaults;
mod durations;
mod shared;
mod validate;

pub use database_url::DatabaseUrl;
pub use durations::parse_duration;
use durations::{duration_text, optional_duration_text};
pub use shared::SharedWorkstream;

#[cfg(test)]
mod tests;
