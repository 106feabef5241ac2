//! The relay's integration tests: real servers on 127.0.0.1:0 over real SQLite files.

mod relay {
    pub mod agent_api;
    pub mod browser;
    pub mod browser_support;
    pub mod console_browser;
    pub mod customer_socket;
    pub mod customer_tokens;
    pub mod database_outage;
    pub mod earlier_conversations;
    pub mod faults;
    pub mod faults_network;
    pub mod heartbeat;
    pub mod identity;
    pub mod identity_browser;
    pub mod identity_fixtures;
    pub mod jwks_url;
    pub mod limits;
    pub mod metrics;
    pub mod migrate_store;
    pub mod pipelining;
    pub mod relays;
    pub mod restarts;
    pub mod rules;
    pub mod store_contract;
    pub mod support;
    pub mod visitors;
    pub mod widget_a11y;
    pub mod widget_delivery;
    pub mod widget_first_message;
    pub mod widget_history;
    pub mod widget_modes;
    pub mod widget_proxy;
    pub mod widget_safety;
    pub mod widget_support;
}
