//! # checkout-bridge-server
//!
//! The reference backend for checkout-bridge apps. It holds the Stripe key (environment only),
//! authenticates app users by bearer token, enforces the merchant's policy, forwards the
//! Stripe-compatible subset (create, retrieve, expire, line items) through the core
//! `CheckoutClient`, verifies and records Stripe webhooks, and fulfils each paid session once
//! through a durable outbox ([`fulfilment`]); apps restore what their user bought from
//! `GET /v1/purchases`. Apps point a `CheckoutClient` in backend mode at it and need no change
//! otherwise.
//!
//! The parts are folders, on layers that `tests/layers.rs` enforces (lowest first): [`base`] and
//! [`telemetry`]; [`wire`] (Stripe's wire from outside) and [`policy`]; [`store`] (the one
//! database, migrated); [`links`] and [`config`]; [`fulfilment`]; [`state`] (the shared state);
//! [`http`] (the accept loop below the state, the handlers and router above it). This file only
//! assembles them: [`spawn`].

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::result_large_err)]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!(
    "checkout-bridge-server needs a database: enable the `sqlite` or the `postgres` feature (or both, the default)"
);

pub mod base;
pub mod config;
pub mod fulfilment;
pub mod http;
pub mod links;
pub mod policy;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use config::{token_hash, Secrets, ServerConfig};
pub use http::WEBHOOK_PATH;
pub use state::{AppState, StartError};
pub use store::{EventLog, Store};

/// A running server (for tests and the demo): stops when dropped or on [`RunningServer::shutdown`].
pub struct RunningServer {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The state, for inspecting the event log in tests.
    pub state: Arc<AppState>,
    /// The outbox and reconciliation tasks (aborted when the server is dropped).
    workers: fulfilment::workers::Workers,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://ADDR/metrics` when `metrics_listen` is set.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics_addr.map(|a| format!("http://{a}/metrics"))
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
        // Deliveries in flight end within the delivery timeout; nothing new is claimed.
        let within = Duration::from_millis(self.state.config.fulfilment_timeout_ms) + Duration::from_secs(1);
        self.workers.shutdown(within).await;
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
    }
}

/// Binds `config.listen` and serves in the background with graceful shutdown; fulfilments go
/// to `fulfilment_url` (signed with `secrets.fulfilment_secret`) when it is set.
pub async fn spawn(config: ServerConfig, secrets: Secrets) -> Result<RunningServer, StartError> {
    spawn_with_sink(config, secrets, None).await
}

/// [`spawn`], delivering fulfilments to `sink` instead of `fulfilment_url` when one is given:
/// for Rust programs that embed the server and grant entitlements in-process.
pub async fn spawn_with_sink(
    config: ServerConfig,
    secrets: Secrets,
    sink: Option<Arc<dyn fulfilment::sink::FulfilmentSink>>,
) -> Result<RunningServer, StartError> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| StartError::Listen {
            address: config.listen.clone(),
            source,
        })?;
    serve_on(listener, config, secrets, sink).await
}

/// Serves on an already bound `listener` (`config.listen` is ignored), for callers that need
/// the port before writing the configuration (a return base on loopback names it).
pub async fn spawn_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    secrets: Secrets,
) -> Result<RunningServer, StartError> {
    serve_on(listener, config, secrets, None).await
}

/// Where fulfilments go: the embedder's sink, else `fulfilment_url` signed with the secret from
/// the environment (required then), else nowhere (recorded, not delivered).
fn fulfilment_sink(
    config: &ServerConfig,
    secrets: &Secrets,
    sink: Option<Arc<dyn fulfilment::sink::FulfilmentSink>>,
) -> Result<Option<Arc<dyn fulfilment::sink::FulfilmentSink>>, StartError> {
    match (sink, config.fulfilment_url.as_deref()) {
        (Some(s), _) => Ok(Some(s)),
        (None, Some(url)) => {
            let secret = secrets
                .fulfilment_secret
                .as_deref()
                .filter(|s| s.len() >= config::MIN_FULFILMENT_SECRET_BYTES)
                .ok_or_else(|| config::ConfigError::Environment {
                    variable: config::FULFILMENT_SECRET_ENV,
                    reason: format!(
                        "must hold a secret of at least {} bytes (fulfilment_url is set)",
                        config::MIN_FULFILMENT_SECRET_BYTES
                    ),
                })?;
            let timeout = Duration::from_millis(config.fulfilment_timeout_ms);
            Ok(Some(Arc::new(
                fulfilment::sink::HttpSink::new(url, secret, timeout).map_err(fulfilment::FulfilmentError::from)?,
            )))
        }
        (None, None) => Ok(None),
    }
}

async fn serve_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    secrets: Secrets,
    sink: Option<Arc<dyn fulfilment::sink::FulfilmentSink>>,
) -> Result<RunningServer, StartError> {
    let sink = fulfilment_sink(&config, &secrets, sink)?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        address: config.listen.clone(),
        source,
    })?;
    let metrics_listener = match &config.metrics_listen {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .map_err(|source| StartError::Listen {
                    address: format!("{a} (metrics_listen)"),
                    source,
                })?,
        ),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr().map_err(|source| StartError::Listen {
            address: "metrics_listen".into(),
            source,
        })?),
        None => None,
    };
    let state = AppState::new(config, secrets).await?;
    let app = http::router(state.clone());
    let c = &state.config;
    let limits = http::serve::ConnectionLimits {
        max_connections: c.max_connections,
        per_address: c.max_connections_per_address,
        header_read_timeout: Duration::from_millis(c.header_read_timeout_ms),
        pressure_header_timeout: Duration::from_millis(c.pressure_header_timeout_ms),
        max_header_bytes: c.max_header_bytes,
        keep_alive: c.keep_alive,
        proxies: state.proxies.clone(),
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut tasks = vec![tokio::spawn(http::serve::serve(
        listener,
        app,
        limits.clone(),
        state.metrics.clone(),
        stopped(rx.clone()),
    ))];
    if let Some(l) = metrics_listener {
        let ops = http::ops::ops_router(state.clone());
        let limits = http::serve::ConnectionLimits {
            max_connections: 16,
            per_address: 16,
            ..limits
        };
        tasks.push(tokio::spawn(http::serve::serve(
            l,
            ops,
            limits,
            state.metrics.clone(),
            stopped(rx),
        )));
    }
    let workers = fulfilment::workers::Workers::start(&state.fulfilments, &state.config, sink)?;
    Ok(RunningServer {
        addr,
        metrics_addr,
        stop: Some(tx),
        tasks,
        state,
        workers,
    })
}
