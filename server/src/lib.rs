//! # checkout-bridge-server
//!
//! The reference backend for checkout-bridge apps. It holds the Stripe key (environment only),
//! authenticates app users by bearer token, enforces the merchant's policy, forwards the
//! Stripe-compatible subset (create, retrieve, expire, line items) through the core
//! `CheckoutClient`, and verifies and records Stripe webhooks. Apps point a `CheckoutClient`
//! in backend mode at it and need no change otherwise.

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod client_addr;
pub mod config;
pub mod events;
pub mod hex;
pub mod params;
pub mod pg_tls;
pub mod policy;
pub mod rate_limit;
pub mod return_urls;
pub mod routes;
pub mod serve;
pub mod stripe_error;
pub mod webhook;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use checkout_bridge::{CheckoutClient, ClientConfig, Credential};

pub use config::{token_hash, Secrets, ServerConfig};
pub use events::EventLog;

/// Shared state of one server instance.
pub struct AppState {
    /// The parsed configuration.
    pub config: ServerConfig,
    /// Secrets from the environment.
    pub secrets: Secrets,
    /// The core client, in direct mode with the server's key.
    pub stripe: Arc<CheckoutClient>,
    /// App-token checks.
    pub auth: auth::Authenticator,
    /// Per-user rate limiting.
    pub limiter: rate_limit::RateLimiter,
    /// Per-address rate limiting before authentication (API routes).
    pub address_limiter: rate_limit::RateLimiter<IpAddr>,
    /// Per-address rate limiting of webhook deliveries.
    pub webhook_limiter: rate_limit::RateLimiter<IpAddr>,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: client_addr::TrustedProxies,
    /// The webhook endpoint's verifier, when `STRIPE_WEBHOOK_SECRET` is set.
    pub webhook: Option<Arc<webhook::WebhookVerifier>>,
    /// Bounds the HMACs running at once on the blocking pool (one per core).
    pub webhook_slots: Arc<tokio::sync::Semaphore>,
    /// The webhook event log.
    pub events: EventLog,
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl AppState {
    /// Builds the state: the core client against `upstream_base_url`, and the event log.
    pub async fn new(config: ServerConfig, secrets: Secrets) -> Result<Arc<Self>, String> {
        let mut client_config = ClientConfig::new(Credential::secret_key(&secrets.stripe_secret_key))
            .with_base_url(config.upstream_base_url.clone());
        client_config.timeout_ms = i64::try_from(config.request_timeout_ms).unwrap_or(i64::MAX).max(1);
        let stripe = CheckoutClient::new(client_config).map_err(|e| format!("invalid upstream configuration: {e}"))?;
        let events = EventLog::open(&config.database_url).await?;
        let webhook = match secrets.webhook_secret.as_deref() {
            Some(s) => Some(Arc::new(
                webhook::WebhookVerifier::new(s, webhook::DEFAULT_TOLERANCE_SECS).map_err(|e| e.to_string())?,
            )),
            None => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Arc::new(AppState {
            auth: auth::Authenticator::new(&config.app_tokens),
            limiter: rate_limit::RateLimiter::new(config.rate_limit_per_minute),
            address_limiter: rate_limit::RateLimiter::new(config.address_rate_limit_per_minute),
            webhook_limiter: rate_limit::RateLimiter::new(config.webhook_rate_limit_per_minute),
            proxies: client_addr::TrustedProxies::parse(&config.trusted_proxies)?,
            webhook,
            webhook_slots: Arc::new(tokio::sync::Semaphore::new(cores)),
            config,
            secrets,
            stripe,
            events,
        }))
    }
}

/// Where Stripe delivers webhooks.
pub const WEBHOOK_PATH: &str = "/webhooks/stripe";

/// The router with every route, the per-address rate limit, the per-request timeout and the
/// access log. Serve it with [`serve::serve`] (which [`spawn`] uses): the per-address limit
/// reads the peer from `ConnectInfo<SocketAddr>`, and without it every client would share one
/// bucket.
pub fn router(state: Arc<AppState>) -> Router {
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    Router::new()
        .route("/v1/checkout/sessions", post(routes::create))
        .route("/v1/checkout/sessions/{id}", get(routes::retrieve))
        .route("/v1/checkout/sessions/{id}/expire", post(routes::expire))
        .route("/v1/checkout/sessions/{id}/line_items", get(routes::line_items))
        .route(WEBHOOK_PATH, post(routes::webhook))
        .fallback(|| async {
            stripe_error::ApiError::new(404, "invalid_request_error", "Unrecognized request URL.", None, None)
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_by_address))
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| {
            access_log(req, next, timeout)
        }))
        .with_state(state)
}

/// The per-address limit, before anything else looks at the request (authentication
/// included): webhook deliveries and API calls have separate buckets.
async fn limit_by_address(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let client = client_addr::rate_key(state.proxies.client(peer, req.headers()));
    let limiter = if req.uri().path() == WEBHOOK_PATH {
        &state.webhook_limiter
    } else {
        &state.address_limiter
    };
    if !limiter.allow(&client) {
        tracing::warn!(client = %client, path = %req.uri().path(), "rate limited by address");
        return stripe_error::ApiError::rate_limited("Too many requests from this address.").into_response();
    }
    next.run(req).await
}

/// Bounds each request and logs method, path, status and duration (never headers or bodies).
async fn access_log(req: Request, next: Next, timeout: Duration) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = std::time::Instant::now();
    let resp = match tokio::time::timeout(timeout + Duration::from_secs(1), next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            stripe_error::ApiError::new(504, "api_error", "The request took too long.", None, None).into_response()
        }
    };
    tracing::info!(%method, %path, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    resp
}

/// A running server (for tests and the demo): stops when dropped or on [`RunningServer::shutdown`].
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The state, for inspecting the event log in tests.
    pub state: Arc<AppState>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Binds `config.listen` and serves in the background with graceful shutdown.
pub async fn spawn(config: ServerConfig, secrets: Secrets) -> Result<RunningServer, String> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let state = AppState::new(config, secrets).await?;
    let app = router(state.clone());
    let c = &state.config;
    let limits = serve::ConnectionLimits {
        max_connections: c.max_connections,
        header_read_timeout: Duration::from_millis(c.header_read_timeout_ms),
        max_header_bytes: c.max_header_bytes,
        keep_alive: c.keep_alive,
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(listener, app, limits, async {
        let _ = rx.await;
    }));
    Ok(RunningServer {
        addr,
        stop: Some(tx),
        task: Some(task),
        state,
    })
}
