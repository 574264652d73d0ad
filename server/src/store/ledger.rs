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

use checkout_bridge::{CheckoutMode, PaymentStatus};

use crate::store::db::{Arg, Cols, Db, Durability};
use crate::store::error::StoreError;
use checkout_bridge::Purchase;

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
    /// Complete with nothing paid and no allowed discount: not fulfilled.
    Refused,
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
            SessionState::Refused => "refused",
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
            "refused" => SessionState::Refused,
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

fn registered(r: &Cols<'_>) -> Result<RegisteredSession, StoreError> {
    Ok(RegisteredSession {
        session_id: r.get(0)?,
        user: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        state: SessionState::parse(&r.get::<String>(4)?),
        checks: r.get(5)?,
    })
}

const SESSION_COLUMNS: &str = "session_id, user_id, created_at, expires_at, state, checks";

/// The stored record with the columns refunds and disputes change laid over it.
fn purchase(r: &Cols<'_>) -> Result<Purchase, StoreError> {
    let mut p: Purchase =
        serde_json::from_str(&r.get::<String>(0)?).map_err(|e| StoreError::Row(format!("fulfilment record: {e}")))?;
    p.amount_refunded = r.get(1)?;
    p.refunded = r.get(2)?;
    p.disputed = r.get(3)?;
    p.updated_at = r.get(4)?;
    Ok(p)
}

const PURCHASE_SELECT: &str =
    "SELECT record, amount_refunded, refunded, disputed, updated_at FROM checkout_fulfilments";

const FULFILMENT_INSERT: &str = "INSERT INTO checkout_fulfilments
    (session_id, user_id, payment_intent, fulfilled_at, livemode, record, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $4) ON CONFLICT (session_id) DO NOTHING";

const OUTBOX_INSERT: &str = "INSERT INTO checkout_outbox
    (delivery_key, kind, session_id, payload, created_at, next_attempt_at)
    VALUES ($1, $2, $3, $4, {now}, {now}) ON CONFLICT (delivery_key) DO NOTHING";

const MARK_FULFILLED: &str =
    "UPDATE checkout_sessions SET state = 'fulfilled', lease_owner = NULL, lease_until = 0 WHERE session_id = $1";

const ADJUST: &str = "UPDATE checkout_fulfilments SET
    amount_refunded = CASE WHEN amount_refunded > $2 THEN amount_refunded ELSE $2 END,
    refunded = (refunded OR $3), disputed = (disputed OR $4), updated_at = $5 WHERE session_id = $1";

impl Ledger {
    /// Over the store's database (its tables are made by [`crate::store::migrations`]).
    pub(crate) fn new(db: Db) -> Self {
        Ledger { db }
    }

    /// Whether this is the shared PostgreSQL store.
    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
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
    ) -> Result<(), StoreError> {
        self.db
            .exec(
                "INSERT INTO checkout_sessions (session_id, user_id, created_at, expires_at, state, next_check_at)
                 VALUES ($1, $2, $3, $4, 'open', {now} + $5) ON CONFLICT (session_id) DO NOTHING",
                vec![
                    session_id.into(),
                    user.into(),
                    created_at.into(),
                    expires_at.into(),
                    first_check_ms.into(),
                ],
                Durability::Durable,
            )
            .await
    }

    /// The registry's row for `session_id`, if this server created it.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn session(&self, session_id: &str) -> Result<Option<RegisteredSession>, StoreError> {
        let q = format!("SELECT {SESSION_COLUMNS} FROM checkout_sessions WHERE session_id = $1");
        Ok(self.db.read(&q, vec![session_id.into()], registered).await?.pop())
    }

    /// How many sessions `user` has open (created, not paid, expired or refused, and not past
    /// their `expires_at`), for `max_open_sessions_per_user`.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn open_sessions(&self, user: &str, now_secs: i64) -> Result<i64, StoreError> {
        let n = self
            .db
            .read(
                "SELECT count(*) FROM checkout_sessions WHERE user_id = $1 AND state = 'open' AND expires_at > $2",
                vec![user.into(), now_secs.into()],
                |r| r.get::<i64>(0),
            )
            .await?;
        Ok(n.first().copied().unwrap_or(0))
    }

    /// Notes that a person showed interest in the session (the app read it, the return page
    /// was opened for it): reconciliation checks such sessions first. Only the first time is
    /// written: reconciliation reads whether `seen_at` is set, and an app polling its session
    /// every few seconds would otherwise rewrite the row on each poll.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn mark_seen(&self, session_id: &str) -> Result<(), StoreError> {
        self.db
            .exec(
                "UPDATE checkout_sessions SET seen_at = {now} WHERE session_id = $1 AND seen_at IS NULL",
                vec![session_id.into()],
                Durability::Relaxed,
            )
            .await
    }

    /// Moves a session out of reconciliation (`Expired`, `Failed`, `Gone`, `Abandoned`),
    /// unless it is already fulfilled.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn set_session_state(&self, session_id: &str, state: SessionState) -> Result<(), StoreError> {
        self.db
            .exec(
                "UPDATE checkout_sessions SET state = $2, lease_owner = NULL, lease_until = 0
                 WHERE session_id = $1 AND state <> 'fulfilled'",
                vec![session_id.into(), state.as_str().into()],
                Durability::Relaxed,
            )
            .await
    }

    /// Puts a session back in the reconciliation queue `delay_ms` from now, as `Open` or
    /// `Processing`, counting the check and releasing the lease.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn reschedule_session(
        &self,
        session_id: &str,
        state: SessionState,
        delay_ms: i64,
    ) -> Result<(), StoreError> {
        self.db
            .exec(
                "UPDATE checkout_sessions SET state = $2, checks = checks + 1, next_check_at = {now} + $3,
                 lease_owner = NULL, lease_until = 0 WHERE session_id = $1 AND state IN ('open', 'processing')",
                vec![session_id.into(), state.as_str().into(), delay_ms.into()],
                Durability::Relaxed,
            )
            .await
    }

    /// Claims up to `limit` sessions due for a reconciliation check, leased to `owner` for
    /// `lease_ms`: sessions a person has shown interest in first (`seen_at`), then those checked
    /// least (new sessions are paid within minutes or not at all), then the longest due.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn claim_sessions(
        &self,
        owner: &str,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<RegisteredSession>, StoreError> {
        let q = format!(
            "UPDATE checkout_sessions SET lease_owner = $1, lease_until = {{now}} + $2
             WHERE session_id IN (
                 SELECT session_id FROM checkout_sessions
                 WHERE state IN ('open', 'processing') AND next_check_at <= {{now}} AND lease_until <= {{now}}
                 ORDER BY CASE WHEN seen_at IS NULL THEN 1 ELSE 0 END, checks, next_check_at
                 LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING {SESSION_COLUMNS}"
        );
        self.db
            .write(
                &q,
                vec![owner.into(), lease_ms.into(), limit.into()],
                Durability::Relaxed,
                registered,
            )
            .await
    }

    /// Records `purchase` and its delivery together, unless the session is already recorded;
    /// true when this call recorded it. The session leaves reconciliation either way.
    ///
    /// # Errors
    ///
    /// The database's error (then nothing was written).
    pub async fn record_fulfilment(&self, purchase: &Purchase, delivery: &NewDelivery) -> Result<bool, StoreError> {
        let record = serde_json::to_string(purchase)?;
        let p = purchase;
        let fulfilment: Vec<Arg> = vec![
            p.session_id.clone().into(),
            p.user.clone().into(),
            p.payment_intent.clone().into(),
            p.fulfilled_at.into(),
            p.livemode.into(),
            record.into(),
        ];
        let outbox: Vec<Arg> = vec![
            delivery.key.clone().into(),
            delivery.kind.clone().into(),
            p.session_id.clone().into(),
            delivery.payload.clone().into(),
        ];
        if self.is_postgres() {
            // One statement: data-modifying CTEs all run, atomically, and the outbox row is
            // written only if this statement inserted the fulfilment.
            let q = "WITH f AS (
                    INSERT INTO checkout_fulfilments (session_id, user_id, payment_intent, fulfilled_at, livemode, record, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $4) ON CONFLICT (session_id) DO NOTHING RETURNING session_id),
                o AS (
                    INSERT INTO checkout_outbox (delivery_key, kind, session_id, payload, created_at, next_attempt_at)
                    SELECT $7, $8, session_id, $10, {now}, {now} FROM f WHERE session_id = $9
                    ON CONFLICT (delivery_key) DO NOTHING RETURNING 1),
                s AS (
                    UPDATE checkout_sessions SET state = 'fulfilled', lease_owner = NULL, lease_until = 0 WHERE session_id = $1)
                SELECT (SELECT count(*) FROM f) + 0 * (SELECT count(*) FROM o)";
            let args = fulfilment.into_iter().chain(outbox).collect();
            let new = self.db.write(q, args, Durability::Durable, |r| r.get::<i64>(0)).await?;
            Ok(new.first() == Some(&1))
        } else {
            // The outbox key is derived from the session ID, so when the fulfilment already
            // exists its delivery does too and this insert does nothing.
            let changed = self
                .db
                .sqlite_transaction(vec![
                    (FULFILMENT_INSERT, fulfilment),
                    (OUTBOX_INSERT, outbox),
                    (MARK_FULFILLED, vec![p.session_id.clone().into()]),
                ])
                .await?;
            Ok(changed.first() == Some(&1))
        }
    }

    /// The fulfilment of `session_id`, if recorded.
    ///
    /// # Errors
    ///
    /// The database's error or an unreadable record.
    pub async fn fulfilment(&self, session_id: &str) -> Result<Option<Purchase>, StoreError> {
        let q = format!("{PURCHASE_SELECT} WHERE session_id = $1");
        Ok(self.db.read(&q, vec![session_id.into()], purchase).await?.pop())
    }

    /// The fulfilled session paid by `payment_intent`, if any.
    ///
    /// # Errors
    ///
    /// The database's error or an unreadable record.
    pub async fn fulfilment_by_payment_intent(&self, payment_intent: &str) -> Result<Option<Purchase>, StoreError> {
        let q = format!("{PURCHASE_SELECT} WHERE payment_intent = $1");
        Ok(self.db.read(&q, vec![payment_intent.into()], purchase).await?.pop())
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
    ) -> Result<Option<Vec<Purchase>>, StoreError> {
        let (after_time, after_id) = match starting_after {
            None => (i64::MAX, String::new()),
            Some(after) => match self.fulfilment(after).await?.filter(|p| p.user == user) {
                Some(cursor) => (cursor.fulfilled_at, cursor.session_id),
                None => return Ok(None),
            },
        };
        let q = format!(
            "{PURCHASE_SELECT} WHERE user_id = $1 AND (fulfilled_at < $3 OR (fulfilled_at = $3 AND session_id < $4))
             ORDER BY fulfilled_at DESC, session_id DESC LIMIT $2"
        );
        self.db
            .read(
                &q,
                vec![user.into(), limit.into(), after_time.into(), after_id.into()],
                purchase,
            )
            .await
            .map(Some)
    }

    /// Applies a refund or dispute to the fulfilment paid by `payment_intent` and enqueues the
    /// delivery `make_delivery` builds from the updated record, in one step; `None` when no
    /// fulfilment has that PaymentIntent, else the updated record and whether the delivery is
    /// new. Refunded amounts only grow (Stripe reports the cumulative amount, and deliveries
    /// may arrive out of order).
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
    ) -> Result<Option<(Purchase, bool)>, StoreError> {
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
        let update: Vec<Arg> = vec![
            p.session_id.clone().into(),
            p.amount_refunded.into(),
            p.refunded.into(),
            p.disputed.into(),
            now.into(),
        ];
        let outbox: Vec<Arg> = vec![
            d.key.into(),
            d.kind.into(),
            p.session_id.clone().into(),
            d.payload.into(),
        ];
        let new = if self.is_postgres() {
            let q = "WITH u AS (
                    UPDATE checkout_fulfilments SET amount_refunded = GREATEST(amount_refunded, $2),
                    refunded = (refunded OR $3), disputed = (disputed OR $4), updated_at = $5 WHERE session_id = $1 RETURNING 1),
                o AS (
                    INSERT INTO checkout_outbox (delivery_key, kind, session_id, payload, created_at, next_attempt_at)
                    VALUES ($6, $7, $8, $9, {now}, {now}) ON CONFLICT (delivery_key) DO NOTHING RETURNING 1)
                SELECT (SELECT count(*) FROM o) + 0 * (SELECT count(*) FROM u)";
            let args = update.into_iter().chain(outbox).collect();
            self.db
                .write(q, args, Durability::Durable, |r| r.get::<i64>(0))
                .await?
                .first()
                == Some(&1)
        } else {
            let changed = self
                .db
                .sqlite_transaction(vec![(ADJUST, update), (OUTBOX_INSERT, outbox)])
                .await?;
            changed.get(1) == Some(&1)
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
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.db
            .write(
                "UPDATE checkout_outbox SET lease_owner = $1, lease_until = {now} + $2
                 WHERE delivery_key IN (
                     SELECT delivery_key FROM checkout_outbox
                     WHERE delivered_at IS NULL AND next_attempt_at <= {now} AND lease_until <= {now}
                     ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                 RETURNING delivery_key, kind, payload, attempts",
                vec![owner.into(), lease_ms.into(), limit.into()],
                Durability::Relaxed,
                |r| {
                    Ok(ClaimedDelivery {
                        key: r.get(0)?,
                        kind: r.get(1)?,
                        payload: r.get(2)?,
                        attempts: r.get(3)?,
                    })
                },
            )
            .await
    }

    /// Marks a delivery done (whoever holds the lease now: it was delivered).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn delivered(&self, key: &str) -> Result<(), StoreError> {
        self.db
            .exec(
                "UPDATE checkout_outbox SET delivered_at = {now}, attempts = attempts + 1, lease_owner = NULL,
                 lease_until = 0, last_error = NULL WHERE delivery_key = $1 AND delivered_at IS NULL",
                vec![key.into()],
                Durability::Relaxed,
            )
            .await
    }

    /// Records a failed attempt by `owner` and schedules the next one `delay_ms` from now.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn failed(&self, key: &str, owner: &str, delay_ms: i64, error: &str) -> Result<(), StoreError> {
        self.db
            .exec(
                "UPDATE checkout_outbox SET attempts = attempts + 1, next_attempt_at = {now} + $3, lease_owner = NULL,
                 lease_until = 0, last_error = $4 WHERE delivery_key = $1 AND lease_owner = $2 AND delivered_at IS NULL",
                vec![key.into(), owner.into(), delay_ms.into(), error.into()],
                Durability::Relaxed,
            )
            .await
    }

    /// Gives up a lease without counting an attempt (the delivery never started).
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn release(&self, key: &str, owner: &str) -> Result<(), StoreError> {
        self.db
            .exec(
                "UPDATE checkout_outbox SET lease_owner = NULL, lease_until = 0 WHERE delivery_key = $1 AND lease_owner = $2",
                vec![key.into(), owner.into()],
                Durability::Relaxed,
            )
            .await
    }

    /// Row counts.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn counts(&self) -> Result<LedgerCounts, StoreError> {
        let q = "SELECT (SELECT count(*) FROM checkout_fulfilments),
                        (SELECT count(*) FROM checkout_outbox WHERE delivered_at IS NULL),
                        (SELECT count(*) FROM checkout_outbox WHERE delivered_at IS NOT NULL),
                        (SELECT count(*) FROM checkout_sessions WHERE state IN ('open', 'processing'))";
        let rows = self
            .db
            .read(q, vec![], |r| {
                Ok(LedgerCounts {
                    fulfilments: r.get(0)?,
                    pending: r.get(1)?,
                    delivered: r.get(2)?,
                    watched_sessions: r.get(3)?,
                })
            })
            .await?;
        Ok(rows.first().copied().unwrap_or_default())
    }

    /// Whether `session_id` is already recorded.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn is_fulfilled(&self, session_id: &str) -> Result<bool, StoreError> {
        let n = self
            .db
            .read(
                "SELECT count(*) FROM checkout_fulfilments WHERE session_id = $1",
                vec![session_id.into()],
                |r| r.get::<i64>(0),
            )
            .await?;
        Ok(n.first().is_some_and(|&n| n > 0))
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
