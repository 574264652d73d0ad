//! The fulfilment ledger: the sessions this server created, the fulfilments it recorded, and the
//! outbox of deliveries to the merchant, in SQLite (one instance) or PostgreSQL (several).
//!
//! Three tables, next to the webhook event log:
//!
//! - `checkout_sessions`: every session created through the server (ID, user, expiry) with its
//!   reconciliation state (`open`, `processing`, then `fulfilled`, `expired`, `failed`, `gone`
//!   or `abandoned`) and schedule. Reconciliation walks the open and processing ones.
//! - `checkout_fulfilments`: one row per paid session; the session ID is the primary key, so a
//!   session can be recorded once however many signals race (webhook, app retrieve,
//!   reconciliation; one instance or several). Refunds and disputes update the row.
//! - `checkout_outbox`: deliveries to the merchant, keyed by the idempotency key the merchant
//!   sees. A fulfilment and its delivery are written together (one transaction in SQLite, one
//!   statement in PostgreSQL), so neither exists without the other.
//!
//! Deliveries and reconciliation checks are **claimed with a lease**: a claim sets
//! `lease_owner` and `lease_until` on rows that are due and not leased, in one statement
//! (`FOR UPDATE SKIP LOCKED` in PostgreSQL, so two instances never claim the same row and never
//! wait for each other). A process that dies holding a lease simply lets it run out; any
//! instance then claims the row again. Lease times use the database's clock, so instances with
//! skewed clocks still agree on when a lease ends.

use std::sync::{Arc, Mutex};

use checkout_bridge::{CheckoutMode, PaymentStatus};
use tokio_postgres::types::ToSql;

use crate::purchases::Purchase;

/// The database's clock in unix milliseconds, per backend (see [`Ledger::sql`]).
const PG_NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
const SQLITE_NOW_MS: &str = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS checkout_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    checks BIGINT NOT NULL DEFAULT 0,
    next_check_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS checkout_sessions_due ON checkout_sessions (next_check_at)
    WHERE state IN ('open', 'processing');
CREATE TABLE IF NOT EXISTS checkout_fulfilments (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    payment_intent TEXT,
    fulfilled_at BIGINT NOT NULL,
    livemode BOOLEAN NOT NULL,
    record TEXT NOT NULL,
    amount_refunded BIGINT NOT NULL DEFAULT 0,
    refunded BOOLEAN NOT NULL DEFAULT FALSE,
    disputed BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS checkout_fulfilments_user ON checkout_fulfilments (user_id, fulfilled_at, session_id);
CREATE INDEX IF NOT EXISTS checkout_fulfilments_payment_intent ON checkout_fulfilments (payment_intent);
CREATE TABLE IF NOT EXISTS checkout_outbox (
    delivery_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    session_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    delivered_at BIGINT,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS checkout_outbox_due ON checkout_outbox (next_attempt_at)
    WHERE delivered_at IS NULL;
";

/// Advisory lock key serialising schema creation across instances ("cb_ledgr").
const SCHEMA_LOCK: i64 = 0x6362_5f6c_6564_6772;

/// A session's reconciliation state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// Created, not paid yet: reconciliation checks it.
    Open,
    /// Complete, waiting for a delayed payment method: reconciliation checks it.
    Processing,
    /// Recorded in `checkout_fulfilments`.
    Fulfilled,
    /// Expired unpaid.
    Expired,
    /// The delayed payment failed.
    Failed,
    /// Stripe no longer knows the session.
    Gone,
    /// Still unpaid after the longest a delayed method takes; no longer checked.
    Abandoned,
}

impl SessionState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Open => "open",
            SessionState::Processing => "processing",
            SessionState::Fulfilled => "fulfilled",
            SessionState::Expired => "expired",
            SessionState::Failed => "failed",
            SessionState::Gone => "gone",
            SessionState::Abandoned => "abandoned",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "open" => SessionState::Open,
            "processing" => SessionState::Processing,
            "fulfilled" => SessionState::Fulfilled,
            "expired" => SessionState::Expired,
            "failed" => SessionState::Failed,
            "gone" => SessionState::Gone,
            _ => SessionState::Abandoned,
        }
    }
}

/// A session as the registry knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredSession {
    /// The Checkout Session ID.
    pub session_id: String,
    /// The app user it was created for.
    pub user: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Reconciliation state.
    pub state: SessionState,
    /// How many times reconciliation has looked at it.
    pub checks: i64,
}

/// An outbox row claimed for delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The idempotency key the merchant sees.
    pub key: String,
    /// `purchase.fulfilled`, `purchase.refunded` or `purchase.disputed`.
    pub kind: String,
    /// The JSON body.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A delivery to enqueue.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// The idempotency key (also the outbox's primary key).
    pub key: String,
    /// The event type.
    pub kind: String,
    /// The JSON body.
    pub payload: String,
}

/// Row counts, for tests, metrics and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerCounts {
    /// Rows in `checkout_fulfilments`.
    pub fulfilments: i64,
    /// Outbox rows not delivered yet.
    pub pending: i64,
    /// Outbox rows delivered.
    pub delivered: i64,
    /// Sessions reconciliation still watches (open or processing).
    pub watched_sessions: i64,
}

/// A change to a fulfilled session's record from a refund or a dispute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adjustment {
    /// `charge.refunded`: the charge's cumulative refunded amount and whether it is fully refunded.
    Refund {
        /// `charge.amount_refunded`, minor units.
        amount_refunded: i64,
        /// `charge.refunded`.
        refunded: bool,
    },
    /// `charge.dispute.created`.
    Dispute,
}

/// The store. Cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    db: Db,
}

#[derive(Clone)]
enum Db {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres(Arc<PgConn>),
}

/// One PostgreSQL connection, reopened when it breaks (a restarted database, a dropped TCP
/// connection): tokio-postgres pipelines concurrent queries over it, and every statement here
/// is atomic on its own, so no pool is needed.
struct PgConn {
    url: String,
    client: Mutex<Arc<tokio_postgres::Client>>,
    reconnect: tokio::sync::Mutex<()>,
}

impl PgConn {
    async fn client(&self) -> Result<Arc<tokio_postgres::Client>, String> {
        let current = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if !current.is_closed() {
            return Ok(current);
        }
        let _one_at_a_time = self.reconnect.lock().await;
        let current = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if !current.is_closed() {
            return Ok(current);
        }
        tracing::warn!("the PostgreSQL connection closed; reconnecting");
        let fresh = Arc::new(crate::pg_tls::connect(&self.url).await?);
        *self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }
}

fn pg_err(e: &tokio_postgres::Error) -> String {
    crate::pg_tls::describe(e)
}

type PgParams<'a> = Vec<&'a (dyn ToSql + Sync)>;

impl Ledger {
    /// Opens `sqlite://path` or `postgres://…` (TLS by `sslmode`) and creates the tables.
    ///
    /// # Errors
    ///
    /// A text naming what failed (never the URL's password).
    pub async fn open(database_url: &str) -> Result<Self, String> {
        if let Some(path) = database_url.strip_prefix("sqlite://") {
            let path = path.to_owned();
            let conn = tokio::task::spawn_blocking(move || -> Result<rusqlite::Connection, String> {
                let conn =
                    rusqlite::Connection::open(&path).map_err(|e| format!("cannot open SQLite at {path}: {e}"))?;
                // WAL with synchronous=FULL: every commit is on disk before it returns, so a
                // recorded fulfilment survives a crash or a power cut.
                conn.execute_batch(&format!(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; {SCHEMA}"
                ))
                .map_err(|e| format!("cannot create the fulfilment tables: {e}"))?;
                Ok(conn)
            })
            .await
            .map_err(|e| format!("SQLite setup did not complete: {e}"))??;
            Ok(Ledger {
                db: Db::Sqlite(Arc::new(Mutex::new(conn))),
            })
        } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            let client = crate::pg_tls::connect(database_url).await?;
            client
                .batch_execute(&format!(
                    "BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {SCHEMA} COMMIT;"
                ))
                .await
                .map_err(|e| format!("cannot create the fulfilment tables: {}", pg_err(&e)))?;
            Ok(Ledger {
                db: Db::Postgres(Arc::new(PgConn {
                    url: database_url.to_owned(),
                    client: Mutex::new(Arc::new(client)),
                    reconnect: tokio::sync::Mutex::new(()),
                })),
            })
        } else {
            Err("database_url must start with sqlite:// or postgres://".into())
        }
    }

    /// Whether this is the shared PostgreSQL store.
    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }

    /// One SQL text for both backends: `{now}` is the database clock in unix milliseconds,
    /// `$n` are parameters (`?n` in SQLite), and ` FOR UPDATE SKIP LOCKED` is PostgreSQL's
    /// (SQLite serialises writers, so it needs no row locks).
    fn sql(&self, text: &str) -> String {
        match self.db {
            Db::Postgres(_) => text.replace("{now}", PG_NOW_MS),
            Db::Sqlite(_) => text
                .replace("{now}", SQLITE_NOW_MS)
                .replace(" FOR UPDATE SKIP LOCKED", "")
                .replace('$', "?"),
        }
    }

    async fn sqlite<T: Send + 'static>(
        conn: &Arc<Mutex<rusqlite::Connection>>,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut c).map_err(|e| format!("SQLite: {e}"))
        })
        .await
        .map_err(|e| format!("SQLite call did not complete: {e}"))?
    }

    /// Records a session created for `user` (idempotent: a replayed create changes nothing).
    /// Reconciliation looks at it first `first_check_ms` from now.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn register_session(
        &self,
        session_id: &str,
        user: &str,
        created_at: i64,
        expires_at: i64,
        first_check_ms: i64,
    ) -> Result<(), String> {
        let q = self.sql(
            "INSERT INTO checkout_sessions (session_id, user_id, created_at, expires_at, state, next_check_at)
             VALUES ($1, $2, $3, $4, 'open', {now} + $5) ON CONFLICT (session_id) DO NOTHING",
        );
        match &self.db {
            Db::Sqlite(c) => {
                let (id, user) = (session_id.to_owned(), user.to_owned());
                Self::sqlite(c, move |c| {
                    c.execute(&q, rusqlite::params![id, user, created_at, expires_at, first_check_ms])
                })
                .await?;
            }
            Db::Postgres(pg) => {
                pg.client()
                    .await?
                    .execute(&q, &[&session_id, &user, &created_at, &expires_at, &first_check_ms])
                    .await
                    .map_err(|e| pg_err(&e))?;
            }
        }
        Ok(())
    }

    /// The registry's row for `session_id`, if this server created it.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn session(&self, session_id: &str) -> Result<Option<RegisteredSession>, String> {
        let q = self.sql(
            "SELECT session_id, user_id, created_at, expires_at, state, checks FROM checkout_sessions WHERE session_id = $1",
        );
        match &self.db {
            Db::Sqlite(c) => {
                let id = session_id.to_owned();
                Self::sqlite(c, move |c| {
                    use rusqlite::OptionalExtension;
                    c.query_row(&q, [id], |r| {
                        Ok(RegisteredSession {
                            session_id: r.get(0)?,
                            user: r.get(1)?,
                            created_at: r.get(2)?,
                            expires_at: r.get(3)?,
                            state: SessionState::parse(&r.get::<_, String>(4)?),
                            checks: r.get(5)?,
                        })
                    })
                    .optional()
                })
                .await
            }
            Db::Postgres(pg) => Ok(pg
                .client()
                .await?
                .query_opt(&q, &[&session_id])
                .await
                .map_err(|e| pg_err(&e))?
                .map(|r| RegisteredSession {
                    session_id: r.get(0),
                    user: r.get(1),
                    created_at: r.get(2),
                    expires_at: r.get(3),
                    state: SessionState::parse(r.get(4)),
                    checks: r.get(5),
                })),
        }
    }

    /// Moves a session out of reconciliation (`Expired`, `Failed`, `Gone`, `Abandoned`,
    /// `Fulfilled`), unless it is already fulfilled.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn set_session_state(&self, session_id: &str, state: SessionState) -> Result<(), String> {
        let q = self.sql(
            "UPDATE checkout_sessions SET state = $2, lease_owner = NULL, lease_until = 0
             WHERE session_id = $1 AND state <> 'fulfilled'",
        );
        self.execute(&q, session_id.to_owned(), state.as_str().to_owned()).await
    }

    async fn execute(&self, q: &str, a: String, b: String) -> Result<(), String> {
        match &self.db {
            Db::Sqlite(c) => {
                let q = q.to_owned();
                Self::sqlite(c, move |c| c.execute(&q, rusqlite::params![a, b])).await?;
            }
            Db::Postgres(pg) => {
                pg.client().await?.execute(q, &[&a, &b]).await.map_err(|e| pg_err(&e))?;
            }
        }
        Ok(())
    }

    /// Puts a session back in the reconciliation queue `delay_ms` from now, as `Open` or
    /// `Processing`, counting the check and releasing the lease.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn reschedule_session(&self, session_id: &str, state: SessionState, delay_ms: i64) -> Result<(), String> {
        let q = self.sql(
            "UPDATE checkout_sessions SET state = $2, checks = checks + 1, next_check_at = {now} + $3,
             lease_owner = NULL, lease_until = 0 WHERE session_id = $1 AND state IN ('open', 'processing')",
        );
        let st = state.as_str();
        match &self.db {
            Db::Sqlite(c) => {
                let id = session_id.to_owned();
                Self::sqlite(c, move |c| c.execute(&q, rusqlite::params![id, st, delay_ms])).await?;
            }
            Db::Postgres(pg) => {
                pg.client()
                    .await?
                    .execute(&q, &[&session_id, &st, &delay_ms])
                    .await
                    .map_err(|e| pg_err(&e))?;
            }
        }
        Ok(())
    }

    /// Claims up to `limit` sessions due for a reconciliation check, leased to `owner` for
    /// `lease_ms`.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn claim_sessions(
        &self,
        owner: &str,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<RegisteredSession>, String> {
        let q = self.sql(
            "UPDATE checkout_sessions SET lease_owner = $1, lease_until = {now} + $2
             WHERE session_id IN (
                 SELECT session_id FROM checkout_sessions
                 WHERE state IN ('open', 'processing') AND next_check_at <= {now} AND lease_until <= {now}
                 ORDER BY next_check_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING session_id, user_id, created_at, expires_at, state, checks",
        );
        match &self.db {
            Db::Sqlite(c) => {
                let owner = owner.to_owned();
                Self::sqlite(c, move |c| {
                    let mut stmt = c.prepare(&q)?;
                    let rows = stmt.query_map(rusqlite::params![owner, lease_ms, limit], |r| {
                        Ok(RegisteredSession {
                            session_id: r.get(0)?,
                            user: r.get(1)?,
                            created_at: r.get(2)?,
                            expires_at: r.get(3)?,
                            state: SessionState::parse(&r.get::<_, String>(4)?),
                            checks: r.get(5)?,
                        })
                    })?;
                    rows.collect()
                })
                .await
            }
            Db::Postgres(pg) => Ok(pg
                .client()
                .await?
                .query(&q, &[&owner, &lease_ms, &limit])
                .await
                .map_err(|e| pg_err(&e))?
                .iter()
                .map(|r| RegisteredSession {
                    session_id: r.get(0),
                    user: r.get(1),
                    created_at: r.get(2),
                    expires_at: r.get(3),
                    state: SessionState::parse(r.get(4)),
                    checks: r.get(5),
                })
                .collect()),
        }
    }

    /// Whether `session_id` is already recorded.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn is_fulfilled(&self, session_id: &str) -> Result<bool, String> {
        let q = self.sql("SELECT count(*) FROM checkout_fulfilments WHERE session_id = $1");
        let n: i64 = match &self.db {
            Db::Sqlite(c) => {
                let id = session_id.to_owned();
                Self::sqlite(c, move |c| c.query_row(&q, [id], |r| r.get(0))).await?
            }
            Db::Postgres(pg) => pg
                .client()
                .await?
                .query_one(&q, &[&session_id])
                .await
                .map_err(|e| pg_err(&e))?
                .get(0),
        };
        Ok(n > 0)
    }

    /// Records `purchase` and its delivery together, unless the session is already recorded;
    /// true when this call recorded it. The session leaves reconciliation either way.
    ///
    /// # Errors
    ///
    /// The database's error (then nothing was written).
    pub async fn record_fulfilment(&self, purchase: &Purchase, delivery: &NewDelivery) -> Result<bool, String> {
        let record = serde_json::to_string(purchase).map_err(|e| format!("cannot encode the purchase: {e}"))?;
        let p = purchase.clone();
        let d = delivery.clone();
        match &self.db {
            Db::Sqlite(c) => {
                let insert = self.sql(FULFILMENT_INSERT);
                let outbox = self.sql(OUTBOX_INSERT);
                let mark = self.sql(MARK_FULFILLED);
                Self::sqlite(c, move |c| {
                    let tx = c.transaction()?;
                    let new = tx.execute(
                        &insert,
                        rusqlite::params![
                            p.session_id,
                            p.user,
                            p.payment_intent,
                            p.fulfilled_at,
                            p.livemode,
                            record,
                            p.fulfilled_at
                        ],
                    )? == 1;
                    if new {
                        tx.execute(&outbox, rusqlite::params![d.key, d.kind, p.session_id, d.payload])?;
                    }
                    tx.execute(&mark, [&p.session_id])?;
                    tx.commit()?;
                    Ok(new)
                })
                .await
            }
            Db::Postgres(pg) => {
                // One statement, so atomic without a transaction on the shared connection:
                // data-modifying CTEs all run, and the outbox row exists only if the
                // fulfilment row was inserted by this statement.
                let q = self.sql(
                    "WITH f AS (
                         INSERT INTO checkout_fulfilments (session_id, user_id, payment_intent, fulfilled_at, livemode, record, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $4) ON CONFLICT (session_id) DO NOTHING RETURNING session_id),
                     o AS (
                         INSERT INTO checkout_outbox (delivery_key, kind, session_id, payload, created_at, next_attempt_at)
                         SELECT $7, $8, session_id, $9, {now}, {now} FROM f ON CONFLICT (delivery_key) DO NOTHING RETURNING 1),
                     s AS (
                         UPDATE checkout_sessions SET state = 'fulfilled', lease_owner = NULL, lease_until = 0 WHERE session_id = $1)
                     SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM o)",
                );
                let row = pg
                    .client()
                    .await?
                    .query_one(
                        &q,
                        &[
                            &p.session_id,
                            &p.user,
                            &p.payment_intent,
                            &p.fulfilled_at,
                            &p.livemode,
                            &record,
                            &d.key,
                            &d.kind,
                            &d.payload,
                        ],
                    )
                    .await
                    .map_err(|e| pg_err(&e))?;
                Ok(row.get::<_, i64>(0) == 1)
            }
        }
    }

    /// The fulfilled session paid by `payment_intent`, if any.
    ///
    /// # Errors
    ///
    /// The database's error or an unreadable record.
    pub async fn fulfilment_by_payment_intent(&self, payment_intent: &str) -> Result<Option<Purchase>, String> {
        let q = self.sql(&format!("{PURCHASE_SELECT} WHERE payment_intent = $1"));
        Ok(self
            .purchases_query(q, vec![payment_intent.to_owned()], None)
            .await?
            .pop())
    }

    /// The fulfilment of `session_id`, if recorded.
    ///
    /// # Errors
    ///
    /// The database's error or an unreadable record.
    pub async fn fulfilment(&self, session_id: &str) -> Result<Option<Purchase>, String> {
        let q = self.sql(&format!("{PURCHASE_SELECT} WHERE session_id = $1"));
        Ok(self.purchases_query(q, vec![session_id.to_owned()], None).await?.pop())
    }

    /// `user`'s purchases, newest first, at most `limit`, after the one with `starting_after`
    /// (a session ID of that user, as Stripe's list cursors work); `None` if that cursor is not
    /// one of the user's purchases.
    ///
    /// # Errors
    ///
    /// The database's error or an unreadable record.
    pub async fn purchases(
        &self,
        user: &str,
        limit: i64,
        starting_after: Option<&str>,
    ) -> Result<Option<Vec<Purchase>>, String> {
        match starting_after {
            None => {
                let q = self.sql(&format!(
                    "{PURCHASE_SELECT} WHERE user_id = $1 ORDER BY fulfilled_at DESC, session_id DESC LIMIT $2"
                ));
                self.purchases_query(q, vec![user.to_owned()], Some(limit))
                    .await
                    .map(Some)
            }
            Some(after) => {
                let Some(cursor) = self.fulfilment(after).await?.filter(|p| p.user == user) else {
                    return Ok(None);
                };
                let q = self.sql(&format!(
                    "{PURCHASE_SELECT} WHERE user_id = $1 AND (fulfilled_at < $3 OR (fulfilled_at = $3 AND session_id < $4))
                     ORDER BY fulfilled_at DESC, session_id DESC LIMIT $2"
                ));
                match &self.db {
                    Db::Sqlite(c) => {
                        let user = user.to_owned();
                        Self::sqlite(c, move |c| {
                            let mut stmt = c.prepare(&q)?;
                            let rows = stmt.query_map(
                                rusqlite::params![user, limit, cursor.fulfilled_at, cursor.session_id],
                                purchase_row_sqlite,
                            )?;
                            rows.collect::<rusqlite::Result<Vec<_>>>()
                        })
                        .await?
                        .into_iter()
                        .map(PurchaseRow::into_purchase)
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some)
                    }
                    Db::Postgres(pg) => pg
                        .client()
                        .await?
                        .query(&q, &[&user, &limit, &cursor.fulfilled_at, &cursor.session_id])
                        .await
                        .map_err(|e| pg_err(&e))?
                        .iter()
                        .map(|r| purchase_row_pg(r).into_purchase())
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some),
                }
            }
        }
    }

    async fn purchases_query(&self, q: String, args: Vec<String>, limit: Option<i64>) -> Result<Vec<Purchase>, String> {
        let rows = match &self.db {
            Db::Sqlite(c) => {
                Self::sqlite(c, move |c| {
                    let mut stmt = c.prepare(&q)?;
                    let mut params: Vec<Box<dyn rusqlite::ToSql>> = args
                        .into_iter()
                        .map(|a| Box::new(a) as Box<dyn rusqlite::ToSql>)
                        .collect();
                    if let Some(l) = limit {
                        params.push(Box::new(l));
                    }
                    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), purchase_row_sqlite)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>()
                })
                .await?
            }
            Db::Postgres(pg) => {
                let mut params: PgParams = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
                if let Some(l) = limit.as_ref() {
                    params.push(l);
                }
                pg.client()
                    .await?
                    .query(&q, &params)
                    .await
                    .map_err(|e| pg_err(&e))?
                    .iter()
                    .map(purchase_row_pg)
                    .collect()
            }
        };
        rows.into_iter().map(PurchaseRow::into_purchase).collect()
    }

    /// Applies a refund or dispute to the fulfilment paid by `payment_intent` and enqueues the
    /// delivery `make_delivery` builds from the updated record, in one step; `None` when no
    /// fulfilment has that PaymentIntent. Refunded amounts only grow (Stripe reports the
    /// cumulative amount, and deliveries may arrive out of order).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn adjust(
        &self,
        payment_intent: &str,
        adjustment: &Adjustment,
        now: i64,
        make_delivery: impl Fn(&Purchase) -> NewDelivery,
    ) -> Result<Option<(Purchase, bool)>, String> {
        let Some(mut p) = self.fulfilment_by_payment_intent(payment_intent).await? else {
            return Ok(None);
        };
        match adjustment {
            Adjustment::Refund {
                amount_refunded,
                refunded,
            } => {
                p.amount_refunded = p.amount_refunded.max(*amount_refunded);
                p.refunded = p.refunded || *refunded;
            }
            Adjustment::Dispute => p.disputed = true,
        }
        p.updated_at = now;
        let d = make_delivery(&p);
        let q_update = self.sql(
            "UPDATE checkout_fulfilments SET amount_refunded = CASE WHEN amount_refunded > $2 THEN amount_refunded ELSE $2 END,
             refunded = (refunded OR $3), disputed = (disputed OR $4), updated_at = $5 WHERE session_id = $1",
        );
        let (refund_amount, refunded, disputed) = (p.amount_refunded, p.refunded, p.disputed);
        let new = match &self.db {
            Db::Sqlite(c) => {
                let outbox = self.sql(OUTBOX_INSERT);
                let (id, d) = (p.session_id.clone(), d.clone());
                Self::sqlite(c, move |c| {
                    let tx = c.transaction()?;
                    tx.execute(&q_update, rusqlite::params![id, refund_amount, refunded, disputed, now])?;
                    let new = tx.execute(&outbox, rusqlite::params![d.key, d.kind, id, d.payload])? == 1;
                    tx.commit()?;
                    Ok(new)
                })
                .await?
            }
            Db::Postgres(pg) => {
                let q = self.sql(
                    "WITH u AS (
                         UPDATE checkout_fulfilments SET amount_refunded = GREATEST(amount_refunded, $2),
                         refunded = (refunded OR $3), disputed = (disputed OR $4), updated_at = $5 WHERE session_id = $1 RETURNING 1),
                     o AS (
                         INSERT INTO checkout_outbox (delivery_key, kind, session_id, payload, created_at, next_attempt_at)
                         VALUES ($6, $7, $1, $8, {now}, {now}) ON CONFLICT (delivery_key) DO NOTHING RETURNING 1)
                     SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM u)",
                );
                let row = pg
                    .client()
                    .await?
                    .query_one(
                        &q,
                        &[
                            &p.session_id,
                            &refund_amount,
                            &refunded,
                            &disputed,
                            &now,
                            &d.key,
                            &d.kind,
                            &d.payload,
                        ],
                    )
                    .await
                    .map_err(|e| pg_err(&e))?;
                row.get::<_, i64>(0) == 1
            }
        };
        Ok(Some((p, new)))
    }

    /// Claims up to `limit` deliveries that are due and not leased, leased to `owner` for
    /// `lease_ms`.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedDelivery>, String> {
        let q = self.sql(
            "UPDATE checkout_outbox SET lease_owner = $1, lease_until = {now} + $2
             WHERE delivery_key IN (
                 SELECT delivery_key FROM checkout_outbox
                 WHERE delivered_at IS NULL AND next_attempt_at <= {now} AND lease_until <= {now}
                 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING delivery_key, kind, payload, attempts",
        );
        match &self.db {
            Db::Sqlite(c) => {
                let owner = owner.to_owned();
                Self::sqlite(c, move |c| {
                    let mut stmt = c.prepare(&q)?;
                    let rows = stmt.query_map(rusqlite::params![owner, lease_ms, limit], |r| {
                        Ok(ClaimedDelivery {
                            key: r.get(0)?,
                            kind: r.get(1)?,
                            payload: r.get(2)?,
                            attempts: r.get(3)?,
                        })
                    })?;
                    rows.collect()
                })
                .await
            }
            Db::Postgres(pg) => Ok(pg
                .client()
                .await?
                .query(&q, &[&owner, &lease_ms, &limit])
                .await
                .map_err(|e| pg_err(&e))?
                .iter()
                .map(|r| ClaimedDelivery {
                    key: r.get(0),
                    kind: r.get(1),
                    payload: r.get(2),
                    attempts: r.get(3),
                })
                .collect()),
        }
    }

    /// Marks a delivery done (whoever holds the lease now: it was delivered).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn delivered(&self, key: &str) -> Result<(), String> {
        let q = self.sql(
            "UPDATE checkout_outbox SET delivered_at = {now}, attempts = attempts + 1, lease_owner = NULL,
             lease_until = 0, last_error = NULL WHERE delivery_key = $1 AND delivered_at IS NULL",
        );
        match &self.db {
            Db::Sqlite(c) => {
                let key = key.to_owned();
                Self::sqlite(c, move |c| c.execute(&q, [key])).await?;
            }
            Db::Postgres(pg) => {
                pg.client().await?.execute(&q, &[&key]).await.map_err(|e| pg_err(&e))?;
            }
        }
        Ok(())
    }

    /// Records a failed attempt by `owner` and schedules the next one `delay_ms` from now.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn failed(&self, key: &str, owner: &str, delay_ms: i64, error: &str) -> Result<(), String> {
        let q = self.sql(
            "UPDATE checkout_outbox SET attempts = attempts + 1, next_attempt_at = {now} + $3, lease_owner = NULL,
             lease_until = 0, last_error = $4 WHERE delivery_key = $1 AND lease_owner = $2 AND delivered_at IS NULL",
        );
        match &self.db {
            Db::Sqlite(c) => {
                let (key, owner, error) = (key.to_owned(), owner.to_owned(), error.to_owned());
                Self::sqlite(c, move |c| {
                    c.execute(&q, rusqlite::params![key, owner, delay_ms, error])
                })
                .await?;
            }
            Db::Postgres(pg) => {
                pg.client()
                    .await?
                    .execute(&q, &[&key, &owner, &delay_ms, &error])
                    .await
                    .map_err(|e| pg_err(&e))?;
            }
        }
        Ok(())
    }

    /// Gives up a lease without counting an attempt (the delivery never started).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn release(&self, key: &str, owner: &str) -> Result<(), String> {
        let q = self.sql(
            "UPDATE checkout_outbox SET lease_owner = NULL, lease_until = 0 WHERE delivery_key = $1 AND lease_owner = $2",
        );
        self.execute(&q, key.to_owned(), owner.to_owned()).await
    }

    /// Row counts.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn counts(&self) -> Result<LedgerCounts, String> {
        let q = "SELECT (SELECT count(*) FROM checkout_fulfilments),
                        (SELECT count(*) FROM checkout_outbox WHERE delivered_at IS NULL),
                        (SELECT count(*) FROM checkout_outbox WHERE delivered_at IS NOT NULL),
                        (SELECT count(*) FROM checkout_sessions WHERE state IN ('open', 'processing'))";
        match &self.db {
            Db::Sqlite(c) => {
                Self::sqlite(c, move |c| {
                    c.query_row(q, [], |r| {
                        Ok(LedgerCounts {
                            fulfilments: r.get(0)?,
                            pending: r.get(1)?,
                            delivered: r.get(2)?,
                            watched_sessions: r.get(3)?,
                        })
                    })
                })
                .await
            }
            Db::Postgres(pg) => {
                let r = pg.client().await?.query_one(q, &[]).await.map_err(|e| pg_err(&e))?;
                Ok(LedgerCounts {
                    fulfilments: r.get(0),
                    pending: r.get(1),
                    delivered: r.get(2),
                    watched_sessions: r.get(3),
                })
            }
        }
    }
}

const FULFILMENT_INSERT: &str = "INSERT INTO checkout_fulfilments
    (session_id, user_id, payment_intent, fulfilled_at, livemode, record, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id) DO NOTHING";

const OUTBOX_INSERT: &str = "INSERT INTO checkout_outbox
    (delivery_key, kind, session_id, payload, created_at, next_attempt_at)
    VALUES ($1, $2, $3, $4, {now}, {now}) ON CONFLICT (delivery_key) DO NOTHING";

const MARK_FULFILLED: &str =
    "UPDATE checkout_sessions SET state = 'fulfilled', lease_owner = NULL, lease_until = 0 WHERE session_id = $1";

const PURCHASE_SELECT: &str =
    "SELECT record, amount_refunded, refunded, disputed, updated_at FROM checkout_fulfilments";

/// The stored record plus the columns refunds and disputes change.
struct PurchaseRow {
    record: String,
    amount_refunded: i64,
    refunded: bool,
    disputed: bool,
    updated_at: i64,
}

impl PurchaseRow {
    fn into_purchase(self) -> Result<Purchase, String> {
        let mut p: Purchase =
            serde_json::from_str(&self.record).map_err(|e| format!("unreadable fulfilment record: {e}"))?;
        p.amount_refunded = self.amount_refunded;
        p.refunded = self.refunded;
        p.disputed = self.disputed;
        p.updated_at = self.updated_at;
        Ok(p)
    }
}

fn purchase_row_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<PurchaseRow> {
    Ok(PurchaseRow {
        record: r.get(0)?,
        amount_refunded: r.get(1)?,
        refunded: r.get(2)?,
        disputed: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

fn purchase_row_pg(r: &tokio_postgres::Row) -> PurchaseRow {
    PurchaseRow {
        record: r.get(0),
        amount_refunded: r.get(1),
        refunded: r.get(2),
        disputed: r.get(3),
        updated_at: r.get(4),
    }
}

/// Whether a session as Stripe reports it calls for fulfilment: complete, and paid or with
/// nothing to pay. `payment_status` alone is not enough: a setup-mode session reports
/// `no_payment_required` while still open (emulator README, "Setup mode payment_status"), and
/// Stripe's fulfilment guide checks `payment_status != 'unpaid'` on completed sessions only
/// (https://docs.stripe.com/checkout/fulfillment).
pub fn is_paid(status: Option<&checkout_bridge::SessionStatus>, payment_status: &PaymentStatus) -> bool {
    status == Some(&checkout_bridge::SessionStatus::Complete)
        && matches!(payment_status, PaymentStatus::Paid | PaymentStatus::NoPaymentRequired)
}

/// Setup sessions have no line items to record.
pub fn has_line_items(mode: &CheckoutMode) -> bool {
    !matches!(mode, CheckoutMode::Setup)
}
