//! Which session each return link's `state` belongs to, recorded when an app creates a session
//! whose return URLs are under `[links] return_base`.
//!
//! The return page is public: anyone can request it with any query. Only links this server
//! handed to Stripe get past it: the state (128 random bits from the app) must be recorded here,
//! and a success link's `session_id` must be the recorded one. So a guessed or forged link costs
//! one indexed lookup and never a call to Stripe, and a real session ID without its state
//! reveals nothing. The state is stored as its SHA-256, so a copy of the database does not
//! hold live links. Rows are kept a week past the session's expiry, then pruned.

use std::sync::{Arc, Mutex};

use crate::store::events::EventLog;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS checkout_return_links (
    state_sha256 TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    keep_until BIGINT NOT NULL
)";

/// How long a link keeps working on the page after its session expired.
pub const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;

/// The table, in the server's database (SQLite or PostgreSQL, beside the event log).
#[derive(Clone)]
pub struct ReturnLinks {
    db: EventLog,
}

fn state_hash(state: &str) -> String {
    crate::base::hex::encode(ring::digest::digest(&ring::digest::SHA256, state.as_bytes()).as_ref())
}

impl ReturnLinks {
    /// Creates the table if needed, on the event log's connection.
    pub async fn open(db: &EventLog) -> Result<Self, String> {
        match db {
            EventLog::Sqlite(conn) => {
                let c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                c.execute_batch(&format!("{SCHEMA}; CREATE INDEX IF NOT EXISTS checkout_return_links_keep ON checkout_return_links (keep_until);"))
                    .map_err(|e| format!("cannot create the return links table: {e}"))?;
            }
            EventLog::Postgres(client) => {
                // Serialised like the event table (instances starting together race otherwise).
                client
                    .batch_execute(&format!(
                        "BEGIN; SELECT pg_advisory_xact_lock({}); {SCHEMA}; CREATE INDEX IF NOT EXISTS checkout_return_links_keep ON checkout_return_links (keep_until); COMMIT;",
                        0x6362_5f72_6c69_6e6b_i64 // "cb_rlink"
                    ))
                    .await
                    .map_err(|e| format!("cannot create the return links table: {}", crate::store::pg_tls::describe(&e)))?;
            }
        }
        Ok(ReturnLinks { db: db.clone() })
    }

    /// Records that `state` belongs to `session_id` (kept until `expires_at` plus a week) and
    /// prunes rows past their time. A state already recorded keeps its first session: a second
    /// session cannot take over a link. Returns whether the state now maps to `session_id`.
    pub async fn record(&self, state: &str, session_id: &str, expires_at: i64) -> Result<bool, String> {
        let (hash, id) = (state_hash(state), session_id.to_owned());
        let keep_until = expires_at.saturating_add(KEEP_AFTER_EXPIRY_SECS);
        let now = crate::base::clock::unix_now();
        let stored = match &self.db {
            EventLog::Sqlite(conn) => {
                let conn: Arc<Mutex<rusqlite::Connection>> = conn.clone();
                let hash = hash.clone();
                tokio::task::spawn_blocking(move || {
                    let c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    c.execute("DELETE FROM checkout_return_links WHERE keep_until < ?1", [now])?;
                    c.execute(
                        "INSERT OR IGNORE INTO checkout_return_links VALUES (?1, ?2, ?3)",
                        rusqlite::params![hash, id, keep_until],
                    )?;
                    c.query_row(
                        "SELECT session_id FROM checkout_return_links WHERE state_sha256 = ?1",
                        [&hash],
                        |r| r.get::<_, String>(0),
                    )
                })
                .await
                .map_err(|e| format!("return link write did not complete: {e}"))?
                .map_err(|e| format!("cannot record the return link: {e}"))?
            }
            EventLog::Postgres(client) => {
                let err = |e: tokio_postgres::Error| {
                    format!("cannot record the return link: {}", crate::store::pg_tls::describe(&e))
                };
                client
                    .execute("DELETE FROM checkout_return_links WHERE keep_until < $1", &[&now])
                    .await
                    .map_err(err)?;
                client
                    .execute(
                        "INSERT INTO checkout_return_links VALUES ($1, $2, $3) ON CONFLICT (state_sha256) DO NOTHING",
                        &[&hash, &id, &keep_until],
                    )
                    .await
                    .map_err(err)?;
                client
                    .query_one(
                        "SELECT session_id FROM checkout_return_links WHERE state_sha256 = $1",
                        &[&hash],
                    )
                    .await
                    .map_err(err)?
                    .get::<_, String>(0)
            }
        };
        Ok(stored == session_id)
    }

    /// The session recorded for `state`, if any (and not yet pruned).
    pub async fn session_for(&self, state: &str) -> Result<Option<String>, String> {
        let hash = state_hash(state);
        let now = crate::base::clock::unix_now();
        match &self.db {
            EventLog::Sqlite(conn) => {
                let conn = conn.clone();
                tokio::task::spawn_blocking(move || {
                    let c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    let r = c.query_row(
                        "SELECT session_id FROM checkout_return_links WHERE state_sha256 = ?1 AND keep_until >= ?2",
                        rusqlite::params![hash, now],
                        |r| r.get::<_, String>(0),
                    );
                    match r {
                        Ok(s) => Ok(Some(s)),
                        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                        Err(e) => Err(format!("cannot read the return link: {e}")),
                    }
                })
                .await
                .map_err(|e| format!("return link read did not complete: {e}"))?
            }
            EventLog::Postgres(client) => Ok(client
                .query_opt(
                    "SELECT session_id FROM checkout_return_links WHERE state_sha256 = $1 AND keep_until >= $2",
                    &[&hash, &now],
                )
                .await
                .map_err(|e| format!("cannot read the return link: {}", crate::store::pg_tls::describe(&e)))?
                .map(|r| r.get::<_, String>(0))),
        }
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
        let db = EventLog::open(&format!("sqlite://{}", path.display()))
            .await
            .expect("db");
        let links = ReturnLinks::open(&db).await.expect("table");
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
        if let EventLog::Sqlite(c) = &db {
            let n: i64 = c
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .query_row("SELECT count(*) FROM checkout_return_links", [], |r| r.get(0))
                .expect("count");
            assert_eq!(n, 1);
            // Only hashes are stored.
            let stored: String = c
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .query_row("SELECT state_sha256 FROM checkout_return_links", [], |r| r.get(0))
                .expect("row");
            assert_ne!(stored, s1);
            assert_eq!(stored.len(), 64);
        }
        let _ = std::fs::remove_file(path);
    }
}
