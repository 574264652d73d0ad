//! This instance's background work: the outbox (deliveries to the merchant) and
//! reconciliation, started together and stopped together.

use std::sync::Arc;
use std::time::Duration;

use crate::config::ServerConfig;
use crate::fulfilment::error::FulfilmentError;
use crate::fulfilment::fulfil::Fulfilments;
use crate::fulfilment::outbox::{self, OutboxSettings};
use crate::fulfilment::reconcile::{self, ReconcileSettings};
use crate::fulfilment::sink::FulfilmentSink;

/// This instance's outbox and reconciliation tasks. [`Workers::shutdown`] lets the attempts
/// in flight finish; dropping aborts them (their leases let another attempt happen later).
#[derive(Debug)]
pub struct Workers {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Workers {
    /// Starts the outbox (when there is a sink) and reconciliation (unless
    /// `reconcile_interval_ms` is 0) for `fulfilments`, under a random instance ID.
    ///
    /// # Errors
    ///
    /// The operating system has no randomness for the instance ID.
    pub fn start(
        fulfilments: &Arc<Fulfilments>,
        config: &ServerConfig,
        sink: Option<Arc<dyn FulfilmentSink>>,
    ) -> Result<Self, FulfilmentError> {
        let owner = instance_id()?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        match sink {
            Some(sink) => {
                let settings = OutboxSettings {
                    timeout: Duration::from_millis(config.fulfilment_timeout_ms),
                    concurrency: config.fulfilment_concurrency,
                    retry_initial: Duration::from_millis(config.fulfilment_retry_initial_ms),
                    retry_max: Duration::from_millis(config.fulfilment_retry_max_ms),
                    poll: Duration::from_millis(config.outbox_poll_interval_ms),
                };
                tasks.push(tokio::spawn(outbox::run(
                    fulfilments.clone(),
                    sink,
                    settings,
                    owner.clone(),
                    stopped.clone(),
                )));
            }
            None => tracing::warn!("no fulfilment_url: fulfilments are recorded but not delivered"),
        }
        if config.reconcile_interval_ms > 0 {
            let settings = ReconcileSettings {
                interval: Duration::from_millis(config.reconcile_interval_ms),
                max_interval: Duration::from_millis(config.reconcile_max_interval_ms),
                // A check is a retrieve and a line-item listing, each bounded by the request
                // timeout, and two writes.
                lease: Duration::from_millis(config.request_timeout_ms).saturating_mul(3) + Duration::from_secs(5),
                checks_per_minute: config.reconcile_max_checks_per_minute,
            };
            tasks.push(tokio::spawn(reconcile::run(
                fulfilments.clone(),
                settings,
                owner,
                stopped,
            )));
        }
        Ok(Workers { tasks, stop })
    }

    /// Stops claiming work and waits up to `within` for what is in flight; then aborts.
    pub async fn shutdown(&mut self, within: Duration) {
        self.stop.send_replace(true);
        let deadline = tokio::time::Instant::now() + within;
        for t in &mut self.tasks {
            if tokio::time::timeout_at(deadline, &mut *t).await.is_err() {
                t.abort();
            }
        }
        self.tasks.clear();
    }

    /// Aborts the tasks.
    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A random name for this process's leases: two instances must never share one.
fn instance_id() -> Result<String, FulfilmentError> {
    checkout_bridge::new_idempotency_key()
        .map(|k| format!("cbs-{k}"))
        .map_err(FulfilmentError::Randomness)
}
