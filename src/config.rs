//! Client configuration and the rules a configuration must pass before any request is sent:
//! the credential (an opaque object that never prints its secret), the base URL, and the rules
//! that differ between a device build and everything else ([`Build`]).

use std::sync::Arc;

use crate::error::CheckoutError;
use url::{Host, Url};

/// Stripe's API base URL, the default for [`ClientConfig::base_url`].
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// The host of Stripe's hosted Checkout page, the only host a session's `url` may name in
/// direct mode.
///
/// Stripe: "If you're using Custom Domains, the URL will use your subdomain. Otherwise, it'll
/// use `checkout.stripe.com`" (`Session.url` in stripe-node's `resources/Checkout/Sessions.ts`;
/// <https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-url>,
/// custom domains: <https://docs.stripe.com/payments/checkout/custom-domains>). A custom domain
/// is the merchant's own, so only a backend can vouch for it: backend mode does not pin the host.
pub const STRIPE_CHECKOUT_HOST: &str = "checkout.stripe.com";

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

/// The Android emulator's alias for the development machine's loopback
/// (<https://developer.android.com/studio/run/emulator-networking>).
const ANDROID_EMULATOR_HOST: std::net::Ipv4Addr = std::net::Ipv4Addr::new(10, 0, 2, 2);

/// What kind of build this is, for the rules that differ on devices. The rules are pure
/// functions of it, so they are tested for every combination on any machine.
///
/// - **Device**: Android; Apple's app platforms (iOS and iPadOS, Mac Catalyst, which Rust
///   compiles as `target_os = "ios"`, tvOS, watchOS, visionOS); and macOS **when built with the
///   `ffi` feature**, i.e. the XCFramework's macOS slice inside a Swift app. A Rust program on
///   macOS (a server, a command-line tool) is built without `ffi` and keeps the server rules,
///   so it may hold a live key.
/// - **Debug**: `cfg(debug_assertions)`, which release builds (`--release`, Xcode's Release,
///   Gradle's release variant through `android/build-rust.sh`) turn off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Build {
    /// Runs inside an app on a phone, tablet or desktop app sandbox.
    pub(crate) device: bool,
    /// Built with debug assertions.
    pub(crate) debug: bool,
}

impl Build {
    /// This build.
    pub(crate) const CURRENT: Build = Build {
        device: cfg!(any(
            target_os = "android",
            target_os = "ios",
            target_os = "tvos",
            target_os = "watchos",
            target_os = "visionos",
            all(target_os = "macos", feature = "ffi"),
        )),
        debug: cfg!(debug_assertions),
    };
}

/// How the client authenticates: a Stripe key (direct mode) or your app user's token for your
/// own backend (backend mode).
///
/// An opaque object built by [`Credential::secret_key`] or [`Credential::backend`]: the secret
/// cannot be read back, and every way of printing it (Rust's `Debug` and `Display`, Kotlin's
/// `toString()`, Swift's `description` and `debugDescription`, and so `println(config)` and
/// `print(config)`) shows only what kind of credential it is.
///
/// ```
/// use checkout_bridge::{ClientConfig, Credential};
/// let key = Credential::secret_key("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
/// assert_eq!(key.to_string(), "secret key (test), redacted");
/// let config = ClientConfig::new(Credential::backend("user-token-1234"))
///     .with_base_url("https://api.shop.example");
/// assert!(!format!("{config:?}").contains("user-token-1234"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Object))]
#[cfg_attr(feature = "ffi", uniffi::export(Display, Debug))]
pub struct Credential {
    kind: CredentialKind,
}

#[derive(Clone, PartialEq, Eq)]
enum CredentialKind {
    SecretKey(String),
    Backend(String),
}

#[cfg_attr(feature = "ffi", uniffi::export)]
impl Credential {
    /// Direct mode: a Stripe secret (`sk_…`) or restricted (`rk_…`) key, sent to Stripe.
    /// For servers, tools, tests and test-mode prototypes; live keys are refused on devices.
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn secret_key(key: &str) -> Arc<Self> {
        Arc::new(Credential {
            kind: CredentialKind::SecretKey(key.to_owned()),
        })
    }

    /// Backend mode: your app user's bearer token for your own backend (see `server/`), which
    /// holds the Stripe key and enforces your policy. Never sent to Stripe: a client with a
    /// backend credential refuses a `base_url` on `stripe.com`.
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn backend(bearer_token: &str) -> Arc<Self> {
        Arc::new(Credential {
            kind: CredentialKind::Backend(bearer_token.to_owned()),
        })
    }

    /// Whether this is a backend credential (a token for your server) rather than a Stripe key.
    pub fn is_backend(&self) -> bool {
        matches!(self.kind, CredentialKind::Backend(_))
    }
}

impl std::fmt::Display for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            CredentialKind::SecretKey(key) => write!(f, "{}, redacted", key_kind(key)),
            CredentialKind::Backend(_) => f.write_str("backend token, redacted"),
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            CredentialKind::SecretKey(key) => f
                .debug_struct("SecretKey")
                .field("kind", &key_kind(key))
                .finish_non_exhaustive(),
            CredentialKind::Backend(_) => f.debug_struct("Backend").finish_non_exhaustive(),
        }
    }
}

impl Credential {
    /// The string sent after `Bearer `.
    pub(crate) fn secret(&self) -> &str {
        match &self.kind {
            CredentialKind::SecretKey(key) => key,
            CredentialKind::Backend(token) => token,
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
/// Printing it is safe: the credential shows only its kind (see [`Credential`]).
///
/// ```
/// use checkout_bridge::{ClientConfig, Credential};
/// let config = ClientConfig::new(Credential::secret_key("sk_test_123"));
/// assert_eq!(config.base_url, "https://api.stripe.com");
/// assert_eq!(config.max_retries, 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ClientConfig {
    /// `https://api.stripe.com`, your backend's URL, or a loopback emulator (`http://127.0.0.1:…`;
    /// on devices only in debug builds).
    #[cfg_attr(feature = "ffi", uniffi(default = "https://api.stripe.com"))]
    pub base_url: String,
    /// Secret key (direct mode) or bearer token (backend mode).
    pub credential: Arc<Credential>,
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
    pub fn new(credential: Arc<Credential>) -> Self {
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

    /// Checks every rule for this build and returns the parsed base URL.
    pub(crate) fn validate(&self) -> Result<Url, CheckoutError> {
        self.validate_for(Build::CURRENT)
    }

    fn validate_for(&self, build: Build) -> Result<Url, CheckoutError> {
        // The credential first: a live key in an app is the one mistake that must be named.
        validate_credential(&self.credential, build.device)?;
        let base = validate_base_url(&self.base_url, build)?;
        if self.credential.is_backend() && is_stripe_host(&base) {
            // The default base URL is Stripe's: a backend config that forgot `base_url` would
            // otherwise send the user's token to Stripe, and a live key passed off as a "backend
            // token" would reach Stripe from the app.
            return Err(CheckoutError::invalid(
                "base_url",
                "a Backend credential is your user's token for your own server and is never sent to stripe.com; \
                 set base_url to your backend (or use Credential.secretKey to talk to Stripe)",
            ));
        }
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

    /// Which hosts may serve the Checkout page of the sessions this configuration creates.
    pub(crate) fn checkout_hosts(&self) -> CheckoutHosts {
        if self.credential.is_backend() {
            return CheckoutHosts::Any;
        }
        match Url::parse(&self.base_url) {
            Ok(base) if is_loopback(&base) => CheckoutHosts::StripeOrLoopback,
            _ => CheckoutHosts::Stripe,
        }
    }
}

/// Which hosts may serve the Checkout page (a session's `url`) for one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CheckoutHosts {
    /// Direct mode: Stripe's own page on [`STRIPE_CHECKOUT_HOST`] and its default port.
    Stripe,
    /// Direct mode with a loopback base URL (the emulator, stripe-mock): Stripe's page, or a
    /// loopback host such as the emulator's hosted page.
    StripeOrLoopback,
    /// Backend mode: any host, since the merchant may serve Checkout on a custom domain; the
    /// merchant's backend vouches for it.
    Any,
}

/// Checks a Checkout page URL before the app opens it: `https` (plain `http` only where
/// [`plain_http_allowed`] says so), a host, no credentials, and in direct mode Stripe's host.
///
/// A hostile or compromised backend, or a Stripe look-alike in direct mode, could otherwise
/// send the customer to a phishing page, to `http` that anyone on the network can rewrite, or
/// to an app-launching scheme (`intent:`, `javascript:`, `file:`).
pub(crate) fn check_checkout_url(raw: &str, hosts: CheckoutHosts, build: Build) -> Result<Url, CheckoutError> {
    let bad = |reason: &str| CheckoutError::UntrustedCheckoutUrl {
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw).map_err(|_| bad("not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if plain_http_allowed(&url, build) => {}
        "http" => return Err(bad("plain http; the Checkout page must be https")),
        _ => return Err(bad("not an https URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("carries credentials"));
    }
    let on_stripe = url.host_str() == Some(STRIPE_CHECKOUT_HOST) && url.port().is_none();
    let allowed = match hosts {
        CheckoutHosts::Any => url.host().is_some(),
        CheckoutHosts::Stripe => on_stripe,
        CheckoutHosts::StripeOrLoopback => on_stripe || is_loopback(&url),
    };
    if !allowed {
        return Err(bad("in direct mode the Checkout page must be on checkout.stripe.com"));
    }
    Ok(url)
}

/// `https` anywhere; plain `http` only where [`plain_http_allowed`] says so.
pub(crate) fn validate_base_url(raw: &str, build: Build) -> Result<Url, CheckoutError> {
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
        "http" if plain_http_allowed(&url, build) => {}
        "http" => return Err(CheckoutError::invalid(field, plain_http_refusal(build))),
        other => return Err(CheckoutError::invalid(field, format!("unsupported scheme `{other}`"))),
    }
    if url.host().is_none() {
        return Err(CheckoutError::invalid(field, "has no host"));
    }
    Ok(url)
}

/// Whether plain `http` may go to `url`'s host in `build`.
///
/// - Not a device (servers, tools, tests): loopback only (`127.0.0.0/8`, `::1`, `localhost`).
/// - Device, debug build: loopback, and the Android emulator's alias for the development
///   machine, `10.0.2.2`, so an app in an emulator or simulator can reach a local backend or the
///   Stripe emulator.
/// - Device, release build: never. On Android any app can listen on `127.0.0.1` (and on an
///   unused port it gets first), so a shipped app would send its token to, and take Checkout
///   pages from, whichever app got there first; https needs a certificate no such app can have.
pub(crate) fn plain_http_allowed(url: &Url, build: Build) -> bool {
    match (build.device, build.debug) {
        (false, _) => is_loopback(url),
        (true, true) => is_loopback(url) || url.host() == Some(Host::Ipv4(ANDROID_EMULATOR_HOST)),
        (true, false) => false,
    }
}

/// Why [`plain_http_allowed`] said no, for the error message.
pub(crate) fn plain_http_refusal(build: Build) -> &'static str {
    match (build.device, build.debug) {
        (false, _) => "plain http is allowed only for loopback hosts; use https",
        (true, true) => "plain http is allowed only to loopback hosts and 10.0.2.2, in debug builds; use https",
        (true, false) => {
            "plain http is not allowed in release builds on a device (any app there can listen on loopback); use https"
        }
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `stripe.com` or any host under it (`api.stripe.com`, `checkout.stripe.com`, with or without
/// a trailing dot): the url crate has already decoded and lowercased the host.
fn is_stripe_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            d == "stripe.com" || d.ends_with(".stripe.com")
        }
        _ => false,
    }
}

/// Checks a credential the way [`CheckoutClient::new`](crate::CheckoutClient::new) does, with
/// `on_device` saying whether to apply the device rule (no live Stripe key in any credential).
///
/// The client applies it by itself; this is for checking a shipped configuration ahead of
/// time, e.g. in an app's JVM unit tests or CI, where the code is not running on a device.
///
/// # Errors
///
/// - [`CheckoutError::InvalidInput`] on `credential.key` or `credential.bearer_token`: empty,
///   longer than 4096 bytes, not printable ASCII, a publishable key (`pk_…`), or a key that is
///   neither secret (`sk_…`) nor restricted (`rk_…`).
/// - [`CheckoutError::LiveKeyOnDevice`] when `on_device` and the key, or the backend token, is
///   a live Stripe key (`sk_live_…`/`rk_live_…`).
///
/// ```
/// use checkout_bridge::{validate_credential, CheckoutError, Credential};
/// let live = Credential::secret_key("sk_live_123");
/// assert!(matches!(validate_credential(&live, true), Err(CheckoutError::LiveKeyOnDevice { .. })));
/// assert!(validate_credential(&live, false).is_ok()); // fine on a server
/// // A live key passed off as a backend token is refused on devices too.
/// let disguised = Credential::backend("sk_live_123");
/// assert!(matches!(validate_credential(&disguised, true), Err(CheckoutError::LiveKeyOnDevice { .. })));
/// ```
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn validate_credential(credential: &Credential, on_device: bool) -> Result<(), CheckoutError> {
    let (field, secret) = match &credential.kind {
        CredentialKind::SecretKey(key) => ("credential.key", key.as_str()),
        CredentialKind::Backend(token) => ("credential.bearer_token", token.as_str()),
    };
    if secret.is_empty() {
        return Err(CheckoutError::invalid(field, "is empty"));
    }
    if secret.len() > 4096 || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        // No whitespace or control bytes: they would break (or inject into) the header.
        return Err(CheckoutError::invalid(field, "must be printable ASCII without spaces"));
    }
    if on_device && live_key_forbidden(secret) {
        return Err(CheckoutError::LiveKeyOnDevice {
            reason: if credential.is_backend() {
                "the backend token is a live Stripe key (sk_live_…/rk_live_…), which must not ship in an app; \
                 keep the key on your server and give the app a token for your backend"
            } else {
                "live secret and restricted keys (sk_live_…, rk_live_…) must not ship in an app; \
                 use a Backend credential and keep the key on your server"
            }
            .into(),
        });
    }
    if let CredentialKind::SecretKey(key) = &credential.kind {
        if key.starts_with("pk_") {
            return Err(CheckoutError::invalid(field, "publishable keys (pk_…) cannot create Checkout Sessions; use a secret or restricted key, or backend mode"));
        }
        if !(key.starts_with("sk_") || key.starts_with("rk_")) {
            return Err(CheckoutError::invalid(
                field,
                "expected a secret (sk_…) or restricted (rk_…) key",
            ));
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

    const SERVER: Build = Build {
        device: false,
        debug: false,
    };
    const SERVER_DEBUG: Build = Build {
        device: false,
        debug: true,
    };
    const DEVICE_DEBUG: Build = Build {
        device: true,
        debug: true,
    };
    const DEVICE_RELEASE: Build = Build {
        device: true,
        debug: false,
    };
    const ALL: [Build; 4] = [SERVER, SERVER_DEBUG, DEVICE_DEBUG, DEVICE_RELEASE];

    fn sk(k: &str) -> Arc<Credential> {
        Credential::secret_key(k)
    }

    #[test]
    fn linux_builds_are_not_devices() {
        // The JVM tests load the `ffi` build on Linux: it keeps the server rules, with or
        // without `ffi` (only macOS turns into a device with it).
        #[cfg(all(target_os = "linux", not(target_os = "android")))]
        assert_eq!(
            Build::CURRENT,
            Build {
                device: false,
                debug: cfg!(debug_assertions)
            }
        );
    }

    #[test]
    fn base_url_rules() {
        for build in ALL {
            assert!(validate_base_url("https://api.stripe.com", build).is_ok());
            assert!(validate_base_url("https://api.shop.example:8443/v", build).is_ok());
            for bad in [
                "http://api.stripe.com",
                "http://10.0.0.1",
                "http://10.0.2.3",
                "ftp://x",
                "api.stripe.com",
                "https://u:p@host",
                "https://h/?q=1",
                "http://127.0.0.1.evil.com",
                "http://localhost.evil.com",
            ] {
                assert!(
                    matches!(validate_base_url(bad, build), Err(CheckoutError::InvalidInput { .. })),
                    "{bad} in {build:?}"
                );
            }
        }
    }

    #[test]
    fn plain_http_is_a_function_of_device_and_debug() {
        let loopback = [
            "http://127.0.0.1:8080",
            "http://127.8.9.1",
            "http://[::1]:9",
            "http://localhost:3000/api",
            "http://LOCALHOST",
        ];
        // Servers, tools and tests, debug or not: loopback only.
        for build in [SERVER, SERVER_DEBUG] {
            for ok in loopback {
                assert!(validate_base_url(ok, build).is_ok(), "{ok} in {build:?}");
            }
            let e = validate_base_url("http://10.0.2.2:12111", build).unwrap_err();
            assert!(e.to_string().contains("loopback"), "{e}");
        }
        // A debug build on a device: loopback and the Android emulator's host alias.
        for ok in loopback.iter().copied().chain(["http://10.0.2.2:12111"]) {
            assert!(validate_base_url(ok, DEVICE_DEBUG).is_ok(), "{ok}");
        }
        // A release build on a device: https only, not even loopback.
        for bad in loopback.iter().copied().chain(["http://10.0.2.2:12111"]) {
            let e = validate_base_url(bad, DEVICE_RELEASE).unwrap_err();
            assert!(e.to_string().contains("release builds"), "{bad}: {e}");
        }
        assert!(validate_base_url("https://127.0.0.1:8443", DEVICE_RELEASE).is_ok());
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
    }

    #[test]
    fn a_live_key_as_a_backend_token_is_refused_on_device() {
        for live in ["sk_live_abc", "rk_live_abc"] {
            let e = validate_credential(&Credential::backend(live), true).unwrap_err();
            assert!(matches!(e, CheckoutError::LiveKeyOnDevice { .. }), "{e:?}");
            assert!(!e.to_string().contains("abc"), "{e}");
            // And through the config, pointed anywhere: the client never gets built.
            let config = ClientConfig::new(Credential::backend(live)).with_base_url("https://api.shop.example");
            for build in [DEVICE_DEBUG, DEVICE_RELEASE] {
                assert!(matches!(
                    config.validate_for(build),
                    Err(CheckoutError::LiveKeyOnDevice { .. })
                ));
            }
            assert!(config.validate_for(SERVER).is_ok());
        }
        assert!(validate_credential(&Credential::backend("user-token"), true).is_ok());
        assert!(validate_credential(&Credential::backend("sk_test_ok_in_test_mode"), true).is_ok());
    }

    #[test]
    fn a_backend_credential_is_never_sent_to_stripe() {
        for base in [
            "https://api.stripe.com",
            "https://API.Stripe.COM",
            "https://api.stripe.com.",
            "https://api.stripe.com:443/v1",
            "https://checkout.stripe.com",
            "https://stripe.com",
            "https://api%2Estripe.com",
        ] {
            for build in ALL {
                let config = ClientConfig::new(Credential::backend("user-token")).with_base_url(base);
                let e = config.validate_for(build).unwrap_err();
                assert!(
                    matches!(e, CheckoutError::InvalidInput { ref field, .. } if field == "base_url"),
                    "{base}: {e:?}"
                );
            }
        }
        // The default base URL is Stripe's: a backend config must name its server.
        assert!(ClientConfig::new(Credential::backend("t"))
            .validate_for(SERVER)
            .is_err());
        for fine in [
            "https://api.shop.example",
            "https://stripe.com.shop.example",
            "https://notstripe.com",
        ] {
            let config = ClientConfig::new(Credential::backend("t")).with_base_url(fine);
            assert!(config.validate_for(DEVICE_RELEASE).is_ok(), "{fine}");
        }
        // A secret key may of course go to Stripe.
        assert!(ClientConfig::new(sk("sk_test_1")).validate_for(DEVICE_RELEASE).is_ok());
    }

    #[test]
    fn checkout_url_rules() {
        use CheckoutHosts::{Any, Stripe, StripeOrLoopback};
        let ok = |url: &str, hosts, build| check_checkout_url(url, hosts, build).is_ok();
        let stripe = "https://checkout.stripe.com/c/pay/cs_test_a1#fidkdWxOYHwnPyd1blpxYHZxWjA0";
        let custom = "https://pay.shop.example/c/pay/cs_test_a1";
        for build in ALL {
            assert!(ok(stripe, Stripe, build) && ok(stripe, StripeOrLoopback, build) && ok(stripe, Any, build));
            assert!(ok("https://CHECKOUT.stripe.com:443/c/pay/x", Stripe, build));
            // A custom domain only in backend mode (the merchant's backend vouches for it).
            assert!(ok(custom, Any, build));
            assert!(!ok(custom, Stripe, build) && !ok(custom, StripeOrLoopback, build));
            for hostile in [
                "http://checkout.stripe.com/c/pay/x",
                "https://checkout.stripe.com.evil.example/c/pay/x",
                "https://checkout.stripe.com@evil.example/c/pay/x",
                "https://user:pw@checkout.stripe.com/c/pay/x",
                "https://checkout.stripe.com:8443/c/pay/x",
                "https://evilstripe.com/checkout.stripe.com",
                "javascript:alert(1)//checkout.stripe.com",
                "intent://checkout.stripe.com/#Intent;scheme=https;package=com.evil;end",
                "file:///data/data/com.shop/files/x.html",
                "data:text/html,<h1>pay</h1>",
                "myapp://checkout/success",
                "//checkout.stripe.com/c/pay/x",
                "",
            ] {
                assert!(!ok(hostile, Stripe, build), "{hostile} {build:?}");
                assert!(!ok(hostile, StripeOrLoopback, build), "{hostile} {build:?}");
            }
            for hostile in [
                "http://pay.shop.example/c/pay/x",
                "intent://pay#Intent;end",
                "javascript:alert(1)",
                "https://u@pay.shop.example/",
            ] {
                let e = check_checkout_url(hostile, Any, build).unwrap_err();
                assert!(
                    matches!(e, CheckoutError::UntrustedCheckoutUrl { .. }),
                    "{hostile}: {e:?}"
                );
            }
        }
        // The emulator's hosted page on loopback: direct mode with a loopback base, or a backend,
        // and plain http only where the http rule allows it.
        let emulator = "http://127.0.0.1:12111/pay/cs_test_1";
        for build in [SERVER, SERVER_DEBUG, DEVICE_DEBUG] {
            assert!(ok(emulator, StripeOrLoopback, build) && ok(emulator, Any, build));
            assert!(!ok(emulator, Stripe, build));
        }
        assert!(!ok(emulator, StripeOrLoopback, DEVICE_RELEASE) && !ok(emulator, Any, DEVICE_RELEASE));
        assert!(ok("http://10.0.2.2:12111/pay/cs_1", Any, DEVICE_DEBUG));
        assert!(!ok("http://10.0.2.2:12111/pay/cs_1", Any, SERVER));
    }

    #[test]
    fn checkout_hosts_follow_the_mode() {
        let direct = ClientConfig::new(sk("sk_test_1"));
        assert_eq!(direct.checkout_hosts(), CheckoutHosts::Stripe);
        assert_eq!(
            direct.clone().with_base_url("http://127.0.0.1:9").checkout_hosts(),
            CheckoutHosts::StripeOrLoopback
        );
        assert_eq!(
            direct
                .with_base_url("https://stripe-proxy.corp.example")
                .checkout_hosts(),
            CheckoutHosts::Stripe
        );
        let backend = ClientConfig::new(Credential::backend("t")).with_base_url("http://127.0.0.1:9");
        assert_eq!(backend.checkout_hosts(), CheckoutHosts::Any);
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
    fn printing_never_shows_secrets() {
        let cfg = ClientConfig::new(sk("sk_test_SUPERSECRET1234"));
        for text in [
            format!("{cfg:?}"),
            format!("{:?}", cfg.credential),
            cfg.credential.to_string(),
        ] {
            assert!(!text.contains("SUPERSECRET"), "{text}");
            assert!(text.contains("secret key (test)"), "{text}");
        }
        let b = Credential::backend("tok_SUPERSECRET");
        for text in [format!("{b:?}"), b.to_string(), format!("{b:#?}")] {
            assert!(!text.contains("SUPERSECRET"), "{text}");
            assert!(text.to_lowercase().contains("backend"), "{text}");
        }
        assert_eq!(sk("rk_live_x").to_string(), "restricted key (live), redacted");
        assert_eq!(b.to_string(), "backend token, redacted");
    }
}
