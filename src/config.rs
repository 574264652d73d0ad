//! Client configuration and the rules a configuration must pass before any request is sent.

use crate::error::CheckoutError;
use url::{Host, Url};

/// Stripe's API base URL, the default for [`ClientConfig::base_url`].
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// The `Stripe-Version` this library's models are written against.
///
/// Pinned so that a change of the account's default API version on Stripe's dashboard cannot
/// change the shape of responses under a shipped app. 2026-11-18.endive is the newest version
/// Stripe's changelog lists ("2026-11-18.endive" on <https://docs.stripe.com/changelog>); the
/// endive major release began at 2026-09-30.endive, which removed `payment_method_types` from
/// Checkout Session create and added `allowed_payment_method_types`
/// (<https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>),
/// and "monthly releases include only backward-compatible changes" (<https://docs.stripe.com/upgrades>),
/// so the later endive months (2026-10-28: `payment_intent_data` on session *update*, which
/// this library does not call) change nothing the models rely on.
pub const PINNED_STRIPE_VERSION: &str = "2026-11-18.endive";

/// Default per-attempt timeout, as Stripe's official SDKs use.
pub const DEFAULT_TIMEOUT_MS: i64 = 80_000;

/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: i32 = 2;

/// How the client authenticates.
///
/// `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Credential {
    /// Talk to Stripe directly with a secret (`sk_…`) or restricted (`rk_…`) key.
    /// For servers, tools, tests and test-mode prototypes; live keys are refused on Android and iOS.
    SecretKey {
        /// The key. Never logged or shown.
        key: String,
    },
    /// Talk to your own backend (see `server/`), which holds the Stripe key and enforces policy.
    /// The token authenticates the app user to that backend.
    Backend {
        /// The app user's bearer token. Never logged or shown.
        bearer_token: String,
    },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::SecretKey { key } => f
                .debug_struct("SecretKey")
                .field("kind", &key_kind(key))
                .finish_non_exhaustive(),
            Credential::Backend { .. } => f.debug_struct("Backend").finish_non_exhaustive(),
        }
    }
}

impl Credential {
    /// The string sent after `Bearer `.
    pub(crate) fn secret(&self) -> &str {
        match self {
            Credential::SecretKey { key } => key,
            Credential::Backend { bearer_token } => bearer_token,
        }
    }
}

/// A non-secret description of a key, safe to print: `"secret key (test)"` and the like.
fn key_kind(key: &str) -> &'static str {
    match key.get(..8) {
        Some("sk_test_") => "secret key (test)",
        Some("sk_live_") => "secret key (live)",
        Some("rk_test_") => "restricted key (test)",
        Some("rk_live_") => "restricted key (live)",
        _ => "unrecognised key",
    }
}

/// Everything a [`crate::CheckoutClient`] needs.
///
/// ```
/// use checkout_bridge::{ClientConfig, Credential};
/// let config = ClientConfig::new(Credential::SecretKey { key: "sk_test_123".into() });
/// assert_eq!(config.base_url, "https://api.stripe.com");
/// assert_eq!(config.max_retries, 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ClientConfig {
    /// `https://api.stripe.com`, your backend's URL, or a loopback emulator (`http://127.0.0.1:…`).
    #[cfg_attr(feature = "ffi", uniffi(default = "https://api.stripe.com"))]
    pub base_url: String,
    /// Secret key (direct mode) or bearer token (backend mode).
    pub credential: Credential,
    /// Overrides the pinned `Stripe-Version`; leave unset unless you know why.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub stripe_version: Option<String>,
    /// `Stripe-Account` for Connect platforms acting on a connected account (`acct_…`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub stripe_account: Option<String>,
    /// Per-attempt timeout in milliseconds.
    #[cfg_attr(feature = "ffi", uniffi(default = 80000))]
    pub timeout_ms: i64,
    /// Retries after the first attempt, for retryable failures only.
    #[cfg_attr(feature = "ffi", uniffi(default = 2))]
    pub max_retries: i32,
}

impl ClientConfig {
    /// A configuration for Stripe's API with the defaults.
    pub fn new(credential: Credential) -> Self {
        ClientConfig {
            base_url: STRIPE_API_BASE.to_owned(),
            credential,
            stripe_version: None,
            stripe_account: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_retries: DEFAULT_MAX_RETRIES,
        }
    }

    /// Same configuration pointed at another base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The `Stripe-Version` that will be sent.
    pub fn effective_stripe_version(&self) -> &str {
        self.stripe_version.as_deref().unwrap_or(PINNED_STRIPE_VERSION)
    }

    /// Checks every rule and returns the parsed base URL.
    pub(crate) fn validate(&self) -> Result<Url, CheckoutError> {
        let base = validate_base_url(&self.base_url)?;
        validate_credential(&self.credential, cfg!(any(target_os = "android", target_os = "ios")))?;
        if let Some(v) = &self.stripe_version {
            if v.is_empty() || v.len() > 64 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
                return Err(CheckoutError::invalid(
                    "stripe_version",
                    "expected a version such as 2026-11-18.endive",
                ));
            }
        }
        if let Some(a) = &self.stripe_account {
            if !a.starts_with("acct_") || a.len() > 255 || !a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(CheckoutError::invalid(
                    "stripe_account",
                    "expected a connected account ID such as acct_123",
                ));
            }
        }
        if self.timeout_ms <= 0 {
            return Err(CheckoutError::invalid("timeout_ms", "must be greater than zero"));
        }
        if !(0..=10).contains(&self.max_retries) {
            return Err(CheckoutError::invalid("max_retries", "must be between 0 and 10"));
        }
        Ok(base)
    }
}

/// `https` anywhere; plain `http` only to loopback (an emulator or a local backend).
pub(crate) fn validate_base_url(raw: &str) -> Result<Url, CheckoutError> {
    let field = "base_url";
    let url = Url::parse(raw).map_err(|e| CheckoutError::invalid(field, format!("not an absolute URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CheckoutError::invalid(field, "must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CheckoutError::invalid(field, "must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(CheckoutError::invalid(
                field,
                "plain http is allowed only for loopback hosts; use https",
            ))
        }
        other => return Err(CheckoutError::invalid(field, format!("unsupported scheme `{other}`"))),
    }
    if url.host().is_none() {
        return Err(CheckoutError::invalid(field, "has no host"));
    }
    Ok(url)
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks a credential the way [`CheckoutClient::new`](crate::CheckoutClient::new) does, with
/// `on_device` saying whether to apply the Android/iOS rule (no live secret or restricted keys).
///
/// The client applies it by itself; this is for checking a shipped configuration ahead of
/// time, e.g. in an app's JVM unit tests or CI, where the code is not running on a device.
///
/// # Errors
///
/// - [`CheckoutError::InvalidInput`] on `credential.key` or `credential.bearer_token`: empty,
///   longer than 4096 bytes, not printable ASCII, a publishable key (`pk_…`), or a key that is
///   neither secret (`sk_…`) nor restricted (`rk_…`).
/// - [`CheckoutError::LiveKeyOnDevice`] when `on_device` and the key is `sk_live_…`/`rk_live_…`.
///
///
/// ```
/// use checkout_bridge::{validate_credential, CheckoutError, Credential};
/// let live = Credential::SecretKey { key: "sk_live_123".into() };
/// assert!(matches!(validate_credential(&live, true), Err(CheckoutError::LiveKeyOnDevice { .. })));
/// assert!(validate_credential(&live, false).is_ok()); // fine on a server
/// ```
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn validate_credential(credential: &Credential, on_device: bool) -> Result<(), CheckoutError> {
    let (field, secret) = match credential {
        Credential::SecretKey { key } => ("credential.key", key.as_str()),
        Credential::Backend { bearer_token } => ("credential.bearer_token", bearer_token.as_str()),
    };
    if secret.is_empty() {
        return Err(CheckoutError::invalid(field, "is empty"));
    }
    if secret.len() > 4096 || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        // No whitespace or control bytes: they would break (or inject into) the header.
        return Err(CheckoutError::invalid(field, "must be printable ASCII without spaces"));
    }
    if let Credential::SecretKey { key } = credential {
        if key.starts_with("pk_") {
            return Err(CheckoutError::invalid(field, "publishable keys (pk_…) cannot create Checkout Sessions; use a secret or restricted key, or backend mode"));
        }
        if !(key.starts_with("sk_") || key.starts_with("rk_")) {
            return Err(CheckoutError::invalid(
                field,
                "expected a secret (sk_…) or restricted (rk_…) key",
            ));
        }
        if on_device && live_key_forbidden(key) {
            return Err(CheckoutError::LiveKeyOnDevice {
                reason: "live secret and restricted keys (sk_live_…, rk_live_…) must not ship in an app; \
                         use a Backend credential and keep the key on your server"
                    .into(),
            });
        }
    }
    Ok(())
}

/// Whether a key is a live secret or restricted key, which must never ship inside an app.
pub fn live_key_forbidden(key: &str) -> bool {
    key.starts_with("sk_live_") || key.starts_with("rk_live_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sk(k: &str) -> Credential {
        Credential::SecretKey { key: k.into() }
    }

    #[test]
    fn base_url_rules() {
        assert!(validate_base_url("https://api.stripe.com").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://127.8.9.1").is_ok());
        assert!(validate_base_url("http://[::1]:9").is_ok());
        assert!(validate_base_url("http://localhost:3000/api").is_ok());
        for bad in [
            "http://api.stripe.com",
            "http://10.0.0.1",
            "ftp://x",
            "api.stripe.com",
            "https://u:p@host",
            "https://h/?q=1",
            "http://127.0.0.1.evil.com",
        ] {
            assert!(
                matches!(validate_base_url(bad), Err(CheckoutError::InvalidInput { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn live_keys_refused_on_device_only() {
        for live in ["sk_live_abc", "rk_live_abc"] {
            assert!(matches!(
                validate_credential(&sk(live), true),
                Err(CheckoutError::LiveKeyOnDevice { .. })
            ));
            assert!(validate_credential(&sk(live), false).is_ok());
        }
        assert!(validate_credential(&sk("sk_test_abc"), true).is_ok());
        assert!(validate_credential(
            &Credential::Backend {
                bearer_token: "sk_live_looks_like_a_key".into()
            },
            true
        )
        .is_ok());
    }

    #[test]
    fn malformed_credentials_are_refused_without_echoing_them() {
        for bad in ["", "pk_test_abc", "hello", "sk_test_a b", "sk_test_\nInjected: 1"] {
            let err = validate_credential(&sk(bad), false).unwrap_err();
            if bad.len() > 3 {
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let cfg = ClientConfig::new(sk("sk_test_SUPERSECRET1234"));
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("SUPERSECRET"), "{dbg}");
        assert!(dbg.contains("secret key (test)"));
        let b = format!(
            "{:?}",
            Credential::Backend {
                bearer_token: "tok_SUPERSECRET".into()
            }
        );
        assert!(!b.contains("SUPERSECRET"), "{b}");
    }
}
