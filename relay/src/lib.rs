//! Tetap's relay: keeps every conversation in a durable store, enforces the conversation rules,
//! relays messages between customers' widgets and agents, and serves the widget itself.
//!
//! `run` takes a bound listener, the validated configuration, a clock and a shutdown future, so
//! tests start real servers on port 0 and move time by hand.

pub mod agent_api;
pub mod agent_events;
pub mod agent_session;
pub mod assets;
pub mod clock;
pub mod config;
pub mod console;
pub mod customer_token;
pub mod customer_ws;
pub mod decide;
#[cfg(feature = "demo")]
pub mod demo;
pub mod error;
pub mod fanout;
pub mod health;
pub mod heartbeat;
pub mod hub;
pub mod limits;
pub mod metrics;
pub mod migrate_store;
pub mod openapi;
pub mod origin;
pub mod peers;
pub mod presence;
pub mod routing;
pub mod secret;
pub mod state;
pub mod store;
pub mod text_rules;
pub mod timers;
pub mod views;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::state::AppState;
use axum::Router;
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::routing::{get, post, put};
use axum::serve::ListenerExt as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest HTTP request body.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest an HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    #[error("keys: {0}")]
    Keys(#[from] customer_token::KeyLoadError),
    #[error("widget assets: {0}")]
    Assets(std::io::Error),
    #[error("serving: {0}")]
    Serve(std::io::Error),
    #[error("binding server.metrics_listen {0}: {1}")]
    MetricsListen(SocketAddr, std::io::Error),
}

/// Builds the shared state: opens the store, loads keys and assets.
pub async fn state(config: Config, clock: SharedClock) -> Result<AppState, StartError> {
    let metrics = metrics::Metrics::new();
    let store = store::Store::open_with(
        &config.server.database_url,
        store::StoreOptions {
            pool_size: config.server.pool_size,
            metrics: metrics.clone(),
        },
    )
    .await?;
    let verifier = customer_token::CustomerVerifier::load(&config)?;
    let assets = assets::Assets::load(&config).map_err(StartError::Assets)?;
    let limits = limits::Limits::new(&config.server);
    let config_lease = config.server.presence_lease;
    let capacities = config
        .agents
        .iter()
        .map(|agent| (agent.id.clone(), agent.capacity))
        .collect();
    store.record_capacities(capacities).await?;
    let instance = presence::Instance::new(config_lease);
    let peers = peers::Peers::new(instance.id(), store.is_shared());
    Ok(AppState {
        config: Arc::new(config),
        store,
        socket_clock: clock.clone(),
        clock,
        hub: hub::Hub::default(),
        verifier,
        assets: Arc::new(assets),
        password_checks: Arc::new(tokio::sync::Semaphore::new(
            state::CONCURRENT_PASSWORD_CHECKS,
        )),
        wake: state::Wake::default(),
        limits,
        routing_lock: Arc::default(),
        metrics,
        instance,
        peers,
        hooks: state::Hooks::default(),
    })
}

/// The relay's background tasks (routing, timers, presence, the other relays); they stop when
/// this is dropped.
pub struct Background(Vec<tokio::task::JoinHandle<()>>);

impl Background {
    /// Starts routing, the timers, the presence lease and listening to the other relays.
    pub fn start(state: &AppState) -> Self {
        Self(vec![
            tokio::spawn(routing::task(state.clone())),
            tokio::spawn(timers::task(state.clone())),
            tokio::spawn(presence::task(state.clone())),
            tokio::spawn(peers::send_task(state.clone())),
            tokio::spawn(peers::listen_task(state.clone())),
        ])
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Every route of the relay; `/metrics` too unless `server.metrics_listen` moves it elsewhere.
pub fn app(state: AppState) -> Router {
    let agent = Router::new()
        .route("/login", post(agent_session::login))
        .route("/logout", post(agent_session::logout))
        .route("/me", get(agent_api::me))
        .route("/presence", put(agent_api::set_presence))
        .route("/conversations", get(agent_api::conversations))
        .route("/events", get(agent_events::upgrade))
        .route(
            "/conversations/{id}/messages",
            get(agent_api::messages).post(agent_api::post_message),
        )
        .route("/conversations/{id}/accept", post(agent_api::accept))
        .route("/conversations/{id}/wait", post(agent_api::wait))
        .route("/conversations/{id}/end", post(agent_api::end))
        .route("/conversations/{id}/typing", post(agent_api::typing))
        .route("/conversations/{id}/read", post(agent_api::read));
    let router = Router::new()
        .nest("/v1/agent", agent)
        .route("/v1/customer/ws", get(customer_ws::upgrade))
        .route("/v1/widget/workstreams/{id}", get(assets::workstream_info))
        .route("/tetap.js", get(assets::loader))
        .route("/widget/", get(assets::widget_page))
        .route("/widget/{*path}", get(assets::widget_file))
        .route("/console", get(console::redirect))
        .route("/console/", get(console::page))
        .route("/console/{*path}", get(console::file))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/healthz", get(health::check));
    let router = if state.config.server.metrics_listen.is_none() {
        router.route("/metrics", get(metrics::scrape))
    } else {
        router
    };
    #[cfg(feature = "demo")]
    let router = router.merge(demo::routes());
    router
        // Innermost, so it sees each error response as its handler made it.
        .layer(axum::middleware::map_response_with_state(
            state.metrics.clone(),
            metrics::count_refusals,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(SetSensitiveResponseHeadersLayer::new([SET_COOKIE]))
        .layer(TraceLayer::new_for_http())
        .layer(SetSensitiveRequestHeadersLayer::new([
            AUTHORIZATION,
            COOKIE,
        ]))
        .with_state(state)
}

/// `/metrics` alone, for the `server.metrics_listen` address.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the relay on `listener` until `shutdown` resolves, then drains open requests; binds
/// `server.metrics_listen` for `/metrics` when it is set.
pub async fn run(
    listener: TcpListener,
    config: Config,
    clock: SharedClock,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let metrics_listener = match config.server.metrics_listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .map_err(|e| StartError::MetricsListen(address, e))?,
        ),
        None => None,
    };
    run_with_metrics_listener(listener, metrics_listener, config, clock, shutdown).await
}

/// Like [`run`], with `/metrics` served on `metrics_listener`, already bound for
/// `server.metrics_listen` (tests bind port 0 and need to know the port).
pub async fn run_with_metrics_listener(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    config: Config,
    clock: SharedClock,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let state = state(config, clock).await?;
    let store = state.store.clone();
    let retiring = state.clone();
    let background = Background::start(&state);
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics_server = match metrics_listener {
        Some(metrics_listener) => {
            let address = metrics_listener.local_addr().map_err(StartError::Serve)?;
            tracing::info!(%address, "metrics listening");
            let service = metrics_app(state.clone());
            Some(tokio::spawn(
                axum::serve(metrics_listener, service)
                    .with_graceful_shutdown(async {
                        let _ = metrics_stopped.await;
                    })
                    .into_future(),
            ))
        }
        None => None,
    };
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    // Without TCP_NODELAY a small frame written after another waits for the peer's delayed ACK
    // (up to 40 ms): every acknowledgement and relayed message is such a frame.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
    });
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve);
    // Metrics stay up while the relay drains, then stop with it.
    let _ = stop_metrics.send(());
    if let Some(metrics_server) = metrics_server {
        match metrics_server.await {
            Ok(result) => result.map_err(StartError::Serve)?,
            Err(error) => tracing::error!(%error, "metrics server task failed"),
        }
    }
    served?;
    drop(background);
    presence::retire(&retiring).await;
    store.close().await;
    Ok(())
}
