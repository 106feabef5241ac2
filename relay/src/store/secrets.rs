//! The relay's own secrets (the visitor-token key), made once and kept across restarts.

use super::{Store, StoreError};

impl Store {
    /// The secret called `name`: the stored one, or `fresh`, stored now, if there is none yet.
    /// Two relays starting at once on one database agree: the first insert wins.
    pub async fn relay_secret(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO relay_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(fresh)
        .execute(tx.conn())
        .await?;
        let secret: Vec<u8> = sqlx::query_scalar("SELECT value FROM relay_secrets WHERE name = ?")
            .bind(name)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(secret)
    }
}
