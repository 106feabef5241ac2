//! A site's JWKS fetched from its `jwks_url`. The keys are cached; they are fetched again when a
//! token names a `kid` the cache lacks (the site rotated its keys) — but at most once per
//! [`JWKS_REFETCH_INTERVAL`], so a flood of made-up `kid`s cannot make the relay hammer the site —
//! and when the cache is older than [`JWKS_MAX_AGE`] (a removed key stops working). Times come
//! from the relay's clock. A fetch has a timeout, follows no redirect and reads a bounded body.

use super::TokenError;
use super::keys::{self, SigningKey};
use jiff::{SignedDuration, Timestamp};
use jsonwebtoken::Algorithm;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Least time between two fetches of one JWKS.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// Oldest cache used without trying a fetch first.
pub const JWKS_MAX_AGE: Duration = Duration::from_secs(3600);
/// Longest a fetch may take, connecting included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest JWKS read.
const MAX_JWKS_BYTES: usize = 256 * 1024;

#[derive(Clone, Default)]
struct Cache {
    keys: Arc<Vec<SigningKey>>,
    /// When the last fetch was tried, successful or not.
    tried_at: Option<Timestamp>,
    /// When keys were last fetched successfully.
    fetched_at: Option<Timestamp>,
}

/// One `jwks_url` and its cached keys.
pub struct RemoteJwks {
    url: reqwest::Url,
    client: reqwest::Client,
    cache: Mutex<Cache>,
    /// One fetch at a time; the others wait for it and use its result.
    fetching: tokio::sync::Mutex<()>,
}

impl RemoteJwks {
    pub fn new(url: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            url,
            client,
            cache: Mutex::new(Cache::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The keys that may have signed a token with this `kid` and algorithm, fetching the JWKS
    /// first when the cache is empty, old, or lacks the `kid` and the last try is a minute ago.
    pub async fn select(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
        now: Timestamp,
    ) -> Result<Vec<SigningKey>, TokenError> {
        let cache = self.snapshot();
        let found = keys::select(&cache.keys, kid, algorithm);
        if !found.is_empty() && !older_than(cache.fetched_at, now, JWKS_MAX_AGE) {
            return Ok(found);
        }
        let _one_at_a_time = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        let cache = self.snapshot();
        let found = keys::select(&cache.keys, kid, algorithm);
        let stale = older_than(cache.fetched_at, now, JWKS_MAX_AGE);
        if (!found.is_empty() && !stale) || !older_than(cache.tried_at, now, JWKS_REFETCH_INTERVAL)
        {
            return if cache.fetched_at.is_none() {
                Err(TokenError::KeysUnavailable)
            } else {
                Ok(found)
            };
        }
        let fetched = self.fetch().await;
        let mut cache = self.lock();
        cache.tried_at = Some(now);
        match fetched {
            Ok(keys) => {
                cache.keys = Arc::new(keys);
                cache.fetched_at = Some(now);
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "fetching the JWKS failed; keeping the cached keys");
                if cache.fetched_at.is_none() {
                    return Err(TokenError::KeysUnavailable);
                }
            }
        }
        Ok(keys::select(&cache.keys, kid, algorithm))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn snapshot(&self) -> Cache {
        self.lock().clone()
    }

    async fn fetch(&self) -> Result<Vec<SigningKey>, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        keys::from_jwks(&body)
    }
}

/// Whether `at` is unset or at least `age` before `now` (a clock that went back counts as old).
fn older_than(at: Option<Timestamp>, now: Timestamp, age: Duration) -> bool {
    let Some(at) = at else { return true };
    let elapsed = now.duration_since(at);
    elapsed < SignedDuration::ZERO
        || elapsed >= SignedDuration::try_from(age).unwrap_or(SignedDuration::MAX)
}
