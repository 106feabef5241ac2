//! The work list as the agent sees it: their `active` and `waiting` conversations and the queue of
//! their workstreams, kept current by the event stream, and which events deserve a notification
//! (R7: a customer comes back or writes; a conversation is assigned). Pure data: the app feeds it
//! API answers and events, the view renders it, the tests drive it.

use std::collections::BTreeMap;
use tetap_shared::{
    AgentEvent, AuthorKind, Conversation, ConversationId, ConversationState, Message,
};

mod returns;
mod row;

pub use returns::{is_returned, returned_first};
pub use row::{better_preview, customer_name, last_activity};

/// The three groups of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Mine, `active`: uses capacity.
    Active,
    /// Mine, `waiting` (parked with ✖, R6): uses no capacity.
    Waiting,
    /// `open` conversations of my workstreams, nobody's yet.
    Queue,
}

impl Group {
    /// The groups in the order the list shows them.
    pub const ALL: [Group; 3] = [Group::Active, Group::Waiting, Group::Queue];

    /// A stable name for ids and test selectors.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Active => "active",
            Group::Waiting => "waiting",
            Group::Queue => "queue",
        }
    }
}

/// Why the agent should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Routing gave them a conversation (R10).
    Assigned,
    /// The customer of one of their waiting conversations came back (R7).
    Returned,
    /// A customer wrote in one of their conversations that is not on screen.
    Wrote,
}

/// Something to tell the agent about: a toast, the tab title, a desktop notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub conversation: ConversationId,
    /// The customer's name (or id) — customer-supplied text, shown as text only.
    pub customer: String,
    /// What the customer wrote, for [`NoticeKind::Wrote`].
    pub text: Option<String>,
}

/// The agent's conversations by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkList {
    /// The signed-in agent's id: "mine" means `agent.id == me`.
    pub me: String,
    items: BTreeMap<ConversationId, Conversation>,
    /// The newest message of conversations not (yet) listed: a new conversation's first message
    /// arrives just before the `state` event that lists it.
    early: BTreeMap<ConversationId, Message>,
    /// The customers' returns already told (R7: the stream re-sends them on every reconnect).
    told: returns::Told,
}

/// How many early messages are kept at most (those of conversations never listed are dropped).
const EARLY_KEPT: usize = 64;

impl WorkList {
    /// An empty list for agent `me`.
    pub fn new(me: &str) -> Self {
        WorkList {
            me: me.to_owned(),
            items: BTreeMap::new(),
            early: BTreeMap::new(),
            told: returns::Told::default(),
        }
    }

    /// Replaces everything with a fresh `GET /v1/agent/conversations` (after sign-in and after
    /// every reconnect of the event stream, which may have missed events). `viewing` keeps
    /// its unread count at zero: the app marks it read.
    pub fn replace_all(&mut self, list: Vec<Conversation>, viewing: Option<&ConversationId>) {
        self.items.clear();
        for conversation in list {
            self.upsert(conversation, viewing);
        }
        let items = &self.items;
        self.told
            .retain(|id| items.get(id).is_some_and(is_returned));
    }

    /// The conversation with this id, if the list shows it.
    pub fn get(&self, id: &ConversationId) -> Option<&Conversation> {
        self.items.get(id)
    }

    /// Which group a conversation belongs in; `None` when the agent does not see it (closed, or
    /// another agent's).
    pub fn group_of(&self, conversation: &Conversation) -> Option<Group> {
        let mine = conversation.agent.as_ref().is_some_and(|a| a.id == self.me);
        match conversation.state {
            ConversationState::Open => Some(Group::Queue),
            ConversationState::Active if mine => Some(Group::Active),
            ConversationState::Waiting if mine => Some(Group::Waiting),
            _ => None,
        }
    }

    /// The ids of a group: mine with the customers who came back first (R7), then the most
    /// recent activity first; the queue oldest first (first come, first served, as routing does).
    pub fn ids(&self, group: Group) -> Vec<ConversationId> {
        let mut members: Vec<&Conversation> = self
            .items
            .values()
            .filter(|c| self.group_of(c) == Some(group))
            .collect();
        match group {
            Group::Queue => members.sort_by(|a, b| a.created_at.cmp(&b.created_at)),
            _ => members.sort_by(|a, b| {
                returned_first(a, b).then_with(|| last_activity(b).cmp(last_activity(a)))
            }),
        }
        members.into_iter().map(|c| c.id.clone()).collect()
    }

    /// Conversations using the agent's capacity: their `active` ones (as `GET /me`'s `load`).
    pub fn load(&self) -> u32 {
        self.items
            .values()
            .filter(|c| self.group_of(c) == Some(Group::Active))
            .count() as u32
    }

    /// Unread messages over the agent's own conversations, for the tab title.
    pub fn unread_mine(&self) -> u64 {
        self.items
            .values()
            .filter(|c| matches!(self.group_of(c), Some(Group::Active | Group::Waiting)))
            .map(|c| c.unread)
            .sum()
    }

    /// The agent read everything up to the newest message.
    pub fn mark_read(&mut self, id: &ConversationId) {
        if let Some(conversation) = self.items.get_mut(id) {
            conversation.unread = 0;
        }
    }

    /// Applies one event of `/v1/agent/events`. `viewing` is the conversation on screen (while the
    /// page is visible): its messages count as read and raise no notice.
    pub fn apply(
        &mut self,
        event: &AgentEvent,
        viewing: Option<&ConversationId>,
    ) -> Option<Notice> {
        match event {
            AgentEvent::Assigned { detail, .. } => {
                self.upsert(detail.clone(), viewing);
                Some(self.notice(NoticeKind::Assigned, detail, None))
            }
            AgentEvent::CustomerReturned { detail, .. } => {
                self.upsert(detail.clone(), viewing);
                let news = self.told.is_news(detail);
                news.then(|| self.notice(NoticeKind::Returned, detail, None))
            }
            AgentEvent::State { detail, .. } => {
                self.upsert(detail.clone(), viewing);
                None
            }
            AgentEvent::Message {
                conversation,
                message,
            } => self.message(conversation, message, viewing),
            AgentEvent::Read { conversation, seq } => {
                if let Some(c) = self.items.get_mut(conversation) {
                    c.customer_read_seq = c.customer_read_seq.max(*seq);
                }
                None
            }
            AgentEvent::Typing { .. } => None,
        }
    }

    /// Inserts or refreshes a conversation, or removes it when the agent no longer sees it. A
    /// `state` event's detail carries no `last_message`: the preview already known is kept. Its
    /// `returned_at` is the relay's current one: null once the return is handled (R7).
    pub fn upsert(&mut self, mut conversation: Conversation, viewing: Option<&ConversationId>) {
        let early = self.early.remove(&conversation.id);
        if !is_returned(&conversation) {
            self.told.forget(&conversation.id);
        }
        if self.group_of(&conversation).is_none() {
            self.told.forget(&conversation.id);
            self.items.remove(&conversation.id);
            return;
        }
        let known = self.items.get(&conversation.id);
        let candidates = early
            .into_iter()
            .chain(known.and_then(|k| k.last_message.clone()));
        for candidate in candidates {
            if better_preview(conversation.last_message.as_ref(), &candidate) {
                conversation.last_message = Some(candidate);
            }
        }
        if let Some(known) = known {
            conversation.customer_read_seq =
                conversation.customer_read_seq.max(known.customer_read_seq);
        }
        if viewing == Some(&conversation.id) {
            conversation.unread = 0;
        }
        self.items.insert(conversation.id.clone(), conversation);
    }

    fn message(
        &mut self,
        id: &ConversationId,
        message: &Message,
        viewing: Option<&ConversationId>,
    ) -> Option<Notice> {
        let on_screen = viewing == Some(id);
        let Some(conversation) = self.items.get_mut(id) else {
            if better_preview(self.early.get(id), message) {
                if self.early.len() >= EARLY_KEPT {
                    self.early.pop_first();
                }
                self.early.insert(id.clone(), message.clone());
            }
            return None;
        };
        if message.seq > conversation.last_seq {
            // Counted as the relay counts: every message after the agent's read mark.
            conversation.unread += message.seq - conversation.last_seq;
            conversation.last_seq = message.seq;
        }
        if better_preview(conversation.last_message.as_ref(), message) {
            conversation.last_message = Some(message.clone());
        }
        if on_screen {
            conversation.unread = 0;
        }
        let conversation = conversation.clone();
        let mine = matches!(
            self.group_of(&conversation),
            Some(Group::Active | Group::Waiting)
        );
        (mine && !on_screen && message.author.kind == AuthorKind::Customer)
            .then(|| self.notice(NoticeKind::Wrote, &conversation, Some(message.text.clone())))
    }

    fn notice(&self, kind: NoticeKind, c: &Conversation, text: Option<String>) -> Notice {
        Notice {
            kind,
            conversation: c.id.clone(),
            customer: customer_name(c),
            text,
        }
    }
}
