//! Delivering fulfilments to the merchant: at least once, from a durable outbox, by one
//! instance at a time.
//!
//! Each outbox row (written together with the fulfilment it announces, [`crate::store::ledger`]) is
//! claimed with a lease, handed to a [`FulfilmentSink`] and marked delivered when the sink
//! succeeds (for [`HttpSink`]: the merchant answered 2xx). A failure schedules the next attempt
//! with exponential backoff (`fulfilment_retry_initial_ms` doubling to
//! `fulfilment_retry_max_ms`, each delay drawn from 50–100 % of its step, as Stripe's SDKs
//! jitter), for as long as it takes: rows are in the database, so restarts lose nothing.
//!
//! **One at a time.** A lease lasts twice the delivery timeout plus a second. An attempt must
//! start within the first timeout of the lease (else it is released unattempted) and is cut off
//! by the timeout, so it is over before the lease ends and no other instance can claim the row
//! while it runs. If the process dies mid-attempt, the lease runs out and any instance
//! (including this one, restarted) claims the row again. Delivery is therefore at least once:
//! merchants deduplicate on the idempotency key (the body's `id` and the `Idempotency-Key`
//! header), which is one per fulfilment.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::fulfilment::fulfil::Fulfilments;
use crate::fulfilment::sink::{Delivery, DeliveryError, FulfilmentSink};
use crate::store::ledger::ClaimedDelivery;

/// How the outbox runs (from the configuration).
#[derive(Clone, Copy, Debug)]
pub struct OutboxSettings {
    /// Longest one attempt may take.
    pub timeout: Duration,
    /// Attempts in flight at once on this instance.
    pub concurrency: usize,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// How often to look for due rows when nothing wakes the worker (other instances' rows,
    /// retries).
    pub poll: Duration,
}

impl OutboxSettings {
    /// Twice the timeout plus a second: see the module docs.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }

    /// The delay before attempt `failures + 1`: `retry_initial · 2^(failures−1)` capped at
    /// `retry_max`, times a random 50–100 %.
    pub fn backoff(&self, failures: i64, random: u32) -> Duration {
        let exp = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let step = self.retry_initial.saturating_mul(1u32 << exp).min(self.retry_max);
        let fraction = 0.5 + f64::from(random) / f64::from(u32::MAX) / 2.0;
        step.mul_f64(fraction)
    }
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    u32::from_le_bytes(b)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Claims and delivers due rows until `stop` turns true (then it claims nothing more and
/// returns once the attempts in flight end, each within the delivery timeout) or the task is
/// aborted (attempts in flight are cut off; their leases run out and the rows are delivered
/// again).
pub(crate) async fn run(
    fulfilments: Arc<Fulfilments>,
    sink: Arc<dyn FulfilmentSink>,
    settings: OutboxSettings,
    owner: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1)));
    let mut running = JoinSet::new();
    let wake = fulfilments.wake.clone();
    loop {
        while running.try_join_next().is_some() {}
        let first = tokio::select! {
            p = slots.clone().acquire_owned() => p,
            _ = stop.wait_for(|s| *s) => break,
        };
        let Ok(first) = first else {
            break;
        };
        let want = 1 + slots.available_permits().min(63);
        let claimed_at = Instant::now();
        let rows = match fulfilments
            .ledger()
            .claim_deliveries(&owner, want as i64, ms(settings.lease()))
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "outbox: cannot claim deliveries");
                Vec::new()
            }
        };
        if rows.is_empty() {
            drop(first);
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(settings.poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            continue;
        }
        let mut permits = vec![first];
        for row in rows {
            let permit = match permits.pop() {
                Some(p) => p,
                None => match slots.clone().try_acquire_owned() {
                    Ok(p) => p,
                    Err(_) => {
                        // Cannot happen (only this loop takes permits); give the row back.
                        let _ = fulfilments.ledger().release(&row.key, &owner).await;
                        continue;
                    }
                },
            };
            let (f, sink, owner) = (fulfilments.clone(), sink.clone(), owner.clone());
            running.spawn(async move {
                attempt(&f, sink.as_ref(), &settings, &owner, row, claimed_at).await;
                drop(permit);
            });
        }
    }
    while running.join_next().await.is_some() {}
}

async fn attempt(
    f: &Fulfilments,
    sink: &dyn FulfilmentSink,
    settings: &OutboxSettings,
    owner: &str,
    row: ClaimedDelivery,
    claimed_at: Instant,
) {
    let ledger = f.ledger();
    // Start only while the rest of the lease covers a whole attempt.
    if claimed_at.elapsed() + settings.timeout + Duration::from_millis(500) > settings.lease() {
        if let Err(e) = ledger.release(&row.key, owner).await {
            tracing::warn!(error = %e, key = %row.key, "outbox: cannot release a lease");
        }
        return;
    }
    let delivery = Delivery {
        key: row.key,
        kind: row.kind,
        payload: row.payload,
        attempt: row.attempts + 1,
    };
    let result = match tokio::time::timeout(settings.timeout, sink.deliver(&delivery)).await {
        Ok(r) => r,
        Err(_) => Err(DeliveryError::TimedOut),
    };
    match result {
        Ok(()) => {
            f.metrics.delivered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::info!(key = %delivery.key, kind = %delivery.kind, attempt = delivery.attempt, "fulfilment delivered");
            if let Err(e) = ledger.delivered(&delivery.key).await {
                // The lease runs out and the row is delivered again: at least once.
                tracing::error!(error = %e, key = %delivery.key, "outbox: delivered but not marked");
            }
        }
        Err(reason) => {
            f.metrics
                .delivery_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let delay = settings.backoff(delivery.attempt, random_u32());
            tracing::warn!(key = %delivery.key, attempt = delivery.attempt, reason = %reason,
                retry_in_ms = ms(delay), "fulfilment delivery failed");
            if let Err(e) = ledger
                .failed(&delivery.key, owner, ms(delay), &reason.to_string())
                .await
            {
                tracing::error!(error = %e, key = %delivery.key, "outbox: failure not recorded");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter() {
        let s = OutboxSettings {
            timeout: Duration::from_secs(10),
            concurrency: 1,
            retry_initial: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            poll: Duration::from_secs(1),
        };
        assert_eq!(s.backoff(1, u32::MAX), Duration::from_secs(1));
        assert_eq!(s.backoff(3, u32::MAX), Duration::from_secs(4));
        assert_eq!(s.backoff(30, u32::MAX), Duration::from_secs(60));
        assert_eq!(s.backoff(1000, u32::MAX), Duration::from_secs(60));
        assert_eq!(s.backoff(1, 0), Duration::from_millis(500));
        assert_eq!(s.lease(), Duration::from_secs(21));
    }
}
