//! A workstream of the relay's shared configuration, held by reference: every open customer
//! socket needs its settings, and a copy per socket would cost each idle socket a few hundred
//! bytes.

use super::{Config, WorkstreamConfig};
use std::ops::Deref;
use std::sync::Arc;

/// One `[[workstream]]` of a shared [`Config`]; reads as the [`WorkstreamConfig`] itself.
#[derive(Clone)]
pub struct SharedWorkstream {
    config: Arc<Config>,
    index: usize,
}

impl SharedWorkstream {
    /// The workstream called `id`, if the configuration has one.
    pub fn find(config: &Arc<Config>, id: &str) -> Option<Self> {
        let index = config.workstreams.iter().position(|w| w.id == id)?;
        Some(Self {
            config: Arc::clone(config),
            index,
        })
    }
}

impl Deref for SharedWorkstream {
    type Target = WorkstreamConfig;

    fn deref(&self) -> &WorkstreamConfig {
        &self.config.workstreams[self.index]
    }
}
