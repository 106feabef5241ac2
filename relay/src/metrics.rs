//! The relay's Prometheus metrics and `GET /metrics`: one registry per relay (held in
//! `AppState`), so the many relays a test process starts never mix their counts.
//!
//! Labels come only from fixed sets (author kinds, error codes): no message text, customer id,
//! email or token ever becomes a label.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use prometheus::core::Collector;
use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use std::sync::Arc;
use std::time::Duration;
use tetap_shared::{AuthorKind, Message};

mod refusals;

pub use refusals::{Refusal, count_refusals, counting_refusals, frame_sent};

/// Commit batch sizes: powers of two up to the writer's largest batch (1024).
const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];
/// Commit latencies in seconds: fine around the 5 ms delivery budget, coarse beyond.
const LATENCY_BUCKETS: [f64; 15] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// One relay's metrics; cheap to clone (one pointer: every customer socket task holds one).
#[derive(Clone, Debug)]
pub struct Metrics(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    registry: Registry,
    customer_sockets: IntGauge,
    agent_event_streams: IntGauge,
    messages_stored: IntCounterVec,
    commits: IntCounter,
    writes: IntCounter,
    commit_batch_size: Histogram,
    message_commit_seconds: Histogram,
    refusals: IntCounterVec,
    presence_sweeps: IntCounter,
    routing_passes: IntCounter,
    relay_notes: IntCounter,
    relay_catch_ups: IntCounter,
    timers_fired: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let registry = Registry::new();
        let messages_stored = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "tetap_messages_stored_total",
                    "Messages committed to the store, by author kind.",
                ),
                &["author"],
            ),
        );
        // Every author kind is shown from the start, so a scrape tells zero from unknown.
        for kind in [AuthorKind::Customer, AuthorKind::Agent, AuthorKind::System] {
            messages_stored.with_label_values(&[kind.as_str()]);
        }
        Self(Arc::new(Inner {
            customer_sockets: register(
                &registry,
                IntGauge::new("tetap_customer_sockets", "Open customer WebSockets."),
            ),
            agent_event_streams: register(
                &registry,
                IntGauge::new(
                    "tetap_agent_event_streams",
                    "Open agent event streams (GET /v1/agent/events).",
                ),
            ),
            messages_stored,
            commits: register(
                &registry,
                IntCounter::new(
                    "tetap_store_commits_total",
                    "Commits of the group-commit writer (one fsync each).",
                ),
            ),
            writes: register(
                &registry,
                IntCounter::new(
                    "tetap_store_writes_total",
                    "Write transactions carried by those commits.",
                ),
            ),
            commit_batch_size: register(
                &registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "tetap_store_commit_batch_size",
                        "Write transactions sharing one commit.",
                    )
                    .buckets(BATCH_BUCKETS.to_vec()),
                ),
            ),
            message_commit_seconds: register(
                &registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "tetap_message_commit_seconds",
                        "From the begin of a write that stores messages to its durable commit.",
                    )
                    .buckets(LATENCY_BUCKETS.to_vec()),
                ),
            ),
            refusals: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "tetap_refusals_total",
                        "Requests and frames refused by a rule or a limit, by error code.",
                    ),
                    &["code"],
                ),
            ),
            presence_sweeps: register(
                &registry,
                IntCounter::new(
                    "tetap_presence_sweeps_total",
                    "Renewals of this relay's socket lease, each with a sweep of lapsed ones (R11).",
                ),
            ),
            routing_passes: register(
                &registry,
                IntCounter::new(
                    "tetap_routing_passes_total",
                    "Routing passes completed (R10).",
                ),
            ),
            timers_fired: register(
                &registry,
                IntCounterVec::new(
                    Opts::new(
                        "tetap_timers_fired_total",
                        "Stored conversation timers this relay claimed and fired, by kind: summed \
                         over relays sharing a database, each timer counts once.",
                    ),
                    &["kind"],
                ),
            ),
            relay_notes: register(
                &registry,
                IntCounter::new(
                    "tetap_relay_notes_received_total",
                    "Notes from the other relays of the database, each about one commit.",
                ),
            ),
            relay_catch_ups: register(
                &registry,
                IntCounter::new(
                    "tetap_relay_catch_ups_total",
                    "Reads of the tables for what the other relays' notes may have missed: after \
                     each (re)connection of the listener, and on the safety poll.",
                ),
            ),
            registry,
        }))
    }

    /// Everything in the Prometheus text exposition format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        TextEncoder::new().encode_to_string(&self.0.registry.gather())
    }

    /// Counts one presence sweep.
    pub fn presence_swept(&self) {
        self.0.presence_sweeps.inc();
    }

    /// Counts one timer claimed and fired here.
    pub fn timer_fired(&self, timer: tetap_shared::rules::Timer) {
        self.0
            .timers_fired
            .with_label_values(&[timer.as_str()])
            .inc();
    }

    /// Counts notes heard from the other relays.
    pub fn relay_notes_received(&self, count: usize) {
        self.0
            .relay_notes
            .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
    }

    /// Counts one catch-up with the other relays.
    pub fn relays_caught_up(&self) {
        self.0.relay_catch_ups.inc();
    }

    /// Counts one routing pass.
    pub fn routing_passed(&self) {
        self.0.routing_passes.inc();
    }

    /// Counts an open customer socket until the guard is dropped.
    pub fn customer_socket(&self) -> OpenGuard {
        OpenGuard::new(&self.0.customer_sockets)
    }

    /// Counts an open agent event stream until the guard is dropped.
    pub fn agent_event_stream(&self) -> OpenGuard {
        OpenGuard::new(&self.0.agent_event_streams)
    }

    /// One commit of the group-commit writer, carrying `writes` write transactions.
    pub(crate) fn committed_batch(&self, writes: usize) {
        self.0.commits.inc();
        self.0.writes.inc_by(writes as u64);
        self.0.commit_batch_size.observe(writes as f64);
    }

    /// Messages made durable by one write, which took `latency` from its begin to its commit.
    pub fn messages_committed(&self, messages: &[Message], latency: Duration) {
        if messages.is_empty() {
            return;
        }
        for message in messages {
            self.0
                .messages_stored
                .with_label_values(&[message.author.kind.as_str()])
                .inc();
        }
        self.0.message_commit_seconds.observe(latency.as_secs_f64());
    }

    /// A request or frame refused with `code` (a fixed, snake_case error code).
    pub fn refused(&self, code: &'static str) {
        self.0.refusals.with_label_values(&[code]).inc();
    }
}

/// Registers `metric`; the definitions above are constants, so only a bug can make this fail.
fn register<T: Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<T>,
) -> T {
    let metric = metric.expect("constant metric definitions are valid");
    registry
        .register(Box::new(metric.clone()))
        .expect("each metric is registered once");
    metric
}

/// Keeps a gauge one higher while it lives, so every way out of a socket task counts it down.
#[derive(Debug)]
pub struct OpenGuard(IntGauge);

impl OpenGuard {
    fn new(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// `GET /metrics`: open, like any Prometheus exporter (DESIGN.md §4); `server.metrics_listen`
/// moves it off the public listener.
pub async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.render() {
        Ok(text) => (
            [(
                CONTENT_TYPE,
                prometheus::TEXT_FORMAT.to_owned() + "; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => crate::error::AppError::internal(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tetap_shared::MessageAuthor;

    fn message(kind: AuthorKind) -> Message {
        Message {
            seq: 1,
            id: "m".into(),
            client_id: None,
            author: MessageAuthor {
                kind,
                id: "someone".into(),
                name: None,
            },
            system_kind: None,
            text: "secret text".into(),
            at: "2026-11-24T09:00:00.000Z".into(),
        }
    }

    #[test]
    fn two_relays_never_share_a_count() {
        let one = Metrics::new();
        let two = Metrics::new();
        one.refused("rate_limited");
        one.messages_committed(&[message(AuthorKind::Agent)], Duration::from_millis(2));
        let text = two.render().expect("render");
        assert!(
            text.contains("tetap_messages_stored_total{author=\"agent\"} 0"),
            "{text}"
        );
        assert!(!text.contains("rate_limited"), "{text}");
        let text = one.render().expect("render");
        assert!(
            text.contains("tetap_messages_stored_total{author=\"agent\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("tetap_refusals_total{code=\"rate_limited\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn message_text_and_author_ids_never_become_labels() {
        let metrics = Metrics::new();
        metrics.messages_committed(&[message(AuthorKind::Customer)], Duration::ZERO);
        let text = metrics.render().expect("render");
        assert!(!text.contains("secret text"), "{text}");
        assert!(!text.contains("someone"), "{text}");
        assert!(
            text.contains("tetap_message_commit_seconds_count 1"),
            "{text}"
        );
    }

    #[test]
    fn a_batch_counts_one_commit_and_its_writes() {
        let metrics = Metrics::new();
        metrics.committed_batch(3);
        metrics.committed_batch(1);
        let text = metrics.render().expect("render");
        assert!(text.contains("tetap_store_commits_total 2"), "{text}");
        assert!(text.contains("tetap_store_writes_total 4"), "{text}");
        assert!(
            text.contains("tetap_store_commit_batch_size_bucket{le=\"2\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("tetap_store_commit_batch_size_sum 4"),
            "{text}"
        );
    }

    #[test]
    fn an_open_guard_counts_until_dropped() {
        let metrics = Metrics::new();
        let first = metrics.customer_socket();
        let second = metrics.customer_socket();
        assert_eq!(metrics.0.customer_sockets.get(), 2);
        drop(first);
        drop(second);
        assert_eq!(metrics.0.customer_sockets.get(), 0);
    }
}
