//! Periodic reconciliation: the server retrieves the open and processing sessions it created,
//! so a paid session is fulfilled even when its webhook is lost and the app never returns.
//!
//! Each session is first checked `reconcile_interval_ms` after creation, then after gaps that
//! double up to `reconcile_max_interval_ms` (most sessions are paid or abandoned within
//! minutes; the doubling keeps a day of abandoned carts from costing a retrieve per interval
//! each). An open session is checked once more just after its `expires_at` (Checkout Sessions
//! expire within 24 hours, https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-expires_at),
//! when Stripe reports it expired and it leaves the queue. A complete but unpaid session waits
//! for a delayed payment method, and is checked until it is paid or has been waiting 30 days:
//! SEPA Direct Debit, the slowest of them, "can take up to 14 business days to receive
//! notification on the success or failure of a payment"
//! (https://stripe.com/docs/payments/sepa-debit). The `…async_payment_failed` and `…expired`
//! webhooks take sessions out of the queue early.
//!
//! Checks are budgeted (`reconcile_max_checks_per_minute` per instance) and claimed in order of
//! likely reality: sessions a person has shown interest in (the app read one, the return page
//! was opened for it) first, then the least checked, so a backlog of sessions nobody opened
//! (created by a modified app, at most `max_open_sessions_per_user` each) cannot delay them.
//!
//! Checks are claimed with a lease (`FOR UPDATE SKIP LOCKED` in PostgreSQL), so several
//! instances share the work without retrieving the same session twice at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::fulfilment::fulfil::{Fulfilments, Outcome, Source};
use crate::store::ledger::{RegisteredSession, SessionState};

/// Delayed payment methods settle within 14 business days (SEPA Direct Debit); after 30 days
/// a complete but unpaid session is not checked any more.
pub const PROCESSING_GIVE_UP_SECS: i64 = 30 * 24 * 3600;

/// Sessions checked at once by one instance (each check is one or two calls to Stripe).
const CONCURRENT_CHECKS: usize = 8;
/// Sessions claimed per round.
const BATCH: i64 = 32;

/// How reconciliation runs (from the configuration).
#[derive(Clone, Copy, Debug)]
pub struct ReconcileSettings {
    /// First check after creation, and the smallest gap between checks.
    pub interval: Duration,
    /// The largest gap between checks.
    pub max_interval: Duration,
    /// How long a claimed check may take before another instance may take it over.
    pub lease: Duration,
    /// Most checks per minute on this instance (`reconcile_max_checks_per_minute`).
    pub checks_per_minute: u32,
}

/// The check budget: a bucket of `per_minute` checks, refilled continuously, so a backlog is
/// worked through at a bounded pace of Stripe reads, and what is claimed first (see
/// [`crate::store::ledger::Ledger::claim_sessions`]) is what gets checked.
#[derive(Debug)]
struct Budget {
    per_minute: f64,
    tokens: f64,
    at: tokio::time::Instant,
}

impl Budget {
    fn new(per_minute: u32) -> Self {
        let per_minute = f64::from(per_minute.max(1));
        Budget {
            per_minute,
            tokens: per_minute.min(f64::from(u32::try_from(BATCH).unwrap_or(32))),
            at: tokio::time::Instant::now(),
        }
    }

    /// Whole checks available now (at most `BATCH`).
    fn available(&mut self) -> i64 {
        let now = tokio::time::Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_minute / 60.0).min(self.per_minute);
        self.at = now;
        (self.tokens.floor() as i64).min(BATCH)
    }

    fn spend(&mut self, n: usize) {
        self.tokens -= n as f64;
    }

    /// How long until one more check is available.
    fn wait(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens).max(0.0) * 60.0 / self.per_minute).min(60.0))
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl ReconcileSettings {
    /// The gap before the next check of a session checked `checks` times before this one.
    pub fn next_gap(&self, session: &RegisteredSession, state: SessionState, now_secs: i64) -> Duration {
        let exp = u32::try_from(session.checks.clamp(0, 30)).unwrap_or(30);
        let mut gap = self.interval.saturating_mul(1u32 << exp).min(self.max_interval);
        if state == SessionState::Open && now_secs < session.expires_at {
            // One more look just after expiry, whatever the doubling says.
            let until_expiry = Duration::from_secs(u64::try_from(session.expires_at - now_secs + 5).unwrap_or(0));
            gap = gap.min(until_expiry.max(self.interval));
        }
        gap
    }

    /// How often the worker looks for due sessions: a tenth of the interval (so a check is at
    /// most that late), between 20 ms and 1 s. Looking is one indexed query.
    fn tick(&self) -> Duration {
        (self.interval / 10).clamp(Duration::from_millis(20), Duration::from_secs(1))
    }
}

/// Checks due sessions until `stop` turns true (after the round in progress) or the task is
/// aborted (claimed sessions wait for their lease to run out).
pub(crate) async fn run(
    fulfilments: Arc<Fulfilments>,
    settings: ReconcileSettings,
    owner: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut budget = Budget::new(settings.checks_per_minute);
    while !*stop.borrow() {
        let allowed = budget.available();
        if allowed < 1 {
            tokio::select! {
                () = tokio::time::sleep(budget.wait()) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
            continue;
        }
        let due = match fulfilments
            .ledger()
            .claim_sessions(&owner, allowed, ms(settings.lease))
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "reconciliation: cannot claim sessions");
                Vec::new()
            }
        };
        let full = due.len() as i64 == allowed;
        budget.spend(due.len());
        let mut checks = JoinSet::new();
        for session in due {
            while checks.len() >= CONCURRENT_CHECKS {
                let _ = checks.join_next().await;
            }
            let f = fulfilments.clone();
            checks.spawn(async move { check(&f, &settings, session).await });
        }
        while checks.join_next().await.is_some() {}
        if !full {
            tokio::select! {
                () = tokio::time::sleep(settings.tick()) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    }
}

async fn check(f: &Fulfilments, settings: &ReconcileSettings, session: RegisteredSession) {
    let now = crate::base::clock::unix_now();
    let ledger = f.ledger();
    if session.state == SessionState::Processing && now - session.created_at > PROCESSING_GIVE_UP_SECS {
        tracing::warn!(session = %session.session_id, "reconciliation: still unpaid after 30 days; no longer checked");
        let _ = ledger
            .set_session_state(&session.session_id, SessionState::Abandoned)
            .await;
        return;
    }
    f.metrics
        .reconciliation_checks
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let next_state = match f.fulfil_by_id(&session.session_id, Source::Reconciliation).await {
        Ok(Outcome::Open) => SessionState::Open,
        Ok(Outcome::Processing) => SessionState::Processing,
        Ok(Outcome::NotOurs(_)) => {
            let _ = ledger.set_session_state(&session.session_id, SessionState::Gone).await;
            return;
        }
        // Recorded, already fulfilled or expired: the ledger took it out of the queue.
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(session = %session.session_id, error = %e, "reconciliation check failed; will retry");
            session.state
        }
    };
    let gap = settings.next_gap(&session, next_state, now);
    if let Err(e) = ledger
        .reschedule_session(&session.session_id, next_state, ms(gap))
        .await
    {
        tracing::error!(session = %session.session_id, error = %e, "reconciliation: cannot reschedule");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_double_to_the_cap_and_an_open_session_is_checked_after_expiry() {
        let s = ReconcileSettings {
            interval: Duration::from_secs(60),
            max_interval: Duration::from_secs(900),
            lease: Duration::from_secs(90),
            checks_per_minute: 600,
        };
        let mut session = RegisteredSession {
            session_id: "cs_1".into(),
            user: "u".into(),
            created_at: 0,
            expires_at: 86_400,
            state: SessionState::Open,
            checks: 0,
        };
        assert_eq!(s.next_gap(&session, SessionState::Open, 60), Duration::from_secs(60));
        session.checks = 3;
        assert_eq!(s.next_gap(&session, SessionState::Open, 600), Duration::from_secs(480));
        session.checks = 10;
        assert_eq!(s.next_gap(&session, SessionState::Open, 3600), Duration::from_secs(900));
        // Near expiry: just after it, not a whole cap later.
        assert_eq!(
            s.next_gap(&session, SessionState::Open, 86_300),
            Duration::from_secs(105)
        );
        // Processing sessions are not bound by expiry.
        assert_eq!(
            s.next_gap(&session, SessionState::Processing, 86_300),
            Duration::from_secs(900)
        );
    }
}
