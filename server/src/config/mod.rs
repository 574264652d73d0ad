//! Server configuration: a TOML file for policy, the environment for secrets.
//!
//! The Stripe key and the webhook secret are read only from the environment
//! (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`), never from the file, and never printed:
//! [`Secrets`] has a redacting `Debug`.

use serde::Deserialize;

pub use crate::base::config_error::ConfigError;
pub use crate::policy::Policy;

/// Everything from the TOML file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Stripe's API, or an emulator in tests.
    #[serde(default = "default_upstream")]
    pub upstream_base_url: String,
    /// App users and the SHA-256 (hex) of their bearer tokens.
    #[serde(default)]
    pub app_tokens: Vec<AppToken>,
    /// What apps may ask for.
    #[serde(default)]
    pub policy: Policy,
    /// `sqlite://path` (default `sqlite://checkout-bridge-events.db`) or `postgres://…`.
    #[serde(default = "default_database")]
    pub database_url: String,
    /// Requests per minute per app user (after authentication).
    #[serde(default = "default_rate")]
    pub rate_limit_per_minute: u32,
    /// Requests per minute per client address, before authentication, on every route but the
    /// webhook (so failed tokens are limited too). IPv6 clients are counted by their /64.
    #[serde(default = "default_address_rate")]
    pub address_rate_limit_per_minute: u32,
    /// Webhook deliveries per minute per client address (Stripe retries a 429 later).
    #[serde(default = "default_webhook_rate")]
    pub webhook_rate_limit_per_minute: u32,
    /// Proxies (addresses or blocks such as `10.0.0.0/8`) whose `X-Forwarded-For` is believed;
    /// empty (the default): the TCP peer is the client and the header is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Upper bound on handling one request, including the call to Stripe.
    #[serde(default = "default_timeout")]
    pub request_timeout_ms: u64,
    /// Largest request body accepted.
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers); larger ones get 431.
    #[serde(default = "default_header_bytes")]
    pub max_header_bytes: usize,
    /// Time a connection has to send each complete request head, from accept or from the
    /// previous response (slowloris and idle keep-alive connections are closed then).
    #[serde(default = "default_header_timeout")]
    pub header_read_timeout_ms: u64,
    /// Connections served at once; more wait in the listen queue.
    #[serde(default = "default_connections")]
    pub max_connections: usize,
    /// Connections one client address (IPv6 by /64) may hold open at once, counted at accept
    /// before any byte is read; more are closed at once. Connections from `trusted_proxies`
    /// are not counted (they carry many clients).
    #[serde(default = "default_connections_per_address")]
    pub max_connections_per_address: usize,
    /// The header read timeout of connections accepted while three quarters of
    /// `max_connections` are in use (idle and slow clients then lose their slot sooner).
    #[serde(default = "default_pressure_header_timeout")]
    pub pressure_header_timeout_ms: u64,
    /// Time a request body has to arrive completely, counted from the end of its head; apart
    /// from `request_timeout_ms`, which bounds the handler.
    #[serde(default = "default_body_read_timeout")]
    pub body_read_timeout_ms: u64,
    /// Whether a connection may carry several requests.
    #[serde(default = "default_keep_alive")]
    pub keep_alive: bool,
    /// Where each fulfilment, refund and dispute is POSTed, signed with
    /// `CHECKOUT_BRIDGE_FULFILMENT_SECRET` (see [`crate::fulfilment::outbox`]); https, or http on loopback.
    /// Unset: fulfilments are recorded (and listed by `GET /v1/purchases`) but not delivered.
    #[serde(default)]
    pub fulfilment_url: Option<String>,
    /// Longest one delivery attempt may take.
    #[serde(default = "default_fulfilment_timeout")]
    pub fulfilment_timeout_ms: u64,
    /// Delivery attempts in flight at once per instance.
    #[serde(default = "default_fulfilment_concurrency")]
    pub fulfilment_concurrency: usize,
    /// First retry delay after a failed delivery; it doubles per failure.
    #[serde(default = "default_retry_initial")]
    pub fulfilment_retry_initial_ms: u64,
    /// Longest retry delay; deliveries are retried at this pace until they succeed.
    #[serde(default = "default_retry_max")]
    pub fulfilment_retry_max_ms: u64,
    /// How often an instance looks for due deliveries it was not told about (other instances'
    /// rows, retries).
    #[serde(default = "default_outbox_poll")]
    pub outbox_poll_interval_ms: u64,
    /// First reconciliation check of a new session after its creation, and the smallest gap
    /// between checks; 0 turns reconciliation off.
    #[serde(default = "default_reconcile")]
    pub reconcile_interval_ms: u64,
    /// Largest gap between two reconciliation checks of one session.
    #[serde(default = "default_reconcile_max")]
    pub reconcile_max_interval_ms: u64,
    /// Most reconciliation checks per minute per instance (each is a call or two to Stripe);
    /// sessions someone showed interest in go first.
    #[serde(default = "default_reconcile_budget")]
    pub reconcile_max_checks_per_minute: u32,
    /// Sessions one app user may have open at once; creating one more is refused with 400
    /// `too_many_open_sessions` until one is paid, expired (the app's cancel expires it) or
    /// past its `expires_at`.
    #[serde(default = "default_open_sessions")]
    pub max_open_sessions_per_user: u32,
    /// Where Prometheus metrics are served (`GET /metrics`), e.g. `127.0.0.1:9464`; unset: not
    /// served. A separate listener, so it can stay on a private interface.
    #[serde(default)]
    pub metrics_listen: Option<String>,
    /// `text` (default) or `json` (one JSON object per line) for the logs on stderr.
    #[serde(default)]
    pub log_format: LogFormat,
    /// The https return page and the association files; unset: neither is served.
    #[serde(default)]
    pub links: Option<crate::links::config::LinksConfig>,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// One app user's token, stored as a hash so the file itself is not a credential.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppToken {
    /// The app user ID; forced into `client_reference_id` of every session they create.
    pub user: String,
    /// Lowercase hex SHA-256 of the bearer token.
    pub sha256: String,
    /// The user's Stripe Customer (`cus_…`), forced into `customer` of every session they
    /// create (saved payment methods, `customer_update`); unset: no customer, and the app may
    /// send `customer_email`. An app can never choose `customer` itself.
    #[serde(default)]
    pub customer: Option<String>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_upstream() -> String {
    checkout_bridge::STRIPE_API_BASE.into()
}
fn default_database() -> String {
    "sqlite://checkout-bridge-events.db".into()
}
fn default_rate() -> u32 {
    120
}
fn default_address_rate() -> u32 {
    600
}
fn default_webhook_rate() -> u32 {
    600
}
fn default_timeout() -> u64 {
    30_000
}
fn default_body() -> usize {
    64 * 1024
}
fn default_header_bytes() -> usize {
    16 * 1024
}
fn default_header_timeout() -> u64 {
    10_000
}
fn default_connections() -> usize {
    1024
}
fn default_connections_per_address() -> usize {
    32
}
fn default_pressure_header_timeout() -> u64 {
    1_000
}
fn default_body_read_timeout() -> u64 {
    10_000
}
fn default_reconcile_budget() -> u32 {
    600
}
fn default_open_sessions() -> u32 {
    20
}
fn default_keep_alive() -> bool {
    true
}
fn default_fulfilment_timeout() -> u64 {
    10_000
}
fn default_fulfilment_concurrency() -> usize {
    16
}
fn default_retry_initial() -> u64 {
    1_000
}
fn default_retry_max() -> u64 {
    3_600_000
}
fn default_outbox_poll() -> u64 {
    1_000
}
fn default_reconcile() -> u64 {
    60_000
}
fn default_reconcile_max() -> u64 {
    900_000
}

/// `fulfilment_url` must be https, or http to a loopback host (a local relay), without
/// credentials or a fragment: the body carries customer details.
fn check_fulfilment_url(raw: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| ConfigError::setting("fulfilment_url", format!("not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if loopback => {}
        _ => {
            return Err(ConfigError::setting(
                "fulfilment_url",
                "must be https (http only to a loopback host)",
            ))
        }
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(ConfigError::setting(
            "fulfilment_url",
            "must not carry credentials or a fragment",
        ));
    }
    Ok(())
}

impl ServerConfig {
    /// Parses the TOML text.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let c: ServerConfig = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        for t in &c.app_tokens {
            if crate::base::digest::decode32(t.sha256.as_bytes()).is_none() {
                return Err(ConfigError::setting(
                    "app_tokens",
                    format!("the sha256 for user `{}` is not 64 hex characters", t.user),
                ));
            }
            if t.customer.as_deref().is_some_and(|c| {
                !c.starts_with("cus_") || c.len() > 255 || c.bytes().any(|b| !b.is_ascii_alphanumeric() && b != b'_')
            }) {
                return Err(ConfigError::setting(
                    "app_tokens",
                    format!(
                        "the customer for user `{}` must be a Stripe Customer ID (cus_…)",
                        t.user
                    ),
                ));
            }
        }
        crate::http::client_addr::TrustedProxies::parse(&c.trusted_proxies)?;
        c.policy.validate()?;
        if c.max_connections == 0 || c.header_read_timeout_ms == 0 || c.max_header_bytes < 1024 {
            return Err(ConfigError::setting(
                "max_connections, header_read_timeout_ms, max_header_bytes",
                "max_connections and header_read_timeout_ms must be positive, max_header_bytes at least 1024",
            ));
        }
        if c.max_connections_per_address == 0 || c.max_connections_per_address > c.max_connections {
            return Err(ConfigError::setting(
                "max_connections_per_address",
                "must be 1 to max_connections",
            ));
        }
        if c.pressure_header_timeout_ms == 0 || c.pressure_header_timeout_ms > c.header_read_timeout_ms {
            return Err(ConfigError::setting(
                "pressure_header_timeout_ms",
                "must be positive and at most header_read_timeout_ms",
            ));
        }
        if c.body_read_timeout_ms == 0 {
            return Err(ConfigError::setting("body_read_timeout_ms", "must be positive"));
        }
        if c.reconcile_max_checks_per_minute == 0 || c.max_open_sessions_per_user == 0 {
            return Err(ConfigError::setting(
                "reconcile_max_checks_per_minute, max_open_sessions_per_user",
                "must be positive",
            ));
        }
        if let Some(u) = &c.fulfilment_url {
            check_fulfilment_url(u)?;
        }
        if c.fulfilment_timeout_ms == 0
            || c.fulfilment_concurrency == 0
            || c.fulfilment_concurrency > 1024
            || c.fulfilment_retry_initial_ms == 0
            || c.fulfilment_retry_max_ms < c.fulfilment_retry_initial_ms
            || c.outbox_poll_interval_ms == 0
        {
            return Err(ConfigError::setting("fulfilment_*", "fulfilment_timeout_ms, fulfilment_retry_initial_ms and outbox_poll_interval_ms must be positive, fulfilment_concurrency 1 to 1024, fulfilment_retry_max_ms at least fulfilment_retry_initial_ms"));
        }
        if c.reconcile_interval_ms > 0 && c.reconcile_max_interval_ms < c.reconcile_interval_ms {
            return Err(ConfigError::setting(
                "reconcile_max_interval_ms",
                "must be at least reconcile_interval_ms",
            ));
        }
        c.links()?;
        Ok(c)
    }
}

impl ServerConfig {
    /// The validated `[links]` section, if any.
    ///
    /// # Errors
    ///
    /// A message naming the offending field (`links.android_apps[0].sha256_cert_fingerprints[1]: …`).
    pub fn links(&self) -> Result<Option<crate::links::config::Links>, ConfigError> {
        self.links
            .as_ref()
            .map(|l| l.validate(&self.policy.return_urls.allowed))
            .transpose()
    }
}

/// Secrets from the environment.
#[derive(Clone)]
pub struct Secrets {
    /// The Stripe secret or restricted key.
    pub stripe_secret_key: String,
    /// The webhook endpoint's signing secret, if webhooks are enabled.
    pub webhook_secret: Option<String>,
    /// The key signing deliveries to `fulfilment_url` (`CHECKOUT_BRIDGE_FULFILMENT_SECRET`).
    pub fulfilment_secret: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("stripe_secret_key", &"[redacted]")
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "[redacted]"))
            .field(
                "fulfilment_secret",
                &self.fulfilment_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl Secrets {
    /// Reads `STRIPE_SECRET_KEY` (required), `STRIPE_WEBHOOK_SECRET` and
    /// `CHECKOUT_BRIDGE_FULFILMENT_SECRET` (optional).
    pub fn from_env() -> Result<Self, ConfigError> {
        let stripe_secret_key = std::env::var("STRIPE_SECRET_KEY")
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or(ConfigError::Environment {
                variable: "STRIPE_SECRET_KEY",
                reason: "is not set (the key is read from the environment only)".into(),
            })?;
        let webhook_secret = std::env::var("STRIPE_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty());
        let fulfilment_secret = std::env::var(FULFILMENT_SECRET_ENV).ok().filter(|s| !s.is_empty());
        Ok(Secrets {
            stripe_secret_key,
            webhook_secret,
            fulfilment_secret,
        })
    }
}

/// The environment variable holding the fulfilment signing secret.
pub const FULFILMENT_SECRET_ENV: &str = "CHECKOUT_BRIDGE_FULFILMENT_SECRET";

/// Shortest fulfilment secret accepted: 32 bytes, the length of the HMAC-SHA256 key that
/// `openssl rand -hex 32` (64 characters) comfortably exceeds.
pub const MIN_FULFILMENT_SECRET_BYTES: usize = 32;

/// Lowercase hex SHA-256 of `token`: what goes into `app_tokens[].sha256`.
pub fn token_hash(token: &str) -> String {
    crate::base::digest::sha256_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_bad_hashes_and_unknown_keys() {
        let ok = format!(
            "listen = \"127.0.0.1:0\"\n[[app_tokens]]\nuser = \"alice\"\nsha256 = \"{}\"\n[policy.prices]\nallowed = [\"price_1\"]\n",
            token_hash("t")
        );
        let c = ServerConfig::from_toml(&ok).expect("valid");
        assert_eq!(c.app_tokens[0].user, "alice");
        assert!(ServerConfig::from_toml("[[app_tokens]]\nuser = \"a\"\nsha256 = \"xyz\"\n").is_err());
        // A key in the file is an unknown field: refused, so nobody is tempted to put it there.
        assert!(ServerConfig::from_toml("stripe_secret_key = \"sk_test_x\"\n").is_err());
    }

    #[test]
    fn fulfilment_urls_must_be_https_or_loopback_without_credentials() {
        let parse = |u: &str| ServerConfig::from_toml(&format!("fulfilment_url = \"{u}\"\n"));
        for ok in [
            "https://orders.shop.example/fulfil",
            "http://127.0.0.1:9000/hook",
            "http://[::1]:9000/",
            "http://localhost/x",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://orders.shop.example/fulfil",
            "http://10.0.0.1/x",
            "https://user:pw@orders.shop.example/",
            "https://orders.shop.example/#frag",
            "ftp://orders.shop.example/",
            "not a url",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(ServerConfig::from_toml("fulfilment_concurrency = 0\n").is_err());
        assert!(ServerConfig::from_toml("fulfilment_retry_initial_ms = 5000\nfulfilment_retry_max_ms = 10\n").is_err());
        assert!(ServerConfig::from_toml("reconcile_interval_ms = 1000\nreconcile_max_interval_ms = 10\n").is_err());
        assert!(ServerConfig::from_toml("reconcile_interval_ms = 0\n").is_ok());
    }

    #[test]
    fn the_example_configuration_parses() {
        let c = ServerConfig::from_toml(include_str!("../../server.example.toml")).expect("example");
        assert_eq!(c.policy.modes.allowed, vec!["payment".to_owned()]);
        assert_eq!(c.policy.return_urls.allowed.len(), 2);
        let links = c.links().expect("links").expect("configured");
        assert_eq!(links.path, "/checkout");
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn secrets_debug_is_redacted() {
        let s = Secrets {
            stripe_secret_key: "sk_test_SECRET".into(),
            webhook_secret: Some("whsec_SECRET".into()),
            fulfilment_secret: Some("fulfilment_SECRET".into()),
        };
        assert!(!format!("{s:?}").contains("SECRET"));
    }
}
