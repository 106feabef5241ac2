//! What a parsed configuration must also satisfy: ids unique and known, R2 for persistent
//! workstreams, origins well formed. Every problem is named with its key, all at once.

use super::{Config, auth};
use std::collections::HashSet;
use tetap_shared::Mode;

impl Config {
    pub(super) fn problems(&self, hour_ids: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        let lease = self.server.presence_lease;
        if lease < std::time::Duration::from_secs(1) || lease > std::time::Duration::from_secs(30) {
            problems.push(
                "server.presence_lease: must be between 1s and 30s (a stopped relay's live chats \
                 start their reconnect grace at the latest this long after)"
                    .to_owned(),
            );
        }
        if !(1..=1000).contains(&self.server.pool_size) {
            problems.push("server.pool_size: must be between 1 and 1000".to_owned());
        }
        if crate::store::EngineKind::of(&self.server.database_url).is_err() {
            problems.push(
                "server.database_url: must start with sqlite:// (one file) or postgres:// \
                 (a PostgreSQL server)"
                    .to_owned(),
            );
        }
        for (i, auth) in self.auth.iter().enumerate() {
            let key = format!("auth[{i}] (id \"{}\")", auth.id);
            if !seen.insert(("auth", auth.id.as_str())) {
                problems.push(format!("{key}: duplicate id"));
            }
            problems.extend(auth::problems(auth, &key));
        }
        for (i, ws) in self.workstreams.iter().enumerate() {
            let key = format!("workstream[{i}] (id \"{}\")", ws.id);
            if !seen.insert(("workstream", ws.id.as_str())) {
                problems.push(format!("{key}: duplicate id"));
            }
            match &ws.auth {
                None if ws.mode == Mode::Persistent => problems.push(format!(
                    "{key}.auth: a persistent workstream needs an auth setting (R2)"
                )),
                Some(auth) if !self.auth.iter().any(|a| &a.id == auth) => {
                    problems.push(format!("{key}.auth: no [[auth]] with id \"{auth}\""))
                }
                _ => {}
            }
            if let Some(hours) = &ws.hours
                && !hour_ids.contains(hours)
            {
                problems.push(format!("{key}.hours: no [[hours]] with id \"{hours}\""));
            }
            if ws.mode == Mode::Persistent && ws.anonymous {
                problems.push(format!(
                    "{key}.anonymous: persistent conversations need an authenticated customer (R2)"
                ));
            }
            // R8's affinity is for persistent conversations: a live chat that loses its agent
            // goes back to the queue for anyone (DESIGN §1).
            if ws.mode == Mode::Live && ws.keep_same_agent == Some(true) {
                problems.push(format!(
                    "{key}.keep_same_agent: only persistent workstreams keep the same agent (R8); \
                     a live chat goes back to anyone"
                ));
            }
            for origin in &ws.allowed_origins {
                if !is_origin(origin) {
                    problems.push(format!(
                        "{key}.allowed_origins: \"{origin}\" is not an origin like https://shop.example.com"
                    ));
                }
            }
        }
        for (i, agent) in self.agents.iter().enumerate() {
            let key = format!("agent[{i}] (id \"{}\")", agent.id);
            if !seen.insert(("agent", agent.id.as_str())) {
                problems.push(format!("{key}: duplicate id"));
            }
            if argon2::PasswordHash::new(&agent.password_hash).is_err() {
                problems.push(format!(
                    "{key}.password_hash: not a PHC hash; make one with `tetap-relay hash-password`"
                ));
            }
            for ws in &agent.workstreams {
                if self.workstream(ws).is_none() {
                    problems.push(format!("{key}.workstreams: no workstream \"{ws}\""));
                }
            }
        }
        if let Some(demo) = &self.demo
            && !self.auth.iter().any(|a| a.id == demo.auth)
        {
            problems.push(format!("demo.auth: no [[auth]] with id \"{}\"", demo.auth));
        }
        problems
    }
}

/// `scheme://host[:port]`, nothing more.
fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
}
