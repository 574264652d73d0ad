//! Server configuration: a TOML file for policy, the environment for secrets.
//!
//! The Stripe key and the webhook secret are read only from the environment
//! (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`), never from the file, and never printed:
//! [`Secrets`] has a redacting `Debug`.

use serde::Deserialize;

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
    /// Whether a connection may carry several requests.
    #[serde(default = "default_keep_alive")]
    pub keep_alive: bool,
}

/// One app user's token, stored as a hash so the file itself is not a credential.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppToken {
    /// The app user ID; forced into `client_reference_id` of every session they create.
    pub user: String,
    /// Lowercase hex SHA-256 of the bearer token.
    pub sha256: String,
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
fn default_keep_alive() -> bool {
    true
}

impl ServerConfig {
    /// Parses the TOML text.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let c: ServerConfig = toml::from_str(text).map_err(|e| format!("invalid configuration: {e}"))?;
        for t in &c.app_tokens {
            if crate::hex::decode32(t.sha256.as_bytes()).is_none() {
                return Err(format!(
                    "app_tokens: the sha256 for user `{}` is not 64 hex characters",
                    t.user
                ));
            }
        }
        crate::client_addr::TrustedProxies::parse(&c.trusted_proxies)?;
        c.policy.validate()?;
        if c.max_connections == 0 || c.header_read_timeout_ms == 0 || c.max_header_bytes < 1024 {
            return Err(
                "max_connections and header_read_timeout_ms must be positive, max_header_bytes at least 1024".into(),
            );
        }
        Ok(c)
    }
}

/// Secrets from the environment.
#[derive(Clone)]
pub struct Secrets {
    /// The Stripe secret or restricted key.
    pub stripe_secret_key: String,
    /// The webhook endpoint's signing secret, if webhooks are enabled.
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("stripe_secret_key", &"[redacted]")
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Secrets {
    /// Reads `STRIPE_SECRET_KEY` (required) and `STRIPE_WEBHOOK_SECRET` (optional).
    pub fn from_env() -> Result<Self, String> {
        let stripe_secret_key = std::env::var("STRIPE_SECRET_KEY")
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or("STRIPE_SECRET_KEY is not set (the key is read from the environment only)")?;
        let webhook_secret = std::env::var("STRIPE_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty());
        Ok(Secrets {
            stripe_secret_key,
            webhook_secret,
        })
    }
}

/// Lowercase hex SHA-256 of `token`: what goes into `app_tokens[].sha256`.
pub fn token_hash(token: &str) -> String {
    crate::hex::encode(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref())
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
    fn the_example_configuration_parses() {
        let c = ServerConfig::from_toml(include_str!("../server.example.toml")).expect("example");
        assert_eq!(c.policy.modes.allowed, vec!["payment".to_owned()]);
        assert_eq!(c.policy.return_urls.allowed.len(), 2);
    }

    #[test]
    fn secrets_debug_is_redacted() {
        let s = Secrets {
            stripe_secret_key: "sk_test_SECRET".into(),
            webhook_secret: Some("whsec_SECRET".into()),
        };
        assert!(!format!("{s:?}").contains("SECRET"));
    }
}
