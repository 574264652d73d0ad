//! # checkout-bridge-server
//!
//! The reference backend for checkout-bridge apps. It holds the Stripe key (environment only),
//! authenticates app users by bearer token, enforces the merchant's policy, forwards the
//! Stripe-compatible subset (create, retrieve, expire, line items) through the core
//! `CheckoutClient`, verifies and records Stripe webhooks, and fulfils each paid session once
//! through a durable outbox ([`fulfilment`], [`outbox`], [`reconcile`], [`ledger`]); apps
//! restore what their user bought from `GET /v1/purchases` ([`purchases`]). Apps point a
//! `CheckoutClient` in backend mode at it and need no change otherwise.

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::result_large_err)]

pub mod base;
pub mod config;
pub mod fulfilment;
pub mod http;
pub mod links;
pub mod policy;
pub mod store;
pub mod telemetry;
pub mod wire;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use checkout_bridge::{CheckoutClient, ClientConfig, Credential};

pub use config::{token_hash, Secrets, ServerConfig};
pub use store::events::EventLog;

/// Shared state of one server instance.
pub struct AppState {
    /// The parsed configuration.
    pub config: ServerConfig,
    /// Secrets from the environment.
    pub secrets: Secrets,
    /// The core client, in direct mode with the server's key.
    pub stripe: Arc<CheckoutClient>,
    /// App-token checks.
    pub auth: http::auth::Authenticator,
    /// Per-user rate limiting.
    pub limiter: http::rate_limit::RateLimiter,
    /// Per-address rate limiting before authentication (API routes).
    pub address_limiter: http::rate_limit::RateLimiter<IpAddr>,
    /// Per-address rate limiting of webhook deliveries.
    pub webhook_limiter: http::rate_limit::RateLimiter<IpAddr>,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: http::client_addr::TrustedProxies,
    /// The webhook endpoint's verifier, when `STRIPE_WEBHOOK_SECRET` is set.
    pub webhook: Option<Arc<wire::webhook::WebhookVerifier>>,
    /// Bounds the HMACs running at once on the blocking pool (one per core).
    pub webhook_slots: Arc<tokio::sync::Semaphore>,
    /// The webhook event log.
    pub events: EventLog,
    /// Sessions, fulfilments and their outbox.
    pub fulfilments: Arc<fulfilment::fulfil::Fulfilments>,
    /// The validated `[links]` section (return page and association files), if configured.
    pub links: Option<Arc<links::config::Links>>,
    /// Which session each return link's state belongs to.
    pub return_links: store::return_links::ReturnLinks,
    /// Per-address limit of return page views.
    pub page_limiter: http::rate_limit::RateLimiter<IpAddr>,
    /// The association files, rendered once.
    pub well_known: links::well_known::WellKnown,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<telemetry::metrics::Metrics>,
    /// The last `/readyz` answer.
    pub readiness: http::health::ReadinessCache,
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
        let ledger = store::ledger::Ledger::open(&config.database_url).await?;
        let fulfilments = Arc::new(fulfilment::fulfil::Fulfilments::new(
            ledger,
            stripe.clone(),
            i64::try_from(config.reconcile_interval_ms).unwrap_or(i64::MAX),
        ));
        let return_links = store::return_links::ReturnLinks::open(&events).await?;
        let links = config.links()?.map(Arc::new);
        let webhook = match secrets.webhook_secret.as_deref() {
            Some(s) => Some(Arc::new(
                wire::webhook::WebhookVerifier::new(s, wire::webhook::DEFAULT_TOLERANCE_SECS).map_err(|e| e.to_string())?,
            )),
            None => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Arc::new(AppState {
            auth: http::auth::Authenticator::new(&config.app_tokens),
            limiter: http::rate_limit::RateLimiter::new(config.rate_limit_per_minute),
            address_limiter: http::rate_limit::RateLimiter::new(config.address_rate_limit_per_minute),
            webhook_limiter: http::rate_limit::RateLimiter::new(config.webhook_rate_limit_per_minute),
            proxies: http::client_addr::TrustedProxies::parse(&config.trusted_proxies)?,
            webhook,
            webhook_slots: Arc::new(tokio::sync::Semaphore::new(cores)),
            page_limiter: http::rate_limit::RateLimiter::new(links.as_ref().map_or(1, |l| l.page_rate_limit_per_minute)),
            well_known: links::well_known::WellKnown::new(links.as_deref()),
            links,
            return_links,
            metrics: Arc::new(telemetry::metrics::Metrics::default()),
            readiness: http::health::ReadinessCache::default(),
            config,
            secrets,
            stripe,
            events,
            fulfilments,
        }))
    }
}

/// Where Stripe delivers webhooks.
pub const WEBHOOK_PATH: &str = "/webhooks/stripe";

/// The router with every route, the per-address rate limit, the per-request timeout and the
/// access log. Serve it with [`http::serve::serve`] (which [`spawn`] uses): the per-address limit
/// reads the peer from `ConnectInfo<SocketAddr>`, and without it every client would share one
/// bucket.
pub fn router(state: Arc<AppState>) -> Router {
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    let mut app = Router::new();
    if let Some(links) = state.links.clone() {
        app = app
            .route(&format!("{}/success", links.path), get(links::return_page::success))
            .route(&format!("{}/cancel", links.path), get(links::return_page::cancel));
    }
    let metrics = state.metrics.clone();
    app.route("/v1/checkout/sessions", post(http::sessions::create))
        .route("/v1/checkout/sessions/{id}", get(http::sessions::retrieve))
        .route("/v1/checkout/sessions/{id}/expire", post(http::sessions::expire))
        .route("/v1/checkout/sessions/{id}/line_items", get(http::sessions::line_items))
        .route(WEBHOOK_PATH, post(http::sessions::webhook))
        .route("/v1/purchases", get(fulfilment::purchase::list))
        .route(
            links::well_known::AASA_PATH,
            get(|State(s): State<Arc<AppState>>| async move { s.well_known.aasa_response() }),
        )
        .route(
            links::well_known::ASSETLINKS_PATH,
            get(|State(s): State<Arc<AppState>>| async move { s.well_known.assetlinks_response() }),
        )
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .fallback(|| async {
            http::error::ApiError::new(404, "invalid_request_error", "Unrecognized request URL.", None, None)
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_by_address))
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| {
            access_log(req, next, timeout, metrics.clone())
        }))
        .with_state(state)
}

/// The per-address limit, before anything else looks at the request (authentication
/// included): webhook deliveries and API calls have separate buckets.
async fn limit_by_address(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let client = client_key(&state, &req);
    let (limiter, bucket) = if req.uri().path() == WEBHOOK_PATH {
        (&state.webhook_limiter, "webhook_address")
    } else {
        (&state.address_limiter, "address")
    };
    if !limiter.allow(&client) {
        state.metrics.rate_limited(bucket);
        tracing::warn!(client = %client, path = %req.uri().path(), "rate limited by address");
        return http::error::ApiError::rate_limited("Too many requests from this address.").into_response();
    }
    next.run(req).await
}

/// The rate-limit key of the client that sent `req`: its address (IPv6 by /64), believing
/// `X-Forwarded-For` only from trusted proxies.
pub(crate) fn client_key(state: &AppState, req: &Request) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    http::client_addr::rate_key(state.proxies.client(peer, req.headers()))
}

/// Bounds each request, counts it by route template and status, and logs method, path (never
/// the query: return links carry their state there), status and duration (never headers or
/// bodies).
async fn access_log(req: Request, next: Next, timeout: Duration, metrics: Arc<telemetry::metrics::Metrics>) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = std::time::Instant::now();
    let resp = match tokio::time::timeout(timeout + Duration::from_secs(1), next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            http::error::ApiError::new(504, "api_error", "The request took too long.", None, None).into_response()
        }
    };
    let took = started.elapsed();
    metrics.request(&route, resp.status().as_u16(), took);
    tracing::info!(%method, %path, status = resp.status().as_u16(), ms = took.as_millis() as u64, "request");
    resp
}

/// A running server (for tests and the demo): stops when dropped or on [`RunningServer::shutdown`].
pub struct RunningServer {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The state, for inspecting the event log in tests.
    pub state: Arc<AppState>,
    /// The outbox and reconciliation tasks (aborted when the server is dropped).
    workers: fulfilment::fulfil::Workers,
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
pub async fn spawn(config: ServerConfig, secrets: Secrets) -> Result<RunningServer, String> {
    spawn_with_sink(config, secrets, None).await
}

/// [`spawn`], delivering fulfilments to `sink` instead of `fulfilment_url` when one is given:
/// for Rust programs that embed the server and grant entitlements in-process.
pub async fn spawn_with_sink(
    config: ServerConfig,
    secrets: Secrets,
    sink: Option<Arc<dyn fulfilment::outbox::FulfilmentSink>>,
) -> Result<RunningServer, String> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    serve_on(listener, config, secrets, sink).await
}

/// Serves on an already bound `listener` (`config.listen` is ignored), for callers that need
/// the port before writing the configuration (a return base on loopback names it).
pub async fn spawn_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    secrets: Secrets,
) -> Result<RunningServer, String> {
    serve_on(listener, config, secrets, None).await
}

/// Where fulfilments go: the embedder's sink, else `fulfilment_url` signed with the secret from
/// the environment (required then), else nowhere (recorded, not delivered).
fn fulfilment_sink(
    config: &ServerConfig,
    secrets: &Secrets,
    sink: Option<Arc<dyn fulfilment::outbox::FulfilmentSink>>,
) -> Result<Option<Arc<dyn fulfilment::outbox::FulfilmentSink>>, String> {
    match (sink, config.fulfilment_url.as_deref()) {
        (Some(s), _) => Ok(Some(s)),
        (None, Some(url)) => {
            let secret = secrets
                .fulfilment_secret
                .as_deref()
                .filter(|s| s.len() >= config::MIN_FULFILMENT_SECRET_BYTES)
                .ok_or_else(|| {
                    format!(
                        "fulfilment_url is set: {} must hold a secret of at least {} bytes",
                        config::FULFILMENT_SECRET_ENV,
                        config::MIN_FULFILMENT_SECRET_BYTES
                    )
                })?;
            let timeout = Duration::from_millis(config.fulfilment_timeout_ms);
            Ok(Some(Arc::new(fulfilment::outbox::HttpSink::new(url, secret, timeout)?)))
        }
        (None, None) => Ok(None),
    }
}

async fn serve_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    secrets: Secrets,
    sink: Option<Arc<dyn fulfilment::outbox::FulfilmentSink>>,
) -> Result<RunningServer, String> {
    let sink = fulfilment_sink(&config, &secrets, sink)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_listener = match &config.metrics_listen {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .map_err(|e| format!("cannot listen on {a} (metrics_listen): {e}"))?,
        ),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr().map_err(|e| e.to_string())?),
        None => None,
    };
    let state = AppState::new(config, secrets).await?;
    let app = router(state.clone());
    let c = &state.config;
    let limits = http::serve::ConnectionLimits {
        max_connections: c.max_connections,
        header_read_timeout: Duration::from_millis(c.header_read_timeout_ms),
        max_header_bytes: c.max_header_bytes,
        keep_alive: c.keep_alive,
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut tasks = vec![tokio::spawn(http::serve::serve(listener, app, limits, stopped(rx.clone())))];
    if let Some(l) = metrics_listener {
        let ops = ops_router(state.clone());
        let limits = http::serve::ConnectionLimits {
            max_connections: 16,
            ..limits
        };
        tasks.push(tokio::spawn(http::serve::serve(l, ops, limits, stopped(rx))));
    }
    let workers = fulfilment::fulfil::Workers::start(&state.fulfilments, &state.config, sink)?;
    Ok(RunningServer {
        addr,
        metrics_addr,
        stop: Some(tx),
        tasks,
        state,
        workers,
    })
}

/// The metrics listener's router: `GET /metrics` (and the health checks, for probes that
/// should not go through the public port).
pub fn ops_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .with_state(state)
}

async fn metrics_handler(State(state): State<Arc<AppState>>) -> Response {
    let mut gauges = vec![telemetry::metrics::Gauge {
        name: "checkout_bridge_rate_limit_tracked_keys",
        help: "Keys (users or addresses) with a rate-limit bucket, by limiter.",
        labels: vec![("limiter", "address".into())],
        value: state.address_limiter.tracked() as f64,
    }];
    gauges.extend(state.fulfilments.scrape().await);
    let body = state.metrics.render(&gauges);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
