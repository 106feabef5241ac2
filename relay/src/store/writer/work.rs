//! One write as the writer thread holds it: the closure, what its caller is waiting for, and
//! what it returned, kept until the commit that makes it durable. A write that may run again
//! (`again`) keeps its closure after running, so that the writer can run it once more when the
//! statement its batch deferred its effects to fails.

use super::super::{Lookahead, StoreError, StoreTx};
use tokio::sync::oneshot;

/// A write, whatever it returns.
pub(super) trait Work: Send {
    /// What the engine may read ahead for it, with the rest of its batch.
    fn lookahead(&self) -> Option<&Lookahead>;
    /// Whether it may run more than once (its effects may then be deferred).
    fn again(&self) -> bool;
    /// Runs it; true when it succeeded and what it wrote is to be kept. What it returned is
    /// kept for its caller, who hears nothing yet.
    fn run(&mut self, tx: &mut StoreTx<'_>) -> bool;
    /// Tells the caller it failed, with its own error or `error` when it could not run at all.
    fn fail(self: Box<Self>, error: Option<StoreError>);
    /// Tells the caller how its commit went.
    fn deliver(self: Box<Self>, committed: Result<(), String>);
}

/// The closure of a write: `FnMut` so that a write that may run again can; one that may not is
/// a `FnOnce` taken out of an `Option` on its only run.
type Closure<T, E> = Box<dyn FnMut(&mut StoreTx<'_>) -> Result<T, E> + Send>;

/// A write returning `T` or failing with `E`.
pub(super) struct Write<T, E> {
    lookahead: Option<Lookahead>,
    again: bool,
    work: Closure<T, E>,
    told: oneshot::Sender<Result<T, E>>,
    outcome: Option<Result<T, E>>,
}

impl<T, E> Write<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    /// A write that runs once.
    pub(super) fn once<W>(work: W, told: oneshot::Sender<Result<T, E>>) -> Self
    where
        W: FnOnce(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
    {
        let mut work = Some(work);
        let work: Closure<T, E> = Box::new(move |tx| match work.take() {
            Some(work) => work(tx),
            None => Err(StoreError::Commit("a write ran twice".into()).into()),
        });
        Self {
            lookahead: None,
            again: false,
            work,
            told,
            outcome: None,
        }
    }

    /// A write that may run again, with what its engine may read ahead for it.
    pub(super) fn again<W>(
        lookahead: Option<Lookahead>,
        work: W,
        told: oneshot::Sender<Result<T, E>>,
    ) -> Self
    where
        W: FnMut(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
    {
        Self {
            lookahead,
            again: true,
            work: Box::new(work),
            told,
            outcome: None,
        }
    }
}

impl<T, E> Work for Write<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    fn lookahead(&self) -> Option<&Lookahead> {
        self.lookahead.as_ref()
    }

    fn again(&self) -> bool {
        self.again
    }

    fn run(&mut self, tx: &mut StoreTx<'_>) -> bool {
        let outcome = (self.work)(tx);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn fail(self: Box<Self>, error: Option<StoreError>) {
        let outcome = match (error, self.outcome) {
            (Some(error), _) => Err(error.into()),
            (None, Some(Err(error))) => Err(error),
            (None, _) => Err(StoreError::Commit("the write failed".into()).into()),
        };
        let _ = self.told.send(outcome);
    }

    fn deliver(self: Box<Self>, committed: Result<(), String>) {
        let outcome = match (committed, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            (Ok(()), None) => Err(StoreError::Commit("the write never ran".into()).into()),
            (Err(error), _) => Err(StoreError::Commit(error).into()),
        };
        let _ = self.told.send(outcome);
    }
}
