//! The model's world: a relay's state (store, configuration, hand-moved clock) built in-process
//! over a fresh database of the test's engine (a temporary SQLite file, or a PostgreSQL database
//! of its own), with no server and no background tasks, so each step is exactly one call into
//! `tetap_relay::decide` or `tetap_relay::routing` and nothing else moves.

use super::Step;
use super::configuration::{AGENTS, CUSTOMERS, ISSUER, config_text};
use super::rows::Rows;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tetap_relay::clock::ManualClock;
use tetap_relay::config::Config;
use tetap_relay::decide::{self, AgentAction, CustomerWrite, DecideError};
use tetap_relay::routing;
use tetap_relay::state::AppState;
use tetap_relay::store::{CustomerIdentity, NewMessage};
use tetap_shared::ConversationId;
use tetap_shared::rules::{Assignment, Event};

/// One run of the model.
pub struct World {
    pub state: AppState,
    clock: ManualClock,
    /// Read-only view of the store's rows, for the invariants.
    pub db: Rows,
    /// Customer sockets open, per customer (`CUSTOMERS` index).
    sockets: [u32; CUSTOMERS.len()],
    /// Assignments a routing plan made from an earlier read, not committed yet.
    planned: Vec<Assignment>,
    /// For each offline agent, the conversations that were theirs when they went offline and
    /// still are: R8 lets these, and only these, be `active` with an offline agent.
    pub kept_while_offline: BTreeMap<String, BTreeSet<String>>,
    client_ids: u64,
    _dir: tempfile::TempDir,
}

/// A refusal is a legal outcome of a step; anything else (a store error) fails the model.
fn refused_is_fine<T>(result: Result<T, DecideError>) -> Result<(), String> {
    match result {
        Ok(_)
        | Err(DecideError::Refused(_) | DecideError::NotFound | DecideError::OutsideHours) => {
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

impl World {
    pub async fn start() -> Self {
        // tmpfs when there is one: the model commits thousands of times and needs no durability.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("temp dir");
        let url = crate::relay::support::database::store_url(dir.path());
        let config =
            Config::parse(&config_text(&url), &dir.path().join("tetap.toml")).expect("config");
        let clock = ManualClock::new(crate::relay::support::START.parse().expect("start"));
        let state = tetap_relay::state(config, Arc::new(clock.clone()))
            .await
            .expect("relay state");
        let db = Rows::open(&url).await;
        Self {
            state,
            clock,
            db,
            sockets: [0; CUSTOMERS.len()],
            planned: Vec::new(),
            kept_while_offline: BTreeMap::new(),
            client_ids: 0,
            _dir: dir,
        }
    }

    pub async fn close(self) {
        self.db.close().await;
        self.state.store.close().await;
    }

    fn identity(customer: usize) -> CustomerIdentity {
        let (subject, workstream) = CUSTOMERS[customer % CUSTOMERS.len()];
        CustomerIdentity {
            issuer: ISSUER.into(),
            subject: subject.into(),
            workstream: workstream.into(),
        }
    }

    fn new_message(&mut self) -> NewMessage {
        self.client_ids += 1;
        NewMessage {
            client_id: Some(format!("m{}", self.client_ids)),
            text: "hello".into(),
            at: self.state.now_text(),
        }
    }

    /// Every conversation that is not closed, oldest first.
    async fn not_closed(&self) -> Vec<String> {
        let sql = format!(
            "SELECT id FROM conversations WHERE state <> 'closed' ORDER BY {}",
            self.db.creation_order()
        );
        self.ids(&sql, &[]).await
    }

    /// The first column of each row, an id that is never NULL.
    async fn ids(&self, sql: &str, params: &[&str]) -> Vec<String> {
        let rows = self.db.query(sql, params).await;
        rows.into_iter()
            .map(|row| row.into_iter().next().flatten().expect("id"))
            .collect()
    }

    /// Carries out one step through the relay's own decisions.
    pub async fn apply(&mut self, step: &Step) -> Result<(), String> {
        let state = self.state.clone();
        match *step {
            Step::Write { customer } => {
                let identity = Self::identity(customer);
                let workstream = state.config.workstream(&identity.workstream).expect("ws");
                let write = CustomerWrite {
                    identity: &identity,
                    name: None,
                    email: None,
                    locale: "en",
                    workstream,
                    new: self.new_message(),
                };
                refused_is_fine(decide::customer_message(&state, write).await)
            }
            Step::Open { customer } => {
                let identity = Self::identity(customer);
                refused_is_fine(
                    decide::customer_event(&state, &identity, Event::CustomerOpened).await,
                )
            }
            Step::Socket { customer, open } => {
                let c = customer % CUSTOMERS.len();
                let identity = Self::identity(c);
                if open {
                    self.sockets[c] += 1;
                    refused_is_fine(decide::customer_socket_opened(&state, &identity).await)
                } else if self.sockets[c] > 0 {
                    self.sockets[c] -= 1;
                    refused_is_fine(decide::customer_socket_closed(&state, &identity).await)
                } else {
                    Ok(())
                }
            }
            Step::Route => routing::run_once(&state).await.map_err(|e| e.to_string()),
            Step::Plan => {
                let plan = routing::plan(&self.state)
                    .await
                    .map_err(|e| e.to_string())?;
                self.planned.extend(plan);
                Ok(())
            }
            Step::Commit { pick } => {
                if self.planned.is_empty() {
                    return Ok(());
                }
                let planned = self.planned.remove(pick % self.planned.len());
                let id = ConversationId(planned.conversation);
                refused_is_fine(decide::assign(&state, &id, &planned.agent).await)
            }
            Step::Act {
                agent,
                action,
                pick,
            } => {
                let ids = self.not_closed().await;
                if ids.is_empty() {
                    return Ok(());
                }
                let id = ConversationId(ids[pick % ids.len()].clone());
                let agent = state.config.agents[agent % AGENTS.len()].clone();
                match action {
                    None => {
                        let new = self.new_message();
                        refused_is_fine(decide::agent_message(&state, &id, &agent, new).await)
                    }
                    Some(action) => {
                        refused_is_fine(decide::agent_action(&state, &id, &agent, action).await)
                    }
                }
            }
            Step::Presence { agent, online } => {
                let agent = AGENTS[agent % AGENTS.len()];
                refused_is_fine(decide::agent_presence(&state, agent, online).await)?;
                if online {
                    self.kept_while_offline.remove(agent);
                } else {
                    let theirs = self.theirs(agent).await;
                    self.kept_while_offline.insert(agent.to_owned(), theirs);
                }
                Ok(())
            }
            Step::Later { minutes } => {
                self.clock.advance(Duration::from_secs(60 * minutes));
                self.fire_due_timers().await
            }
        }
    }

    /// The agent's `active` and `waiting` conversations, as stored.
    pub async fn theirs(&self, agent: &str) -> BTreeSet<String> {
        let sql = "SELECT id FROM conversations WHERE agent_id = $1 \
                   AND state IN ('active', 'waiting')";
        self.ids(sql, &[agent]).await.into_iter().collect()
    }

    /// Fires every stored timer the clock has reached, as the timer task does.
    async fn fire_due_timers(&self) -> Result<(), String> {
        let now = self.state.now_text();
        // Each firing removes its timer row; a timer that is never taken would spin forever, so
        // the firings are bounded and that is reported as a failed step.
        for _ in 0..64 {
            let next = self
                .state
                .store
                .next_timer()
                .await
                .map_err(|e| e.to_string())?;
            let Some(next) = next.filter(|timer| timer.due_at <= now) else {
                return Ok(());
            };
            decide::timer_due(&self.state, &next.conversation, next.timer)
                .await
                .map_err(|e| format!("timer {:?} failed: {e}", next.timer))?;
        }
        Err("a due timer keeps firing".into())
    }
}

/// The agent's actions a step picks from; `None` is answering (writing a message).
pub const ACTIONS: [Option<AgentAction>; 4] = [
    Some(AgentAction::Accept),
    None,
    Some(AgentAction::Wait),
    Some(AgentAction::End),
];
