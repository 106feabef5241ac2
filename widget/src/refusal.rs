//! What a relay's refusal means for the log: a token to renew, a message to mark failed (with
//! the offline notice when it came outside operating hours, R3), an earlier conversation the
//! relay no longer knows, or an error for the loader.

use crate::chat::{Chat, Effect, Status};
use tetap_shared::ErrorCode;

impl Chat {
    pub(crate) fn refused(
        &mut self,
        code: ErrorCode,
        message: String,
        client_id: Option<String>,
    ) -> Effect {
        match code {
            ErrorCode::TokenExpired | ErrorCode::Unauthorized => return Effect::TokenNeeded,
            // Transient: the message stays "sending" and is resent after the next welcome.
            ErrorCode::RateLimited | ErrorCode::Internal => {}
            // An earlier conversation the relay no longer knows: forget it quietly.
            ErrorCode::UnknownConversation if client_id.is_none() => {
                if let Some(gone) = self.loading.take() {
                    self.earlier.retain(|id| *id != gone);
                    if let Some(thread) = self.threads.iter_mut().find(|t| t.id == gone) {
                        thread.more_before = false;
                    }
                    return Effect::Nothing;
                }
            }
            _ => {
                if let Some(entry) = client_id.as_deref().and_then(|id| self.by_client_id(id)) {
                    entry.status = Status::Failed;
                    if code == ErrorCode::OutsideOperatingHours {
                        self.notice = Some(message);
                    }
                    return Effect::Nothing;
                }
            }
        }
        Effect::Error { code, message }
    }
}
