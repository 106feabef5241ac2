//! A customer's earlier, closed conversations, page by page (R9: every one stays readable):
//! newest first by creation, keyset-paged by `(created_at, rowid)` so a page never skips or
//! repeats a conversation however many share a creation time.

use super::super::rows::earlier_page;
use super::SqliteStore;
use crate::store::{CustomerIdentity, StoreError};
use tetap_shared::ConversationId;
use tetap_shared::frames::EarlierConversation;

/// The newest page, or the page just older than `before`. `before` must be one of the
/// identity's own conversations: the join on the identity makes anyone else's id match nothing.
const PAGE: &str = "SELECT c.id, c.mode FROM conversations AS c \
     WHERE c.issuer = ?1 AND c.subject = ?2 AND c.workstream = ?3 AND c.state = 'closed' \
     AND (?4 IS NULL OR (c.created_at, c.rowid) < (\
         SELECT b.created_at, b.rowid FROM conversations AS b \
         WHERE b.id = ?4 AND b.issuer = ?1 AND b.subject = ?2 AND b.workstream = ?3)) \
     ORDER BY c.created_at DESC, c.rowid DESC LIMIT ?5";

impl SqliteStore {
    /// The customer's closed conversations older than `before` (the newest ones without it), at
    /// most `limit`, oldest first, and whether older ones exist than those. A `before` that is
    /// not the customer's gives an empty page: the row-value comparison with no row is NULL,
    /// which matches nothing.
    pub async fn earlier_conversations(
        &self,
        identity: &CustomerIdentity,
        before: Option<&ConversationId>,
        limit: u32,
    ) -> Result<(Vec<EarlierConversation>, bool), StoreError> {
        // One more than asked for says whether there is more, without a count.
        let rows: Vec<(String, String)> = sqlx::query_as(PAGE)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .bind(before.map(|id| id.0.as_str()))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.reader)
            .await?;
        earlier_page(rows, limit)
    }
}
