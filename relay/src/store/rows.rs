//! The store's values, the same on every engine: what is stored and read back, and the raw rows
//! both engines decode (by column name, with sqlx) before they become those values.

use super::{StoreError, to_u64};
use sqlx::FromRow;
use tetap_shared::frames::EarlierConversation;
use tetap_shared::rules::Timer;
use tetap_shared::{AuthorKind, ConversationId, ConversationState, Message, MessageAuthor, Mode};

/// Whose conversation it is (R2): the token's issuer and subject, in one workstream.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CustomerIdentity {
    pub issuer: String,
    pub subject: String,
    pub workstream: String,
}

/// A conversation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub workstream: String,
    pub mode: Mode,
    pub state: ConversationState,
    pub identity: CustomerIdentity,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub agent_id: Option<String>,
    pub affinity_agent: Option<String>,
    pub last_seq: u64,
    pub agent_read_seq: u64,
    pub customer_read_seq: u64,
    pub created_at: String,
    pub returned_notified: bool,
    pub queued_at: Option<String>,
    pub locale: String,
    /// When the customer came back to this waiting conversation (R7), until it is picked up.
    pub returned_at: Option<String>,
}

/// A conversation to create: the customer's first message starts it (R9).
#[derive(Clone, Debug)]
pub struct NewConversation<'a> {
    pub identity: &'a CustomerIdentity,
    pub mode: Mode,
    pub customer_name: Option<&'a str>,
    pub customer_email: Option<&'a str>,
    pub locale: &'a str,
    pub at: &'a str,
}

/// What the rules decided about a conversation, to store.
#[derive(Clone, Debug)]
pub struct SavedState<'a> {
    pub state: ConversationState,
    pub agent: Option<&'a str>,
    pub affinity_agent: Option<&'a str>,
    pub returned_notified: bool,
    pub returned_at: Option<&'a str>,
    /// R8's exception: the conversation goes back to its own agent, who may be at capacity.
    pub capacity_exempt: bool,
    pub at: &'a str,
}

/// A message to commit. `client_id` makes a resend return the stored message instead of a copy.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub client_id: Option<String>,
    pub text: String,
    pub at: String,
}

/// Who writes.
#[derive(Clone, Debug)]
pub struct MessageAuthorRow {
    pub kind: AuthorKind,
    pub id: String,
    pub name: Option<String>,
}

/// Which side's read mark moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Customer,
    Agent,
}

/// A timer that is due, or the next one to come due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueTimer {
    pub conversation: ConversationId,
    pub timer: Timer,
    pub due_at: String,
}

/// The columns of a [`RawConversation`]; engines select them in this order (a macro, so that
/// engines' statements can be `concat!`ed constants).
macro_rules! conversation_columns {
    () => {
        "id, workstream, mode, state, issuer, subject, customer_name, customer_email, agent_id, \
         affinity_agent, last_seq, agent_read_seq, customer_read_seq, created_at, \
         returned_notified, queued_at, locale, returned_at"
    };
}

/// The conversation columns every engine selects.
pub(super) const CONVERSATION_COLUMNS: &str = conversation_columns!();

/// The columns of a [`RawMessage`], each after `$prefix` (a table alias, or nothing); engines
/// select them in this order.
macro_rules! message_columns {
    ($prefix:literal) => {
        concat!(
            $prefix,
            "seq, ",
            $prefix,
            "id, ",
            $prefix,
            "client_id, ",
            $prefix,
            "author_kind, ",
            $prefix,
            "author_id, ",
            $prefix,
            "author_name, ",
            $prefix,
            "system_kind, ",
            $prefix,
            "text, ",
            $prefix,
            "at"
        )
    };
}

/// The message columns every engine selects.
pub(super) const MESSAGE_COLUMNS: &str = message_columns!("");

/// A conversation row before its text columns are checked.
#[derive(FromRow)]
pub(super) struct RawConversation {
    pub(super) id: String,
    pub(super) workstream: String,
    pub(super) mode: String,
    pub(super) state: String,
    pub(super) issuer: String,
    pub(super) subject: String,
    pub(super) customer_name: Option<String>,
    pub(super) customer_email: Option<String>,
    pub(super) agent_id: Option<String>,
    pub(super) affinity_agent: Option<String>,
    pub(super) last_seq: i64,
    pub(super) agent_read_seq: i64,
    pub(super) customer_read_seq: i64,
    pub(super) created_at: String,
    pub(super) returned_notified: bool,
    pub(super) queued_at: Option<String>,
    pub(super) locale: String,
    pub(super) returned_at: Option<String>,
}

/// A message row before its author kind is checked.
#[derive(FromRow)]
pub(super) struct RawMessage {
    pub(super) seq: i64,
    pub(super) id: String,
    pub(super) client_id: Option<String>,
    pub(super) author_kind: String,
    pub(super) author_id: String,
    pub(super) author_name: Option<String>,
    pub(super) system_kind: Option<String>,
    pub(super) text: String,
    pub(super) at: String,
}

pub(super) fn parse_mode(mode: &str) -> Result<Mode, StoreError> {
    match mode {
        "persistent" => Ok(Mode::Persistent),
        "live" => Ok(Mode::Live),
        other => Err(StoreError::Corrupt(format!("mode {other}"))),
    }
}

impl TryFrom<RawConversation> for ConversationRow {
    type Error = StoreError;

    fn try_from(raw: RawConversation) -> Result<Self, StoreError> {
        let mode = parse_mode(&raw.mode)?;
        let state = ConversationState::parse(&raw.state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {}", raw.state)))?;
        Ok(Self {
            id: ConversationId(raw.id),
            workstream: raw.workstream.clone(),
            mode,
            state,
            identity: CustomerIdentity {
                issuer: raw.issuer,
                subject: raw.subject,
                workstream: raw.workstream,
            },
            customer_name: raw.customer_name,
            customer_email: raw.customer_email,
            agent_id: raw.agent_id,
            affinity_agent: raw.affinity_agent,
            last_seq: to_u64(raw.last_seq, "last_seq")?,
            agent_read_seq: to_u64(raw.agent_read_seq, "agent_read_seq")?,
            customer_read_seq: to_u64(raw.customer_read_seq, "customer_read_seq")?,
            created_at: raw.created_at,
            returned_notified: raw.returned_notified,
            queued_at: raw.queued_at,
            locale: raw.locale,
            returned_at: raw.returned_at,
        })
    }
}

/// Checks every row of a list.
pub(super) fn convert(rows: Vec<RawConversation>) -> Result<Vec<ConversationRow>, StoreError> {
    rows.into_iter().map(ConversationRow::try_from).collect()
}

impl TryFrom<RawMessage> for Message {
    type Error = StoreError;

    fn try_from(raw: RawMessage) -> Result<Self, StoreError> {
        let kind = AuthorKind::parse(&raw.author_kind)
            .ok_or_else(|| StoreError::Corrupt(format!("author kind {}", raw.author_kind)))?;
        Ok(Message {
            seq: to_u64(raw.seq, "seq")?,
            id: raw.id,
            client_id: raw.client_id,
            author: MessageAuthor {
                kind,
                id: raw.author_id,
                name: raw.author_name,
            },
            system_kind: raw.system_kind,
            text: raw.text,
            at: raw.at,
        })
    }
}

/// The message just stored, as the stored row reads.
pub(super) fn stored_message(
    seq: i64,
    id: String,
    author: &MessageAuthorRow,
    system_kind: Option<&str>,
    new: &NewMessage,
) -> Result<Message, StoreError> {
    Ok(Message {
        seq: to_u64(seq, "seq")?,
        id,
        client_id: new.client_id.clone(),
        author: MessageAuthor {
            kind: author.kind,
            id: author.id.clone(),
            name: author.name.clone(),
        },
        system_kind: system_kind.map(str::to_owned),
        text: new.text.clone(),
        at: new.at.clone(),
    })
}

/// A page of messages read newest first, one more than `limit` (which says whether older ones
/// exist): the newest `limit`, ascending, and whether there are more.
pub(super) fn message_page(
    rows: Vec<RawMessage>,
    limit: u32,
) -> Result<(Vec<Message>, bool), StoreError> {
    let more_before = rows.len() > limit as usize;
    let mut messages = rows
        .into_iter()
        .take(limit as usize)
        .map(Message::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    messages.reverse();
    Ok((messages, more_before))
}

/// A page of earlier conversations read newest first as `(id, mode)`, one more than `limit`: the
/// newest `limit`, oldest first, and whether there are more.
pub(super) fn earlier_page(
    rows: Vec<(String, String)>,
    limit: u32,
) -> Result<(Vec<EarlierConversation>, bool), StoreError> {
    let more = rows.len() > limit as usize;
    let mut conversations = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, mode)| {
            Ok(EarlierConversation {
                id: ConversationId(id),
                mode: parse_mode(&mode)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    conversations.reverse();
    Ok((conversations, more))
}

/// A stored timer row as a [`DueTimer`].
pub(super) fn due_timer(
    conversation: String,
    kind: &str,
    due_at: String,
) -> Result<DueTimer, StoreError> {
    let timer =
        Timer::parse(kind).ok_or_else(|| StoreError::Corrupt(format!("timer kind {kind}")))?;
    Ok(DueTimer {
        conversation: ConversationId(conversation),
        timer,
        due_at,
    })
}

/// A count from the database as a capacity-sized number.
pub(super) fn to_count(count: i64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
