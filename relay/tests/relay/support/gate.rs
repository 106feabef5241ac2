//! Holds a relay's routing pass still between choosing an agent and writing the assignment, so a
//! test can commit something else in between: a race driven step by step, not by luck.

use std::sync::{Arc, Mutex};
use tetap_relay::state::BeforeAssign;
use tokio::sync::{mpsc, oneshot};

/// A gate on the routing pass; closed, it lets every pass through.
#[derive(Clone, Default)]
pub struct RoutingGate(Arc<Mutex<Option<Armed>>>);

struct Armed {
    chosen: mpsc::UnboundedSender<(String, String)>,
    release: oneshot::Receiver<()>,
}

/// An armed gate's handle: tells what the held pass chose, then lets it go on.
pub struct HeldPass {
    chosen: mpsc::UnboundedReceiver<(String, String)>,
    release: Option<oneshot::Sender<()>>,
}

impl RoutingGate {
    /// Holds the next assignment any routing pass is about to write.
    pub fn arm(&self) -> HeldPass {
        let (chosen_tx, chosen) = mpsc::unbounded_channel();
        let (release_tx, release) = oneshot::channel();
        *self.0.lock().expect("gate") = Some(Armed {
            chosen: chosen_tx,
            release,
        });
        HeldPass {
            chosen,
            release: Some(release_tx),
        }
    }

    /// The relay hook: waits at the gate when it is armed, once.
    pub fn hook(&self) -> BeforeAssign {
        let gate = Arc::clone(&self.0);
        Arc::new(move |conversation, agent| {
            let armed = gate.lock().expect("gate").take();
            Box::pin(async move {
                if let Some(armed) = armed {
                    let _ = armed.chosen.send((conversation, agent));
                    let _ = armed.release.await;
                }
            })
        })
    }
}

impl HeldPass {
    /// Waits until a routing pass holds at the gate; returns the conversation and the agent it
    /// chose.
    pub async fn chosen(&mut self) -> (String, String) {
        tokio::time::timeout(super::FRAME_DEADLINE, self.chosen.recv())
            .await
            .expect("a routing pass reached the gate in time")
            .expect("the gate is armed")
    }

    /// Lets the held pass write its assignment.
    pub fn release(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
    }
}
