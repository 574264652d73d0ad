//! The shared state of one server instance: every part, built once from the configuration and
//! handed to each request handler.

use std::net::IpAddr;
use std::sync::Arc;

use checkout_bridge::{CheckoutClient, CheckoutError, ClientConfig, Credential};

use crate::config::{ConfigError, Secrets, ServerConfig};
use crate::fulfilment::error::FulfilmentError;
use crate::fulfilment::fulfil::Fulfilments;
use crate::http::auth::Authenticator;
use crate::http::client_addr::TrustedProxies;
use crate::http::rate_limit::RateLimiter;
use crate::http::readiness::ReadinessCache;
use crate::links::config::Links;
use crate::links::well_known::WellKnown;
use crate::store::events::EventLog;
use crate::store::return_links::ReturnLinks;
use crate::store::{Store, StoreError};
use crate::telemetry::metrics::Metrics;
use crate::wire::webhook::{WebhookError, WebhookVerifier, DEFAULT_TOLERANCE_SECS};

/// Shared state of one server instance.
pub struct AppState {
    /// The parsed configuration.
    pub config: ServerConfig,
    /// Secrets from the environment.
    pub secrets: Secrets,
    /// The core client, in direct mode with the server's key.
    pub stripe: Arc<CheckoutClient>,
    /// App-token checks.
    pub auth: Authenticator,
    /// Per-user rate limiting.
    pub limiter: RateLimiter,
    /// Per-address rate limiting before authentication (API routes).
    pub address_limiter: RateLimiter<IpAddr>,
    /// Per-address rate limiting of webhook deliveries.
    pub webhook_limiter: RateLimiter<IpAddr>,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    /// The webhook endpoint's verifier, when `STRIPE_WEBHOOK_SECRET` is set.
    pub webhook: Option<Arc<WebhookVerifier>>,
    /// Bounds the HMACs running at once on the blocking pool (one per core).
    pub webhook_slots: Arc<tokio::sync::Semaphore>,
    /// The database (every table is behind it).
    pub store: Store,
    /// The webhook event log.
    pub events: EventLog,
    /// Sessions, fulfilments and their outbox.
    pub fulfilments: Arc<Fulfilments>,
    /// The validated `[links]` section (return page and association files), if configured.
    pub links: Option<Arc<Links>>,
    /// Which session each return link's state belongs to.
    pub return_links: ReturnLinks,
    /// Per-address limit of return page views.
    pub page_limiter: RateLimiter<IpAddr>,
    /// The association files, rendered once.
    pub well_known: WellKnown,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The last `/readyz` answer.
    pub readiness: ReadinessCache,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration or the environment is refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database cannot be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The client towards Stripe cannot be built from `upstream_base_url`.
    #[error("invalid upstream configuration: {0}")]
    Upstream(#[source] CheckoutError),
    /// `STRIPE_WEBHOOK_SECRET` cannot be used.
    #[error("STRIPE_WEBHOOK_SECRET: {0}")]
    Webhook(#[from] WebhookError),
    /// A listening address cannot be bound.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The configured address (and which key, for the metrics listener).
        address: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The fulfilment workers or their delivery target cannot be set up.
    #[error(transparent)]
    Fulfilment(#[from] FulfilmentError),
}

impl AppState {
    /// Builds the state: the core client against `upstream_base_url`, the store (migrated), and
    /// every part over them.
    ///
    /// # Errors
    ///
    /// What could not be built.
    pub async fn new(config: ServerConfig, secrets: Secrets) -> Result<Arc<Self>, StartError> {
        let mut client_config = ClientConfig::new(Credential::secret_key(&secrets.stripe_secret_key))
            .with_base_url(config.upstream_base_url.clone());
        client_config.timeout_ms = i64::try_from(config.request_timeout_ms).unwrap_or(i64::MAX).max(1);
        let stripe = CheckoutClient::new(client_config).map_err(StartError::Upstream)?;
        let store = Store::open(&config.database_url).await?;
        let fulfilments = Arc::new(
            Fulfilments::new(
                store.ledger(),
                stripe.clone(),
                i64::try_from(config.reconcile_interval_ms).unwrap_or(i64::MAX),
            )
            .with_free_orders(config.policy.prices.allow_free_orders),
        );
        let links = config.links()?.map(Arc::new);
        let webhook = match secrets.webhook_secret.as_deref() {
            Some(s) => Some(Arc::new(WebhookVerifier::new(s, DEFAULT_TOLERANCE_SECS)?)),
            None => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Arc::new(AppState {
            auth: Authenticator::new(&config.app_tokens),
            limiter: RateLimiter::new(config.rate_limit_per_minute),
            address_limiter: RateLimiter::new(config.address_rate_limit_per_minute),
            webhook_limiter: RateLimiter::new(config.webhook_rate_limit_per_minute),
            proxies: TrustedProxies::parse(&config.trusted_proxies)?,
            webhook,
            webhook_slots: Arc::new(tokio::sync::Semaphore::new(cores)),
            page_limiter: RateLimiter::new(links.as_ref().map_or(1, |l| l.page_rate_limit_per_minute)),
            well_known: WellKnown::new(links.as_deref()),
            links,
            return_links: store.return_links(),
            events: store.events(),
            store,
            metrics: Arc::new(Metrics::default()),
            readiness: ReadinessCache::default(),
            config,
            secrets,
            stripe,
            fulfilments,
        }))
    }
}
