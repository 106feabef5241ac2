//! The tables a move copies, in the order it copies them, each as its source row, its key
//! (source order, and where a resumed move continues) and its insert on the target.
//!
//! Not copied: `relay_instances` and `customer_sockets`, the leases of the relays that were
//! running and the customer sockets they held open. They describe processes, not data; after a
//! move no relay holds them, and the relays started on the target record their own.

mod agents;
mod conversations;
mod timers;

use super::MigrateError;
use super::copy::{Budget, SourceRow, copy};
use agents::{Agent, AgentSession, RelaySecret};
use conversations::{Conversation, Message};
use sqlx::{PgConnection, SqliteConnection};
use timers::{TimerRow, Wait};

/// A table a move copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Table {
    Agents,
    Conversations,
    Messages,
    AgentSessions,
    Timers,
    Waits,
    RelaySecrets,
}

/// Every table, in copy order: agents before conversations (assigning one counts in its agent's
/// row), conversations before what references them.
pub(super) const ALL: [Table; 7] = [
    Table::Agents,
    Table::Conversations,
    Table::Messages,
    Table::AgentSessions,
    Table::Timers,
    Table::Waits,
    Table::RelaySecrets,
];

impl Table {
    /// The table's name, the same on both engines.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Agents => Agent::TABLE,
            Self::Conversations => Conversation::TABLE,
            Self::Messages => Message::TABLE,
            Self::AgentSessions => AgentSession::TABLE,
            Self::Timers => TimerRow::TABLE,
            Self::Waits => Wait::TABLE,
            Self::RelaySecrets => RelaySecret::TABLE,
        }
    }

    /// Copies the rows the target does not have yet; how many it copied.
    pub(super) async fn copy(
        self,
        source: &mut SqliteConnection,
        target: &mut PgConnection,
        batch_rows: u32,
        budget: &mut Budget,
        progress: &mut dyn FnMut(&str),
    ) -> Result<u64, MigrateError> {
        match self {
            Self::Agents => copy::<Agent>(source, target, batch_rows, budget, progress).await,
            Self::Conversations => {
                copy::<Conversation>(source, target, batch_rows, budget, progress).await
            }
            Self::Messages => copy::<Message>(source, target, batch_rows, budget, progress).await,
            Self::AgentSessions => {
                copy::<AgentSession>(source, target, batch_rows, budget, progress).await
            }
            Self::Timers => copy::<TimerRow>(source, target, batch_rows, budget, progress).await,
            Self::Waits => copy::<Wait>(source, target, batch_rows, budget, progress).await,
            Self::RelaySecrets => {
                copy::<RelaySecret>(source, target, batch_rows, budget, progress).await
            }
        }
    }
}
