//! The timer task: fires stored conversation timers (waiting timeout, affinity grace, reconnect
//! grace) when the clock reaches them, through `decide`, so they survive restarts.

use crate::state::AppState;
use crate::{decide, fanout};
use std::time::Duration;

/// How long to back off after the store failed, before trying again.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(1);

/// Runs until the relay stops.
pub async fn task(state: AppState) {
    loop {
        match state.store.next_timer().await {
            Ok(Some(next)) => {
                let Some(due) = crate::clock::parse(&next.due_at) else {
                    tracing::error!(due = %next.due_at, "unreadable timer; skipping");
                    tokio::time::sleep(RETRY_AFTER_ERROR).await;
                    continue;
                };
                tokio::select! {
                    () = state.clock.sleep_until(due) => {
                        match decide::timer_due(&state, &next.conversation, next.timer).await {
                            Ok(Some(decision)) => {
                                state.metrics.timer_fired(next.timer);
                                fanout::publish(&state, &decision);
                            }
                            Ok(None) => {}
                            Err(error) => {
                                tracing::error!(%error, "timer failed");
                                tokio::time::sleep(RETRY_AFTER_ERROR).await;
                            }
                        }
                    }
                    () = state.wake.timers.notified() => {}
                }
            }
            Ok(None) => state.wake.timers.notified().await,
            Err(error) => {
                tracing::error!(%error, "reading timers failed");
                tokio::time::sleep(RETRY_AFTER_ERROR).await;
            }
        }
    }
}
