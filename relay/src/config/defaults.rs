//! What an omitted key of the configuration file means: every default in one place.

use super::{LogFormat, ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;

pub(super) fn default_server() -> ServerConfig {
    ServerConfig {
        listen: default_listen(),
        database_url: default_database_url(),
        pool_size: default_pool_size(),
        widget_dir: None,
        console_dir: None,
        max_sockets_per_ip: default_max_sockets_per_ip(),
        message_burst: default_message_burst(),
        messages_per_second: default_messages_per_second(),
        agent_session_lifetime: default_session_lifetime(),
        metrics_listen: None,
        log_format: LogFormat::default(),
        presence_lease: default_presence_lease(),
    }
}
pub(super) fn default_message_burst() -> u32 {
    20
}
pub(super) fn default_messages_per_second() -> u32 {
    5
}
pub(super) fn default_presence_lease() -> Duration {
    Duration::from_secs(15)
}

pub(super) fn default_max_sockets_per_ip() -> usize {
    256
}
pub(super) fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
pub(super) fn default_pool_size() -> u32 {
    10
}
pub(super) fn default_database_url() -> super::DatabaseUrl {
    "sqlite://data/tetap.db".to_owned().into()
}
pub(super) fn default_session_lifetime() -> Duration {
    Duration::from_secs(12 * 3600)
}
pub(super) fn default_max_token_lifetime() -> Duration {
    Duration::from_secs(24 * 3600)
}
pub(super) fn default_leeway() -> Duration {
    Duration::from_secs(30)
}
pub(super) fn default_affinity_grace() -> Duration {
    Duration::from_secs(600)
}
pub(super) fn default_reconnect_grace() -> Duration {
    Duration::from_secs(180)
}
pub(super) fn default_capacity() -> u32 {
    3
}
