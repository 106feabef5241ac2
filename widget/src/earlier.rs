//! The customer's earlier conversations (R9: every one stays readable): the relay lists them a
//! page at a time, newest page first (`welcome`, then `earlier` frames), and the browser keeps
//! the ids it saw. Both are merged into one list, oldest first, with no id twice and none
//! dropped; each conversation's mode is remembered, since it is shown by its own rules.

use crate::chat::{Chat, Effect};
use tetap_shared::frames::EarlierConversation;
use tetap_shared::{ConversationId, Mode};

/// Merges a page of the relay's list (oldest first) into `list` (oldest first), the page's
/// newest id going just before `list[at]` (or last when `at` is the length). Ids already in
/// `list` stay where they are and place the older ids of the page before them; nothing in
/// `list` moves or goes. The relay's order is kept for what it lists, the browser's for the rest.
pub fn merge_page(list: &mut Vec<ConversationId>, page: &[ConversationId], at: usize) {
    let mut at = at.min(list.len());
    for id in page.iter().rev() {
        match list.iter().position(|known| known == id) {
            Some(known) => at = known,
            None => list.insert(at, id.clone()),
        }
    }
}

impl Chat {
    /// The mode `id` was started in: the relay's word for it, else the workstream's.
    pub fn mode_of(&self, id: &ConversationId) -> Option<Mode> {
        if let Some(info) = self.conversation.as_ref().filter(|info| info.id == *id) {
            return Some(info.mode);
        }
        self.modes
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, mode)| *mode)
            .or(self.mode)
    }

    pub(crate) fn remember_mode(&mut self, id: &ConversationId, mode: Mode) {
        match self.modes.iter_mut().find(|(known, _)| known == id) {
            Some(known) => known.1 = mode,
            None => self.modes.push((id.clone(), mode)),
        }
    }

    /// The newest page of earlier conversations, from `welcome`: merged below the current
    /// conversation, which is newer than every closed one. Paging goes on from where it was.
    pub(crate) fn welcome_page(
        &mut self,
        current: Option<&tetap_shared::frames::ConversationInfo>,
        page: Vec<ConversationId>,
        modes: Vec<Mode>,
        more: bool,
    ) {
        // A relay that predates `earlier_modes` sends none: those stay unknown.
        for (id, mode) in page.iter().zip(modes) {
            self.remember_mode(id, mode);
        }
        let at = current
            .and_then(|info| self.earlier.iter().position(|id| *id == info.id))
            .unwrap_or(self.earlier.len());
        merge_page(&mut self.earlier, &page, at);
        if self.oldest_listed.is_none() {
            self.oldest_listed = page.first().cloned();
            self.more_earlier = more && self.oldest_listed.is_some();
        }
    }

    /// An older page of earlier conversations, below `before`. When it is the page the
    /// customer asked for by reading back, the newest conversation it brings is loaded on.
    pub(crate) fn earlier_page(
        &mut self,
        before: ConversationId,
        page: Vec<EarlierConversation>,
        more: bool,
    ) -> Effect {
        let asked = self.listing.as_ref() == Some(&before);
        if asked {
            self.listing = None;
        }
        let ids: Vec<ConversationId> = page
            .into_iter()
            .map(|earlier| {
                self.remember_mode(&earlier.id, earlier.mode);
                earlier.id
            })
            .collect();
        // Every id of the page is older than `before`; without it, older than all listed.
        let at = self
            .earlier
            .iter()
            .position(|id| *id == before)
            .unwrap_or(0);
        merge_page(&mut self.earlier, &ids, at);
        if self.oldest_listed.as_ref() == Some(&before) {
            if let Some(oldest) = ids.first() {
                self.oldest_listed = Some(oldest.clone());
            }
            self.more_earlier = more && !ids.is_empty();
        }
        match asked.then(|| self.request_older()).flatten() {
            Some(frame) => Effect::Request(frame),
            None => Effect::Nothing,
        }
    }
}
