//! The relay's integration tests: real servers on 127.0.0.1:0 over real SQLite files.

mod relay {
    pub mod agent_api;
    pub mod browser;
    pub mod customer_socket;
    pub mod support;
}
