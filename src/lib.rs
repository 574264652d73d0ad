//! # checkout-bridge
//!
//! Stripe Checkout for native Android and iOS apps: one Rust core that creates and retrieves
//! Checkout Sessions, builds and strictly parses the links that bring the customer back, and
//! decides the payment outcome only from what Stripe reports, never from the link. With the
//! `ffi` feature the same API is exported to Kotlin and Swift through UniFFI.
//!
//! Start with [`CheckoutFlow`], which runs the whole round trip; [`CheckoutClient`] has the raw
//! Checkout Session operations.
//!
//! A whole checkout, from the app's side (`no_run`: it needs a server; `cargo run --example demo`
//! runs the same round trip against the Stripe emulator on 127.0.0.1):
//!
//! ```no_run
//! use checkout_bridge::{
//!     simple_checkout_params, CheckoutClient, CheckoutFlow, ClientConfig, Credential, FileStore,
//!     PaymentOutcome, SimpleCheckout,
//! };
//!
//! # async fn round_trip(link_from_the_os: String) -> Result<(), checkout_bridge::CheckoutError> {
//! // Backend mode: your server (the reference one is in server/) holds the Stripe key and
//! // enforces your prices; the app holds only its user's token.
//! let config = ClientConfig::new(Credential::backend("user-token"))
//!     .with_base_url("https://api.shop.example");
//! let client = CheckoutClient::new(config)?;
//! let store = FileStore::open("/data/user/0/com.shop/files/checkout".into())?;
//! let flow = CheckoutFlow::new(client, "myapp://checkout".into(), store)?;
//!
//! let pending = flow
//!     .start(simple_checkout_params(SimpleCheckout {
//!         amount: 1999,
//!         currency: "usd".into(),
//!         name: "T-shirt".into(),
//!         description: None,
//!         success_url: None, // the flow builds the return links
//!         cancel_url: None,
//!         customer_email: None,
//!     }))
//!     .await?;
//! println!("open {} in the system browser", pending.url);
//!
//! // Later, when the OS hands the app a link:
//! if flow.is_return_link(&link_from_the_os) {
//!     let result = flow.handle_return_url(link_from_the_os).await?;
//!     match result.outcome {
//!         PaymentOutcome::Paid => println!("fulfil {}", result.session.id),
//!         PaymentOutcome::Processing => println!("paid with a delayed method: wait"),
//!         PaymentOutcome::Canceled | PaymentOutcome::Expired | PaymentOutcome::Open => println!("not paid"),
//!     }
//! }
//!
//! // On the next app start, for links that never came back:
//! for p in flow.pending()? {
//!     let _ = flow.resolve_pending(p.session_id).await;
//! }
//! # Ok(()) }
//! ```
//!
//! ## The round trip
//!
//! 1. [`CheckoutFlow::start`] builds the return links `…/success?session_id={CHECKOUT_SESSION_ID}&state=NONCE`
//!    and `…/cancel?state=NONCE` (a 128-bit nonce from the OS), creates the session, records the
//!    pending checkout durably in a [`PendingStore`], and returns it with the `url` to open.
//! 2. The app opens that URL in the system browser surface (Custom Tabs on Android,
//!    `ASWebAuthenticationSession` on iOS; never an app-owned WebView, where wallets break).
//! 3. Stripe redirects to the success or cancel link, which routes back into the app;
//!    [`CheckoutFlow::is_return_link`] tells the app's deep-link routing whether a link is ours.
//! 4. [`CheckoutFlow::handle_return_url`] treats the link as untrusted input: it parses it
//!    strictly, finds the pending checkout by its state, retrieves the session from Stripe,
//!    checks it is the one created, and maps Stripe's status to a [`PaymentOutcome`].
//! 5. If no link ever comes back, [`CheckoutFlow::pending`] lists the unresolved checkouts and
//!    [`CheckoutFlow::resolve_pending`] asks Stripe about each.
//! 6. After a reinstall, [`CheckoutClient::list_purchases`] (backend mode) asks the app's server
//!    for every [`Purchase`] it fulfilled for this user ("restore purchases").
//!
//! ## Errors
//!
//! Every fallible call returns [`CheckoutError`], one typed family (a sealed
//! `CheckoutException` in Kotlin, an `Error` enum in Swift); each function's `# Errors`
//! section lists the variants it can return. Messages never contain a key or token.
//!
//! ## Features
//!
//! - `ffi` (off by default): the UniFFI derives, exports and scaffolding behind the Kotlin and
//!   Swift bindings. The scripts that generate bindings or build for devices enable it; Rust
//!   users and the reference server build without UniFFI.
//! - `reqwest` (on by default): the built-in transport, reqwest with rustls on `ring` and the
//!   Mozilla roots, which [`CheckoutClient::new`] uses. Without it (`default-features = false`)
//!   the library holds no HTTP stack, TLS or root store of its own, and apps send through their
//!   platform's with [`CheckoutClient::with_transport`] and an [`HttpTransport`]: the mobile
//!   build option (docs/performance.md).
//!
//! ## Async runtime and threads
//!
//! The async methods need a tokio context (timers, hyper's I/O, `spawn_blocking`).
//!
//! - **From Rust** they run on the caller's tokio runtime, and the library starts no thread of
//!   its own. `CheckoutFlow`'s store calls (they fsync, or call app code) and DNS lookups of
//!   host names (reqwest's resolver) run on that runtime's blocking pool. An [`HttpTransport`]
//!   of the app's runs wherever the app's platform runs it (OkHttp's dispatcher, `URLSession`'s
//!   queues); the library awaits it.
//! - **From Kotlin and Swift** (feature `ffi`) the exported async methods use UniFFI's `tokio`
//!   support: the caller's coroutine or task polls the Rust future, wrapped in async-compat,
//!   whose fallback tokio runtime runs hyper's I/O and the timers on **one thread**
//!   (`async-compat/tokio-1`), started by the first call and kept for the life of the process.
//!   Store calls and DNS lookups run on that runtime's blocking pool: tokio starts its threads
//!   (`tokio-rt-worker`) on demand, one per such call in flight at the same time, and stops
//!   each after 10 s without work. Measured from Kotlin (`tests/kotlin/ThreadTests.kt`, three
//!   sequential `start` + `handle_return_url` round trips with the file store on loopback, so
//!   no DNS): 1 I/O thread and 1 blocking-pool thread after each (2 is possible when a store
//!   call starts just as the previous one's thread finishes); 10.1 s after the last, the I/O
//!   thread alone.
//!
//! Why not a runtime of our own with `spawn`: cancelling the coroutine or task drops the Rust
//! future directly, and with it the HTTP request; there is no second task to abort.

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Every fallible public function says how it fails, as reqwest does.
#![deny(clippy::missing_errors_doc)]
// CheckoutError carries Stripe's error details as plain fields so Kotlin and Swift see them
// directly; errors are rare, so the larger Result is not worth boxing them away from FFI users.
#![allow(clippy::result_large_err)]

// README.md's Rust example is compiled (and run) as a doctest, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

// The bindings' runtime is chosen here and in the `async_runtime = "tokio"` of each exported
// impl: see "Async runtime and threads" above.
#[cfg(feature = "ffi")]
uniffi::setup_scaffolding!();

mod client;
mod config;
mod error;
mod flow;
mod form;
mod hex;
mod http;
mod model;
mod os;
mod params;
mod payment_method_types;
mod purchase;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod return_url;
#[cfg(test)]
mod source_rules;
mod store;
#[cfg(feature = "reqwest")]
mod tls;
mod transport;
mod validate;

pub use client::CheckoutClient;
pub use config::{
    live_key_forbidden, validate_credential, ClientConfig, Credential, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS,
    PINNED_STRIPE_VERSION, STRIPE_API_BASE,
};
pub use error::{ApiErrorDetails, CheckoutError};
pub use flow::{CheckoutFlow, PaymentResult};
pub use form::{encode_create_params, FormBody};
pub use http::{HttpHeader, HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError};
pub use model::{
    session_receipt, Address, AppliedDiscount, AutomaticTaxStatus, CheckoutMode, CheckoutSession, CollectedInformation,
    CustomerDetails, LineItem, LineItemPriceInfo, PaymentOutcome, PaymentStatus, Receipt, RecurringInterval,
    SessionAutomaticTax, SessionStatus, ShippingCost, ShippingDetails, TotalDetails,
};
pub use os::{new_idempotency_key, new_state};
pub use params::{
    simple_checkout_params, AdjustableQuantity, AllowRedisplay, AutomaticTax, BillingAddressCollection,
    ConsentCollection, CreateSessionParams, CustomText, CustomerCreation, CustomerUpdate, CustomerUpdateMode,
    DeliveryBound, DeliveryEstimate, DeliveryUnit, Discount, LineItemParams, LineItemPrice, OriginContext,
    PaymentIntentData, PromotionsConsent, Recurring, ReuseAgreementPosition, SavedPaymentMethodOptions,
    SetupFutureUsage, SetupIntentData, ShippingAddressCollection, ShippingOption, SimpleCheckout, SubmitType,
    SubscriptionData, TaxBehavior, TaxIdCollection, TaxIdRequirement, TermsOfServiceConsent, DEFAULT_QUANTITY,
};
pub use purchase::{Purchase, PurchaseSource};
pub use return_url::{
    build_return_urls, parse_return_url, ReturnBase, ReturnEvent, ReturnKind, ReturnUrls, MAX_RETURN_URL_LEN,
    SESSION_ID_PLACEHOLDER,
};
pub use store::{open_file_store, FileStore, PendingCheckout, PendingStore};
pub use transport::{MAX_RESPONSE_BYTES, USER_AGENT_VALUE};

/// The client's decode path for a session response (`serde_json` plus the redacted
/// [`CheckoutError::InvalidResponse`]), for the cargo-fuzz target `fuzz/fuzz_targets/session_json.rs`;
/// not part of the API.
///
/// # Errors
///
/// [`CheckoutError::InvalidResponse`] when `body` is not a session.
#[doc(hidden)]
pub fn decode_session_response(body: &[u8], secret: &str) -> Result<CheckoutSession, CheckoutError> {
    transport::decode_json(body, secret, None)
}
pub use validate::{
    validate_create_params, CLOCK_SKEW_MARGIN_SECS, LOCALES, MAX_EXPIRY_SECS, MAX_LINE_ITEMS, MAX_QUANTITY,
    MAX_SUBSCRIPTION_ONE_TIME_ITEMS, MAX_SUBSCRIPTION_RECURRING_ITEMS, MIN_EXPIRY_SECS,
};
