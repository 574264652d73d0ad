//! A stateful, Stripe-compatible Checkout Sessions emulator on loopback, for tests and demos.
//!
//! [`Emulator::start`] serves, on `127.0.0.1`, the Checkout Sessions API (`/v1/checkout/sessions`
//! create, retrieve, expire, line items), a minimal hosted payment page at each session's `url`,
//! and test-control endpoints under `/_emulator/`. Faults ([`Fault`]) make the next N matching
//! requests fail in the ways real networks and proxies do. See the crate README for the HTTP
//! surface. The emulator parses and encodes the wire format on its own: it shares no code with
//! the `checkout-bridge` library.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![recursion_limit = "256"]

mod api;
mod auth;
mod catalogue;
mod control;
mod error;
mod faults;
mod form;
#[doc(hidden)]
pub mod fuzzing;
mod hosted_page;
mod idempotency;
mod ids;
mod limits;
mod line_items;
mod money;
mod params;
mod params_view;
mod session;
mod spec_check;
mod spec_table;
mod spec_versions;
mod totals;
mod validate;
mod version;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tower::ServiceExt;

pub use catalogue::{Coupon, Price, Product, PromotionCode, ShippingRate, TaxRate};
pub use faults::{Fault, FaultKind};
pub use session::Completion;
pub use spec_table::{SPEC_VERSION, STRIPE_MOCK_VERSION};
pub use version::DEFAULT_ACCOUNT_VERSION;

use auth::KeyPolicy;
use catalogue::Catalogue;
use faults::FaultQueue;
use idempotency::IdempotencyStore;
use session::Session;

/// Largest request body accepted (1 MiB).
const MAX_BODY: usize = 1 << 20;
/// Most requests kept in the log; older ones are dropped.
const MAX_LOG: usize = 10_000;

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One request to `/v1/…` as the emulator received it (the API key itself is never kept).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, plus `?query` if any.
    pub path: String,
    /// `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// `Stripe-Version` header.
    pub stripe_version: Option<String>,
    /// `Stripe-Account` header.
    pub stripe_account: Option<String>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// The scheme of the `Authorization` header (`Bearer`, `Basic`, …), never the credential.
    pub authorization_scheme: Option<String>,
    /// Whether the header carried a well-formed `Bearer sk_/rk_` key.
    pub api_key_valid: bool,
    /// The raw body (lossy UTF-8).
    pub body: String,
    /// The fault applied to this request, if any.
    pub faulted: Option<FaultKind>,
}

/// State shared by the server and the [`Emulator`] handle.
pub(crate) struct Shared {
    pub base_url: String,
    inner: Mutex<Inner>,
}

/// Everything behind the lock.
pub(crate) struct Inner {
    pub sessions: HashMap<String, Session>,
    pub catalogue: Catalogue,
    pub faults: FaultQueue,
    pub requests: Vec<RecordedRequest>,
    pub idempotency: IdempotencyStore,
    pub keys: KeyPolicy,
    /// The version used for requests without `Stripe-Version`.
    pub account_version: String,
}

impl Inner {
    /// A session, with lazy expiry applied.
    pub fn session_mut(&mut self, id: &str, now: i64) -> Option<&mut Session> {
        let s = self.sessions.get_mut(id)?;
        s.refresh(now);
        Some(s)
    }
}

impl Shared {
    fn new(base_url: String, options: &EmulatorBuilder) -> Shared {
        let mut keys = KeyPolicy::default();
        for k in &options.api_keys {
            keys.bind(k);
        }
        Shared {
            base_url,
            inner: Mutex::new(Inner {
                sessions: HashMap::new(),
                catalogue: Catalogue::with_defaults(),
                faults: FaultQueue::default(),
                requests: Vec::new(),
                idempotency: IdempotencyStore::default(),
                keys,
                account_version: options
                    .account_version
                    .clone()
                    .unwrap_or_else(|| DEFAULT_ACCOUNT_VERSION.to_owned()),
            }),
        }
    }

    /// The lock; a poisoned lock is still used (the state stays consistent per operation).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Options of an emulator, set before it starts: the address, the API keys it accepts and the
/// account's default API version.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let emu = checkout_bridge_emulator::Emulator::builder()
///     .api_key("sk_test_only_this_one")
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EmulatorBuilder {
    addr: SocketAddr,
    api_keys: Vec<String>,
    account_version: Option<String>,
}

// Keys are secrets: never printed.
impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("addr", &self.addr)
            .field("api_keys", &self.api_keys.len())
            .field("account_version", &self.account_version)
            .finish()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: Vec::new(),
            account_version: None,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1:0`).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Accept this key. Once any key is given, every other well-formed key gets Stripe's 401
    /// "Invalid API Key provided: sk_test_****…"; without any, every well-formed key is accepted.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }

    /// The account's default API version, used for requests without `Stripe-Version` (default
    /// [`DEFAULT_ACCOUNT_VERSION`]). Must be a version the emulator knows.
    pub fn account_version(mut self, version: impl Into<String>) -> Self {
        self.account_version = Some(version.into());
        self
    }

    /// Starts the server on its own thread and runtime, so it outlives the caller's runtime.
    ///
    /// # Errors
    ///
    /// The address cannot be bound, an API key is malformed or the account version is not a
    /// known API version (`InvalidInput`).
    pub async fn start(self) -> std::io::Result<Emulator> {
        if self.api_keys.iter().any(|k| !auth::key_is_valid(k)) {
            // The key itself is a secret: not in the message.
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "an API key must look like sk_test_…, sk_live_…, rk_test_… or rk_live_…",
            ));
        }
        if let Some(v) = &self.account_version {
            version::ApiVersion::parse(v)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.message))?;
        }
        let listener = std::net::TcpListener::bind(self.addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(format!("http://{addr}"), &self));
        let (shutdown, rx) = watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let server_state = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("stripe-emulator-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(serve(listener, server_state, rx));
                // Dropping the runtime here cancels every connection task.
            })?;
        Ok(Emulator {
            shared,
            addr,
            shutdown,
            thread: Some(thread),
        })
    }
}

/// A running emulator. Dropping it shuts the server down and closes its connections.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).finish()
    }
}

impl Emulator {
    /// Starts on `127.0.0.1` with an ephemeral port, accepting any well-formed key.
    pub async fn start() -> std::io::Result<Emulator> {
        Emulator::builder().start().await
    }

    /// Starts on `addr`. The server runs on its own thread and runtime, so it outlives the
    /// caller's runtime (handy for one emulator shared by several `#[tokio::test]`s).
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Emulator> {
        Emulator::builder().addr(addr).start().await
    }

    /// Options before starting: bound API keys, the account's default API version, the address.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a fault for the next `fault.count` matching requests.
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// The log of `/v1/` requests (faulted ones included), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// How many sessions were created.
    pub fn session_count(&self) -> usize {
        self.shared.lock().sessions.len()
    }

    /// The session as `GET /v1/checkout/sessions/{id}` would return it.
    pub fn session_json(&self, id: &str) -> Option<serde_json::Value> {
        self.shared.session_json(id)
    }

    /// Completes an open session: paid, or unpaid (a delayed payment method). False if unknown or not open.
    pub fn complete_session(&self, id: &str, paid: bool) -> bool {
        self.shared.complete(id, &Completion::paid(paid)).is_ok()
    }

    /// Completes an open session with the customer's choices (promotion code, shipping rate,
    /// quantities, country) and returns the completed session's JSON.
    ///
    /// # Errors
    ///
    /// The session is unknown or not open, or a choice is not valid for it (the message says why).
    pub fn complete_session_with(&self, id: &str, completion: &Completion) -> Result<serde_json::Value, String> {
        self.shared.complete(id, completion).map_err(|e| e.message(id))
    }

    /// A delayed payment succeeded: a complete, unpaid session becomes paid.
    pub fn async_succeed_session(&self, id: &str) -> bool {
        self.shared.async_succeed(id).is_ok()
    }

    /// A delayed payment failed: the session stays complete and unpaid.
    pub fn async_fail_session(&self, id: &str) -> bool {
        self.shared.async_fail(id).is_ok()
    }

    /// Expires an open session. False if unknown or not open.
    pub fn expire_session(&self, id: &str) -> bool {
        self.shared.expire(id).is_ok()
    }

    /// Overrides stored fields with the values of a JSON object: `amount_total`,
    /// `amount_subtotal` (integer or null), `currency` (string or null), `mode`, `status`,
    /// `payment_status` (any string), `livemode` (bool), and also `expires_at`,
    /// `client_reference_id`, `customer_email`, `payment_intent`, `subscription`, `metadata`.
    /// All or nothing: false (and no change) for an unknown session, key or type.
    pub fn tamper_session(&self, id: &str, patch: serde_json::Value) -> bool {
        self.shared.tamper(id, &patch).is_ok()
    }

    /// Adds (or replaces) a catalogue price.
    pub fn add_price(&self, price: Price) {
        self.shared.lock().catalogue.add_price(&price);
    }

    /// Adds (or replaces) a product, usable as `price_data[product]`.
    pub fn add_product(&self, product: Product) {
        self.shared.lock().catalogue.add_product(product);
    }

    /// Adds (or replaces) a coupon.
    pub fn add_coupon(&self, coupon: Coupon) {
        self.shared.lock().catalogue.add_coupon(coupon);
    }

    /// Adds (or replaces) a promotion code.
    pub fn add_promotion_code(&self, code: PromotionCode) {
        self.shared.lock().catalogue.add_promotion_code(code);
    }

    /// Adds (or replaces) a shipping rate.
    pub fn add_shipping_rate(&self, rate: ShippingRate) {
        self.shared.lock().catalogue.add_shipping_rate(rate);
    }

    /// Adds (or replaces) a tax rate.
    pub fn add_tax_rate(&self, rate: TaxRate) {
        self.shared.lock().catalogue.add_tax_rate(rate);
    }

    /// Accepts `key` from now on; the first bound key makes every unbound key get a 401.
    pub fn bind_api_key(&self, key: &str) {
        self.shared.lock().keys.bind(key);
    }

    /// Revokes `key`: requests with it get Stripe's 401 `api_key_expired` from now on.
    pub fn revoke_api_key(&self, key: &str) {
        self.shared.lock().keys.revoke(key);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The accept loop: one HTTP/1.1 connection task per socket, until shutdown.
async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let router = control::router(shared.clone());
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| dispatch(shared.clone(), router.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// An error from the service: hyper closes the connection without a response.
fn dropped() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "emulated fault: connection dropped",
    )
}

fn header_string(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Per request: control and hosted-page routes go straight to the router; everything else is
/// logged (under `/v1/`), may be faulted, then handled.
async fn dispatch(
    shared: Arc<Shared>,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_emulator") || path.starts_with("/pay/") {
        return match router.oneshot(req.map(Body::new)).await {
            Ok(resp) => Ok(resp),
            Err(never) => match never {},
        };
    }
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let e = error::ApiError::invalid("The request body is too large or could not be read.").status(413);
            return Ok(e.response());
        }
    };
    let method = parts.method.as_str().to_owned();
    let fault = shared.lock().faults.take(&method, &path);
    if path.starts_with("/v1/") {
        let auth = auth::authorization(&parts.headers);
        let h = &parts.headers;
        let record = RecordedRequest {
            method: method.clone(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| path.clone()),
            idempotency_key: header_string(h, "idempotency-key"),
            stripe_version: header_string(h, "stripe-version"),
            stripe_account: header_string(h, "stripe-account"),
            user_agent: header_string(h, "user-agent"),
            content_type: header_string(h, "content-type"),
            authorization_scheme: auth.as_ref().map(|(s, _)| s.clone()),
            api_key_valid: auth
                .as_ref()
                .is_some_and(|(s, k)| s.eq_ignore_ascii_case("bearer") && auth::key_is_valid(k)),
            body: String::from_utf8_lossy(&body).into_owned(),
            faulted: fault.as_ref().map(|f| f.kind),
        };
        let mut inner = shared.lock();
        if inner.requests.len() >= MAX_LOG {
            inner.requests.remove(0);
        }
        inner.requests.push(record);
    }

    let mut injected = api::Injected::default();
    if let Some(f) = &fault {
        let d = Duration::from_millis(f.delay_ms.unwrap_or(0));
        match f.kind {
            FaultKind::Delay => injected.delay = Some(d),
            _ => tokio::time::sleep(d).await,
        }
        match f.kind {
            FaultKind::Drop => return Err(dropped()),
            // A failure of the executing endpoint goes through auth, parsing and the
            // idempotency layer like a real result (see `Fault::at_execution`).
            FaultKind::Status if f.at_execution() => injected.failure = Some(f),
            FaultKind::Status | FaultKind::Html | FaultKind::InvalidJson => {
                return Ok(with_retry_header(f.canned_response(), f, true));
            }
            _ => {}
        }
    }
    let resp = if path.starts_with("/v1/") {
        api::handle(&shared, &parts, &body, injected).await
    } else {
        control::not_found(&path)
    };
    let Some(f) = fault else { return Ok(resp) };
    match f.kind {
        FaultKind::DropAfter => Err(dropped()),
        // The failure already carries its own `Stripe-Should-Retry`.
        FaultKind::Status => Ok(resp),
        FaultKind::TruncatedJson => {
            let (mut parts, body) = resp.into_parts();
            let full = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let cut = Bytes::copy_from_slice(&full[..full.len() / 2]);
            if let Some(s) = f.status.and_then(|s| StatusCode::from_u16(s).ok()) {
                parts.status = s;
            }
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Ok(with_retry_header(
                Response::from_parts(parts, Body::from(cut)),
                &f,
                false,
            ))
        }
        _ => Ok(with_retry_header(resp, &f, false)),
    }
}

/// Adds `Stripe-Should-Retry` (and, for canned `/v1/` answers, a `Request-Id`).
fn with_retry_header(mut resp: Response<Body>, f: &Fault, canned: bool) -> Response<Body> {
    let h = resp.headers_mut();
    if let Some(retry) = f.should_retry {
        h.insert(
            "stripe-should-retry",
            HeaderValue::from_static(if retry { "true" } else { "false" }),
        );
    }
    if canned && f.kind != FaultKind::Html {
        if let Ok(v) = HeaderValue::from_str(&ids::request_id()) {
            h.insert("request-id", v);
        }
    }
    resp
}
