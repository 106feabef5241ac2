//! The customer's sockets as stored leases (R11): opening one cancels a live conversation's
//! reconnect grace; closing the last one on every running relay starts it; a sweep starts it for
//! the customers of relays whose lease lapsed (stopped or killed).

use super::write::{Context, commit};
use super::{DecideError, Decision, decide_in};
use crate::state::AppState;
use crate::store::{CustomerIdentity, StoreTx};
use tetap_shared::rules::Event;

/// A customer socket opened on this relay (after its hello): recorded, and R11's grace of their
/// live conversation cancelled.
pub async fn customer_socket_opened(
    state: &AppState,
    identity: &CustomerIdentity,
) -> Result<Option<Decision>, DecideError> {
    let (identity, instance) = (identity.clone(), state.instance.clone());
    commit(state, move |ctx, tx| {
        let (now, lease_until) = (ctx.at(), instance.lease_until(ctx.now));
        tx.renew_instance(instance.id(), &now, &lease_until)?;
        tx.add_customer_socket(&identity, instance.id())?;
        let Some(row) = tx.current_conversation(&identity)? else {
            return Ok(None);
        };
        decide_in(ctx, tx, row, &Event::CustomerBack)
    })
    .await
}

/// A customer socket of this relay closed: when no socket of the customer is left on any running
/// relay, their live conversation starts its reconnect grace, decided in the same write.
pub async fn customer_socket_closed(
    state: &AppState,
    identity: &CustomerIdentity,
) -> Result<Option<Decision>, DecideError> {
    let (identity, instance) = (identity.clone(), state.instance.clone());
    commit(state, move |ctx, tx| {
        tx.remove_customer_socket(&identity, instance.id())?;
        if tx.customer_connected(&identity, instance.id(), &ctx.at())? {
            return Ok(None);
        }
        let Some(row) = tx.current_conversation(&identity)? else {
            return Ok(None);
        };
        decide_in(ctx, tx, row, &Event::CustomerLeft)
    })
    .await
}

/// Renews this relay's lease (recording its sockets again if the lease had lapsed), forgets the
/// relays whose lease lapsed, and starts the reconnect grace of every live conversation whose
/// customer has no socket left on a running relay. One write, so any number of relays may sweep.
pub async fn sweep_presence(state: &AppState) -> Result<Vec<Decision>, DecideError> {
    let (instance, hub) = (state.instance.clone(), state.hub.clone());
    commit(state, move |ctx, tx| {
        let (now, lease_until) = (ctx.at(), instance.lease_until(ctx.now));
        if !tx.renew_instance(instance.id(), &now, &lease_until)? {
            // Read on the writer thread, in order with the sockets' own writes.
            for (identity, sockets) in hub.customer_socket_counts() {
                tx.restore_customer_sockets(&identity, instance.id(), sockets)?;
            }
        }
        tx.expire_instances(instance.id(), &now)?;
        start_abandoned_graces(ctx, tx, instance.id())
    })
    .await
}

/// Forgets this relay's sockets as it stops, and starts the grace of the live conversations
/// that leaves without a customer at once rather than a lease later.
pub async fn retire_instance(state: &AppState) -> Result<Vec<Decision>, DecideError> {
    let instance = state.instance.clone();
    commit(state, move |ctx, tx| {
        tx.remove_instance(instance.id())?;
        // Its own id no longer names a row, so only other relays' sockets count.
        start_abandoned_graces(ctx, tx, instance.id())
    })
    .await
}

/// Starts R11's grace for every live conversation whose customer has no socket on `instance` or
/// on any relay whose lease runs.
fn start_abandoned_graces(
    ctx: &Context,
    tx: &mut StoreTx<'_>,
    instance: &str,
) -> Result<Vec<Decision>, DecideError> {
    let mut decisions = Vec::new();
    for row in tx.abandoned_live_conversations(instance, &ctx.at())? {
        decisions.extend(decide_in(ctx, tx, row, &Event::CustomerLeft)?);
    }
    Ok(decisions)
}
