//! The relay's own secrets (the visitor-token key), made once and kept across restarts.

use super::{Store, StoreError};

impl Store {
    /// The secret called `name`: the stored one, or `fresh`, stored now, if there is none yet.
    /// Two relays starting at once on one database agree: the first insert wins.
    pub async fn relay_secret(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (name, fresh) = (name.to_owned(), fresh.to_vec());
        self.write(move |tx| {
            tx.conn
                .prepare_cached(
                    "INSERT INTO relay_secrets (name, value) VALUES (?1, ?2) \
                     ON CONFLICT (name) DO NOTHING",
                )?
                .execute(rusqlite::params![name, fresh])?;
            let secret: Vec<u8> = tx
                .conn
                .prepare_cached("SELECT value FROM relay_secrets WHERE name = ?1")?
                .query_row([&name], |row| row.get(0))?;
            Ok(secret)
        })
        .await
    }
}
