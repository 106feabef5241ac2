//! The `tetap-relay` command: serve, `check-config`, `hash-password`, `migrate-store`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tetap_relay::clock::SystemClock;
use tetap_relay::config::{Config, LogFormat};

#[derive(Parser)]
#[command(
    name = "tetap-relay",
    version,
    about = "Tetap's relay: persistent customer chat"
)]
struct Cli {
    /// The configuration file.
    #[arg(long, env = "TETAP_CONFIG", default_value = "tetap.toml")]
    config: PathBuf,
    /// Overrides `server.listen`.
    #[arg(long, env = "TETAP_LISTEN")]
    listen: Option<SocketAddr>,
    /// Overrides `server.database_url`. Its value is never shown (it may hold a password).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Validates the configuration and its key files; prints every problem and exits non-zero.
    CheckConfig,
    /// Reads a password on standard input and prints its argon2id hash for `password_hash`.
    HashPassword,
    /// Copies a SQLite store into an empty PostgreSQL database, then verifies the copy. Stop
    /// every relay first; an interrupted move continues with `--resume`.
    MigrateStore(tetap_relay::migrate_store::Options),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::HashPassword) => hash_password(),
        Some(Command::CheckConfig) => {
            let config = load(&cli)?;
            tetap_relay::customer_token::CustomerVerifier::load(&config)?;
            println!("{}: ok", cli.config.display());
            Ok(())
        }
        Some(Command::MigrateStore(options)) => migrate_store(&options),
        None => serve(&cli),
    }
}

fn migrate_store(options: &tetap_relay::migrate_store::Options) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let summary = runtime.block_on(tetap_relay::migrate_store::run(options, |line| {
        eprintln!("{line}");
    }))?;
    print!("{summary}");
    Ok(())
}

fn load(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(&cli.config)?;
    if let Some(listen) = cli.listen {
        config.server.listen = listen;
    }
    if let Some(url) = &cli.database_url {
        config.server.database_url = url.clone().into();
    }
    Ok(config)
}

fn hash_password() -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!password.is_empty(), "the password is empty");
    let hash = tetap_relay::agent_session::hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    println!("{hash}");
    Ok(())
}

/// Logs to standard output in `format`, filtered by `RUST_LOG` when it is set.
fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let logs =
        tracing_subscriber::fmt().with_env_filter(tetap_relay::secret::quiet_frame_logs(filter));
    match format {
        LogFormat::Text => logs.init(),
        // The event's fields at the top level, so a collector indexes `message`, `address`…
        // without unwrapping a nested object; never colour codes inside the JSON strings.
        LogFormat::Json => logs.with_ansi(false).json().flatten_event(true).init(),
    }
}

fn serve(cli: &Cli) -> anyhow::Result<()> {
    // The configuration first: it says how to log (a configuration error goes to stderr as is).
    let config = load(cli)?;
    init_logs(config.server.log_format);
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("binding {}", config.server.listen))?;
        tracing::info!(address = %listener.local_addr()?, "tetap relay listening");
        tetap_relay::run(listener, config, Arc::new(SystemClock), shutdown_signal()).await?;
        tracing::info!("tetap relay stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
