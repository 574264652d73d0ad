//! Which session each return link's `state` belongs to, recorded when an app creates a session
//! whose return URLs are under `[links] return_base`.
//!
//! The return page is public: anyone can request it with any query. Only links this server
//! handed to Stripe get past it: the state (128 random bits from the app) must be recorded here,
//! and a success link's `session_id` must be the recorded one. So a guessed or forged link costs
//! one indexed lookup and never a call to Stripe, and a real session ID without its state
//! reveals nothing. The state is stored as its SHA-256, so a copy of the database does not
//! hold live links. Rows are kept a week past the session's expiry, then pruned.

use crate::store::db::{Db, Durability};
use crate::store::error::StoreError;

/// How long a link keeps working on the page after its session expired.
pub const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;

/// The table `checkout_return_links`, in the store's database. Cheap to clone.
#[derive(Clone)]
pub struct ReturnLinks {
    db: Db,
}

fn state_hash(state: &str) -> String {
    crate::base::digest::sha256_hex(state.as_bytes())
}

impl ReturnLinks {
    /// Over the store's database (its tables are made by [`crate::store::migrations`]).
    pub(crate) fn new(db: Db) -> Self {
        ReturnLinks { db }
    }

    /// Records that `state` belongs to `session_id` (kept until `expires_at` plus a week) and
    /// prunes rows past their time. A state already recorded keeps its first session: a second
    /// session cannot take over a link. Returns whether the state now maps to `session_id`.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn record(&self, state: &str, session_id: &str, expires_at: i64) -> Result<bool, StoreError> {
        let hash = state_hash(state);
        let keep_until = expires_at.saturating_add(KEEP_AFTER_EXPIRY_SECS);
        let now = crate::base::clock::unix_now();
        self.db
            .exec(
                "DELETE FROM checkout_return_links WHERE keep_until < $1",
                vec![now.into()],
                Durability::Relaxed,
            )
            .await?;
        self.db
            .exec(
                "INSERT INTO checkout_return_links VALUES ($1, $2, $3) ON CONFLICT (state_sha256) DO NOTHING",
                vec![hash.clone().into(), session_id.into(), keep_until.into()],
                Durability::Durable,
            )
            .await?;
        // Read on the writing side of SQLite (the reader may not see the commit yet).
        let stored = self
            .db
            .write(
                "SELECT session_id FROM checkout_return_links WHERE state_sha256 = $1",
                vec![hash.into()],
                Durability::Relaxed,
                |r| r.get::<String>(0),
            )
            .await?;
        Ok(stored.first().map(String::as_str) == Some(session_id))
    }

    /// The session recorded for `state`, if any (and not yet pruned).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn session_for(&self, state: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .read(
                "SELECT session_id FROM checkout_return_links WHERE state_sha256 = $1 AND keep_until >= $2",
                vec![state_hash(state).into(), crate::base::clock::unix_now().into()],
                |r| r.get::<String>(0),
            )
            .await?
            .pop())
    }

    /// Rows in the table (for tests).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn count(&self) -> Result<i64, StoreError> {
        Ok(self
            .db
            .read("SELECT count(*) FROM checkout_return_links", vec![], |r| {
                r.get::<i64>(0)
            })
            .await?
            .first()
            .copied()
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_first_owner_and_prunes() {
        let path = std::env::temp_dir().join(format!(
            "cb-rl-{}.db",
            checkout_bridge::new_idempotency_key().unwrap_or_default()
        ));
        let store = crate::store::Store::open(&format!("sqlite://{}", path.display()))
            .await
            .expect("db");
        let links = store.return_links();
        let now = crate::base::clock::unix_now();
        let s1 = "0123456789abcdef0123456789abcdef";
        assert!(links.record(s1, "cs_1", now + 1800).await.expect("record"));
        // Replayed creates (same session) are fine; another session cannot take the state.
        assert!(links.record(s1, "cs_1", now + 1800).await.expect("again"));
        assert!(!links.record(s1, "cs_2", now + 1800).await.expect("other"));
        assert_eq!(links.session_for(s1).await.expect("read").as_deref(), Some("cs_1"));
        assert_eq!(
            links
                .session_for("ffffffffffffffffffffffffffffffff")
                .await
                .expect("read"),
            None
        );
        // Past its keep time the row is gone for reads, and the next write prunes it.
        let old = "00000000000000000000000000000000";
        assert!(links
            .record(old, "cs_old", now - KEEP_AFTER_EXPIRY_SECS - 10)
            .await
            .expect("record"));
        assert_eq!(links.session_for(old).await.expect("read"), None);
        assert!(links.record(s1, "cs_1", now + 1800).await.expect("prune"));
        assert_eq!(links.count().await.expect("count"), 1);
        // Only hashes are stored.
        let stored = links
            .db
            .read("SELECT state_sha256 FROM checkout_return_links", vec![], |r| {
                r.get::<String>(0)
            })
            .await
            .expect("row");
        assert_ne!(stored[0], s1);
        assert_eq!(stored[0].len(), 64);
        let _ = std::fs::remove_file(path);
    }
}
