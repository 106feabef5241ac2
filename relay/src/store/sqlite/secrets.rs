//! The relay's own secrets (the visitor-token key), made once and kept across restarts.

use super::SqliteWriter;
use crate::store::{SecretWrites, StoreError};

impl SecretWrites for SqliteWriter {
    fn relay_secret(&mut self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO relay_secrets (name, value) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO NOTHING",
            )?
            .execute(rusqlite::params![name, fresh])?;
        let secret: Vec<u8> = self
            .conn
            .prepare_cached("SELECT value FROM relay_secrets WHERE name = ?1")?
            .query_row([name], |row| row.get(0))?;
        Ok(secret)
    }
}
