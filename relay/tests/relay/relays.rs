//! Several relay processes on one PostgreSQL database act as one (DESIGN §6): a conversation
//! seen from any of them is the same, in the same order, with nothing lost or doubled, and a
//! relay that dies takes nothing with it. Always on PostgreSQL, whatever `TETAP_TEST_STORE`
//! says: a SQLite file has one relay.

mod bursts;
mod crossing;
mod group;
mod kills;
mod routing;
mod timers;
