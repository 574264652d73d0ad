//! Readiness: whether the database and Stripe answer, for `/readyz` ([`crate::http::health`]).
//!
//! Readiness asks the database for `SELECT 1` and Stripe for a session that cannot exist
//! (`GET /v1/checkout/sessions/cs_readiness_probe`): a 404 proves that Stripe is reachable and
//! accepts the key, without creating anything. The answer is cached for [`READY_CACHE`], so
//! probes from many places (the public endpoint is anyone's) cost at most one Stripe call per instance
//! per period; concurrent probes wait for the one check in flight.

use std::time::{Duration, Instant};

use checkout_bridge::CheckoutClient;
use serde::Serialize;

use crate::store::Store;
use crate::telemetry::metrics::Metrics;

/// How long one readiness answer is reused.
pub const READY_CACHE: Duration = Duration::from_secs(5);
/// Longest a readiness check waits for each dependency.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// The session ID the Stripe check retrieves (never exists).
pub const PROBE_SESSION_ID: &str = "cs_readiness_probe";

/// What `/readyz` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// `ready` or `unready`.
    pub status: &'static str,
    /// `ok` or `unavailable`.
    pub database: &'static str,
    /// `ok`, `unreachable`, `key_refused` or `error`.
    pub upstream: &'static str,
}

/// The cached last answer.
#[derive(Default)]
pub struct ReadinessCache {
    last: tokio::sync::Mutex<Option<(Instant, Readiness)>>,
}

impl ReadinessCache {
    /// The last answer if it is fresh, else a new check of the database and Stripe.
    pub async fn get(&self, store: &Store, stripe: &CheckoutClient, metrics: &Metrics) -> Readiness {
        // Held across the check: concurrent probes wait for it instead of starting their own.
        let mut last = self.last.lock().await;
        if let Some((at, r)) = last.as_ref() {
            if at.elapsed() < READY_CACHE {
                return r.clone();
            }
        }
        let (database, upstream) = tokio::join!(database_ok(store), upstream_state(stripe, metrics));
        let r = Readiness {
            status: if database && upstream == "ok" {
                "ready"
            } else {
                "unready"
            },
            database: if database { "ok" } else { "unavailable" },
            upstream,
        };
        if r.status != "ready" {
            tracing::warn!(database = r.database, upstream = r.upstream, "not ready");
        }
        *last = Some((Instant::now(), r.clone()));
        r
    }
}

async fn database_ok(store: &Store) -> bool {
    matches!(tokio::time::timeout(CHECK_TIMEOUT, store.ping()).await, Ok(Ok(())))
}

async fn upstream_state(stripe: &CheckoutClient, metrics: &Metrics) -> &'static str {
    use checkout_bridge::CheckoutError as E;
    let started = Instant::now();
    let r = tokio::time::timeout(CHECK_TIMEOUT, stripe.retrieve_session(PROBE_SESSION_ID.into())).await;
    let answer = match &r {
        Err(_) => "unreachable",
        // Found (an emulator may have anything) or "no such session": Stripe answered the key.
        Ok(Ok(_) | Err(E::NotFound { .. } | E::RateLimited { .. })) => "ok",
        Ok(Err(E::Authentication { .. } | E::Permission { .. })) => "key_refused",
        Ok(Err(E::Network { .. } | E::Timeout { .. })) => "unreachable",
        Ok(Err(_)) => "error",
    };
    let outcome = match r {
        Ok(r) => crate::telemetry::metrics::upstream_outcome(&r),
        Err(_) => "unreachable",
    };
    metrics.upstream("readiness", outcome, started.elapsed());
    answer
}
