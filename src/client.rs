//! `CheckoutClient`: the Checkout Session operations over [`crate::transport`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{check_checkout_url, Build, CheckoutHosts, ClientConfig};
use crate::error::CheckoutError;
use crate::form::encode_create_params;
use crate::http::HttpTransport;
use crate::model::{CheckoutSession, LineItem, ListPage, SessionStatus};
use crate::os::unix_now;
use crate::params::CreateSessionParams;
use crate::purchase::Purchase;
use crate::transport::Transport;
use crate::validate::{opaque_id, validate_for_version};

/// Creates, retrieves and expires Checkout Sessions.
///
/// One client per configuration; it is cheap to share (`Arc`) and keeps a connection pool.
/// Every method validates its input before sending anything.
///
/// Requests go through reqwest (the `reqwest` feature, on by default), or through the
/// [`HttpTransport`] given to [`CheckoutClient::with_transport`]: OkHttp on Android, `URLSession`
/// on iOS, or your own.
///
/// ```no_run
/// # async fn demo() -> Result<(), checkout_bridge::CheckoutError> {
/// use checkout_bridge::*;
/// let client = CheckoutClient::new(ClientConfig::new(Credential::secret_key("sk_test_…")))?;
/// let mut params = simple_checkout_params(SimpleCheckout {
///     amount: 1999, currency: "usd".into(), name: "T-shirt".into(), description: None,
///     success_url: Some("https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}".into()),
///     cancel_url: Some("https://shop.example/cancel".into()), customer_email: None,
/// });
/// let session = client.create_session(params).await?;
/// println!("open {}", session.url.unwrap_or_default());
/// # Ok(()) }
/// ```
#[cfg_attr(feature = "ffi", derive(uniffi::Object))]
pub struct CheckoutClient {
    transport: Transport,
    checkout_hosts: CheckoutHosts,
    /// The `Stripe-Version` sent, which decides some create parameters (see
    /// [`crate::CreateSessionParams`], "Migrating from `payment_method_types`").
    stripe_version: String,
    /// Whether requests go to the merchant's server, which owns some parameters (the customer),
    /// and records purchases (`list_purchases`).
    backend: bool,
}

impl std::fmt::Debug for CheckoutClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutClient").finish_non_exhaustive()
    }
}

/// First delay between polls of [`CheckoutClient::wait_for_final_status`].
const POLL_INITIAL: Duration = Duration::from_millis(250);
/// Longest delay between polls.
const POLL_MAX: Duration = Duration::from_secs(5);
/// Purchases asked for per page: the most a Stripe-style list returns
/// (<https://docs.stripe.com/api/pagination>, `limit` 1–100).
const PURCHASES_PER_PAGE: usize = 100;
/// Pages read at most (10,000 purchases): a server that keeps announcing more cannot keep the
/// app reading, or buffering, forever.
const MAX_PURCHASE_PAGES: usize = 100;

#[cfg_attr(feature = "ffi", uniffi::export(async_runtime = "tokio"))]
impl CheckoutClient {
    /// Checks `config` (https, plain http only to loopback and on devices only in debug
    /// builds; credential shape; no live keys on devices; a backend token never to Stripe) and
    /// builds a client. Nothing is sent.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] naming the field: a `base_url` that is not https (plain
    ///   http only to loopback, and in device builds only in debug builds, where the Android
    ///   emulator's `10.0.2.2` is allowed too) or carries credentials, a query or a fragment; a
    ///   backend credential with a `base_url` on `stripe.com` (the default); a malformed
    ///   credential, `stripe_version` or `stripe_account`; `timeout_ms` ≤ 0; `max_retries`
    ///   outside 0..=10.
    /// - [`CheckoutError::LiveKeyOnDevice`] for a live secret or restricted key, as a key or as
    ///   a backend token, in a device build (see [`crate::validate_credential`]).
    /// - [`CheckoutError::Network`] if the HTTP client or TLS cannot be set up.
    /// - [`CheckoutError::InvalidInput`] for `transport` in a build without the `reqwest`
    ///   feature, which has no transport of its own: use [`CheckoutClient::with_transport`].
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>, CheckoutError> {
        config.validate()?;
        let transport = default_transport(&config)?;
        Self::with_transport(config, transport)
    }

    /// Like [`CheckoutClient::new`], with requests sent through `transport` instead of the
    /// built-in reqwest: the platform's own network stack (`OkHttpTransport` in the Kotlin
    /// package `io.checkoutbridge.okhttp`, `URLSessionTransport` in the Swift package), with its
    /// TLS trust, pinning, proxies and network inspectors. Headers, idempotency keys, timeouts,
    /// retries, the response size limit, the refusal of redirects and the mapping of errors stay
    /// in the library, whichever transport sends (see [`HttpTransport`] for its contract).
    ///
    /// The only constructor that works in a build without the `reqwest` feature.
    ///
    /// # Errors
    ///
    /// The configuration errors of [`CheckoutClient::new`]; nothing is sent.
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn with_transport(config: ClientConfig, transport: Arc<dyn HttpTransport>) -> Result<Arc<Self>, CheckoutError> {
        Ok(Arc::new(CheckoutClient {
            transport: Transport::new(&config, transport)?,
            checkout_hosts: config.checkout_hosts(),
            stripe_version: config.effective_stripe_version().to_owned(),
            backend: config.credential.is_backend(),
        }))
    }

    /// Checks a session's Checkout page `url` before the app opens it: https (plain http only
    /// to loopback, and on devices only in debug builds), no credentials in it, and in direct
    /// mode (a secret key) on `checkout.stripe.com`, or a loopback host when `base_url` is
    /// loopback (an emulator). Backend mode allows any https host, since Stripe serves Checkout
    /// on the merchant's custom domain when one is set up.
    ///
    /// [`crate::CheckoutFlow::start`] runs it on every new session; call it yourself before
    /// opening the `url` of a session from [`Self::create_session`].
    ///
    /// # Errors
    ///
    /// [`CheckoutError::UntrustedCheckoutUrl`] saying which rule the URL breaks.
    pub fn check_checkout_url(&self, url: &str) -> Result<(), CheckoutError> {
        check_checkout_url(url, self.checkout_hosts, Build::CURRENT).map(drop)
    }

    /// `POST /v1/checkout/sessions`. Safe to retry: the same `idempotency_key` never creates a
    /// second session.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] naming the field, before anything is sent, when `params`
    ///   break one of Stripe's rules at the client's API version (see
    ///   [`crate::validate_create_params`]; e.g. `payment_method_types` from 2026-09-30.endive).
    /// - [`CheckoutError::IdempotencyConflict`] when the key was used with other parameters.
    /// - What the server answered, after the configured retries: [`CheckoutError::Authentication`]
    ///   (401), [`CheckoutError::Permission`] (403), [`CheckoutError::RateLimited`] (429),
    ///   [`CheckoutError::Api`] (any other error status), or [`CheckoutError::InvalidResponse`]
    ///   (a success whose body is not what was asked for).
    /// - [`CheckoutError::Network`] or [`CheckoutError::Timeout`] when no answer came.
    /// - [`CheckoutError::RandomnessUnavailable`] when no `idempotency_key` was given and the OS
    ///   cannot provide one.
    pub async fn create_session(&self, params: CreateSessionParams) -> Result<CheckoutSession, CheckoutError> {
        validate_for_version(&params, unix_now(), &self.stripe_version, self.backend)?;
        let body = encode_create_params(&params);
        let url = self.transport.url(&["v1", "checkout", "sessions"], &[]);
        self.transport.post(url, body, params.idempotency_key).await
    }

    /// `GET /v1/checkout/sessions/{id}`: the session as Stripe sees it now.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] if `id` is not an opaque ID (1–255 of `[A-Za-z0-9_-]`).
    /// - [`CheckoutError::NotFound`] when the account has no such session.
    /// - What the server answered, after the configured retries: [`CheckoutError::Authentication`]
    ///   (401), [`CheckoutError::Permission`] (403), [`CheckoutError::RateLimited`] (429),
    ///   [`CheckoutError::Api`] (any other error status), or [`CheckoutError::InvalidResponse`]
    ///   (a success whose body is not what was asked for).
    /// - [`CheckoutError::Network`] or [`CheckoutError::Timeout`] when no answer came.
    pub async fn retrieve_session(&self, id: String) -> Result<CheckoutSession, CheckoutError> {
        opaque_id("id", &id)?;
        let url = self.transport.url(&["v1", "checkout", "sessions", &id], &[]);
        self.transport.get(url).await
    }

    /// `POST /v1/checkout/sessions/{id}/expire`: an open session can no longer be paid.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] if `id` is not an opaque ID.
    /// - [`CheckoutError::NotFound`] when the account has no such session; [`CheckoutError::Api`]
    ///   (400) when it is no longer open, e.g. paid meanwhile.
    /// - What the server answered, after the configured retries: [`CheckoutError::Authentication`]
    ///   (401), [`CheckoutError::Permission`] (403), [`CheckoutError::RateLimited`] (429),
    ///   [`CheckoutError::Api`] (any other error status), or [`CheckoutError::InvalidResponse`]
    ///   (a success whose body is not what was asked for).
    /// - [`CheckoutError::Network`] or [`CheckoutError::Timeout`] when no answer came.
    /// - [`CheckoutError::RandomnessUnavailable`] if the OS cannot provide an idempotency key.
    pub async fn expire_session(&self, id: String) -> Result<CheckoutSession, CheckoutError> {
        opaque_id("id", &id)?;
        let url = self.transport.url(&["v1", "checkout", "sessions", &id, "expire"], &[]);
        self.transport.post(url, String::new(), None).await
    }

    /// `GET /v1/checkout/sessions/{id}/line_items`, following pages until all are read.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] if `id` is not an opaque ID.
    /// - [`CheckoutError::NotFound`] when the account has no such session.
    /// - What the server answered, after the configured retries: [`CheckoutError::Authentication`]
    ///   (401), [`CheckoutError::Permission`] (403), [`CheckoutError::RateLimited`] (429),
    ///   [`CheckoutError::Api`] (any other error status), or [`CheckoutError::InvalidResponse`]
    ///   (a success whose body is not what was asked for).
    /// - [`CheckoutError::Network`] or [`CheckoutError::Timeout`] when no answer came.
    /// - [`CheckoutError::InvalidResponse`] too when the server keeps announcing more pages.
    pub async fn list_line_items(&self, id: String) -> Result<Vec<LineItem>, CheckoutError> {
        opaque_id("id", &id)?;
        let mut items: Vec<LineItem> = Vec::new();
        // Checkout allows 100 line items, so one page of 100 is the common case; the bound
        // stops a server that always claims `has_more`.
        for _ in 0..50 {
            let after = items.last().map(|i| i.id.clone());
            let mut query = vec![("limit", "100")];
            if let Some(a) = after.as_deref() {
                query.push(("starting_after", a));
            }
            let url = self
                .transport
                .url(&["v1", "checkout", "sessions", &id, "line_items"], &query);
            let page: ListPage<LineItem> = self.transport.get(url).await?;
            let done = !page.has_more || page.data.is_empty();
            items.extend(page.data);
            if done {
                return Ok(items);
            }
        }
        Err(invalid_list("line item pagination did not end"))
    }

    /// `GET /v1/purchases` on the app's backend: every purchase its user has made (each paid
    /// session the backend fulfilled), newest first, following pages until all are read. For
    /// "Restore purchases" after a reinstall or on a new device: the backend answers for the
    /// user its token names, never another.
    ///
    /// Backend mode only: Stripe has no such list; the reference server (`server/`) records one
    /// purchase per paid session, whichever of the webhook, the app's retrieve or its
    /// reconciliation saw it first.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::BackendRequired`] in direct mode (a Stripe key), before anything is sent.
    /// - What the server answered, after the configured retries: [`CheckoutError::Authentication`]
    ///   (401: the token was refused), [`CheckoutError::Permission`] (403),
    ///   [`CheckoutError::NotFound`] (404: a backend without the route),
    ///   [`CheckoutError::RateLimited`] (429), [`CheckoutError::Api`] (any other error status).
    /// - [`CheckoutError::InvalidResponse`] for a success whose body is not a list of purchases
    ///   (truncated, oversized, wrongly typed), or pages that never end or do not advance.
    /// - [`CheckoutError::Network`] or [`CheckoutError::Timeout`] when no answer came.
    pub async fn list_purchases(&self) -> Result<Vec<Purchase>, CheckoutError> {
        if !self.backend {
            return Err(CheckoutError::BackendRequired {
                operation: "list_purchases".into(),
                reason: "purchases are recorded by your server (see server/), not by Stripe; \
                         configure a Credential::backend token and your server's base_url"
                    .into(),
            });
        }
        let limit = PURCHASES_PER_PAGE.to_string();
        let mut purchases: Vec<Purchase> = Vec::new();
        for _ in 0..MAX_PURCHASE_PAGES {
            let after = purchases.last().map(|p| p.session_id.clone());
            let mut query = vec![("limit", limit.as_str())];
            if let Some(a) = after.as_deref() {
                query.push(("starting_after", a));
            }
            let url = self.transport.url(&["v1", "purchases"], &query);
            let page: ListPage<Purchase> = self.transport.get(url).await?;
            if page.data.len() > PURCHASES_PER_PAGE {
                return Err(invalid_list("a page of purchases is longer than the limit asked for"));
            }
            let done = !page.has_more || page.data.is_empty();
            if !done && page.data.last().map(|p| &p.session_id) == after.as_ref() {
                return Err(invalid_list("purchase pagination did not advance"));
            }
            purchases.extend(page.data);
            if done {
                return Ok(purchases);
            }
        }
        Err(invalid_list("purchase pagination did not end"))
    }

    /// Polls the session (with backoff from 0.25 s up to 5 s) until it is no longer open
    /// (complete, paid or not, or expired), and returns it; `Timeout` if that does not happen
    /// within `timeout_ms`. The status decides, not `payment_status`: an open setup-mode
    /// session already reports `no_payment_required` (Stripe defines that value by the mode:
    /// "the Checkout Session is in setup mode and doesn't require a payment at this time").
    ///
    /// For when no return link arrives: the user closed the browser, or the app was killed.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] if `id` is not an opaque ID or `timeout_ms` is negative.
    /// - [`CheckoutError::Timeout`] when the session is still open after `timeout_ms`.
    /// - Any error of [`Self::retrieve_session`], from the first poll that fails.
    pub async fn wait_for_final_status(&self, id: String, timeout_ms: i64) -> Result<CheckoutSession, CheckoutError> {
        opaque_id("id", &id)?;
        if timeout_ms < 0 {
            return Err(CheckoutError::invalid("timeout_ms", "must not be negative"));
        }
        let deadline = Instant::now() + Duration::from_millis(crate::transport::millis(timeout_ms));
        let mut delay = POLL_INITIAL;
        loop {
            let session = self.retrieve_session(id.clone()).await?;
            if session.status != Some(SessionStatus::Open) {
                return Ok(session);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CheckoutError::Timeout { timeout_ms });
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(POLL_MAX);
        }
    }
}

/// reqwest, connecting within the configured timeout (at most 30 s).
#[cfg(feature = "reqwest")]
fn default_transport(config: &ClientConfig) -> Result<Arc<dyn HttpTransport>, CheckoutError> {
    let connect = Duration::from_millis(crate::transport::millis(config.timeout_ms).min(30_000));
    match crate::reqwest_transport::ReqwestTransport::new(connect) {
        Ok(t) => Ok(Arc::new(t)),
        Err(e) => Err(CheckoutError::Network { reason: e.to_string() }),
    }
}

/// A build without the `reqwest` feature has no transport of its own.
#[cfg(not(feature = "reqwest"))]
fn default_transport(_: &ClientConfig) -> Result<Arc<dyn HttpTransport>, CheckoutError> {
    Err(CheckoutError::invalid(
        "transport",
        "this build of checkout-bridge has no built-in transport (built without the `reqwest` feature): \
         create the client with CheckoutClient.withTransport(config, OkHttpTransport()) on Android, \
         CheckoutClient.withTransport(config: config, transport: URLSessionTransport()) on iOS",
    ))
}

/// A list whose pages break the rules (they never end, do not advance, or overflow the limit).
fn invalid_list(reason: &str) -> CheckoutError {
    CheckoutError::InvalidResponse {
        status: 200,
        reason: reason.into(),
        request_id: None,
    }
}
