//! A model test of the decisions taken at commit (R2, R8, R10): random interleavings of customers
//! writing, opening the widget and coming and going, routing passes — also a pass's plan made from
//! one read and its assignments committed steps later, the race the store's checks exist for —
//! agents accepting, answering, parking, ending and changing presence, and time passing with its
//! timers, all through the relay's own `decide` and `routing` on a real store of the test's engine
//! (SQLite, or PostgreSQL with `TETAP_TEST_STORE=postgres`), a fresh database per case. After
//! every step the invariants are read back from the store's rows.
//!
//! In-process rather than over HTTP: a step is one decision, nothing runs in the background, so a
//! case is deterministic, and 64 cases of up to 60 steps take about two seconds on SQLite and
//! about twenty on PostgreSQL (a database created and migrated per case, a round trip per read).

mod configuration;
mod invariants;
mod rows;
mod world;

use configuration::{AGENTS, CUSTOMERS};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tetap_relay::decide::AgentAction;
use world::{ACTIONS, World};

/// One thing that happens. Indices are taken modulo what they index.
#[derive(Clone, Debug)]
pub enum Step {
    /// The customer writes: a new conversation, or a message on their current one.
    Write { customer: usize },
    /// The customer opens the widget panel (R7's return).
    Open { customer: usize },
    /// A socket of the customer opens, or one that is open closes (R11).
    Socket { customer: usize, open: bool },
    /// A whole routing pass (`routing::run_once`).
    Route,
    /// A routing pass plans from what it reads now; its assignments wait for `Commit`.
    Plan,
    /// One planned assignment is committed (`decide::assign`), whatever happened since the plan.
    Commit { pick: usize },
    /// An agent acts on any conversation that is not closed: accept, answer (`None`), ✖, end.
    Act {
        agent: usize,
        action: Option<AgentAction>,
        pick: usize,
    },
    /// An agent goes online or offline.
    Presence { agent: usize, online: bool },
    /// The clock moves on; timers that came due fire (R8's grace, R11's reconnect grace).
    Later { minutes: u64 },
}

fn step() -> impl Strategy<Value = Step> {
    let customer = 0..CUSTOMERS.len();
    let agent = 0..AGENTS.len();
    prop_oneof![
        6 => customer.clone().prop_map(|customer| Step::Write { customer }),
        1 => customer.clone().prop_map(|customer| Step::Open { customer }),
        2 => (customer, any::<bool>()).prop_map(|(customer, open)| Step::Socket { customer, open }),
        2 => Just(Step::Route),
        2 => Just(Step::Plan),
        3 => (0..8_usize).prop_map(|pick| Step::Commit { pick }),
        6 => (agent.clone(), prop::sample::select(ACTIONS.to_vec()), 0..8_usize)
            .prop_map(|(agent, action, pick)| Step::Act { agent, action, pick }),
        3 => (agent, prop::bool::weighted(0.7))
            .prop_map(|(agent, online)| Step::Presence { agent, online }),
        1 => (1..15_u64).prop_map(|minutes| Step::Later { minutes }),
    ]
}

/// Runs the steps on a fresh store, checking the invariants after each.
async fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let mut world = World::start().await;
    let mut outcome = Ok(());
    for (i, step) in steps.iter().enumerate() {
        let checked = match world.apply(step).await {
            Ok(()) => invariants::check(&mut world).await,
            Err(error) => Err(format!("the step failed: {error}")),
        };
        if let Err(broken) = checked {
            outcome = Err(TestCaseError::fail(format!(
                "after step {i} ({step:?}): {broken}"
            )));
            break;
        }
    }
    world.close().await;
    outcome
}

proptest! {
    // No regression files written into the source tree: a failure prints its shrunk steps.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn r8_r10_capacity_and_online_agents_hold_after_every_step_of_any_interleaving(
        steps in prop::collection::vec(step(), 1..60)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(run(&steps))?;
    }
}
