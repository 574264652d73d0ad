//! # checkout-bridge
//!
//! Stripe Checkout for native Android and iOS apps: one Rust core that creates and retrieves
//! Checkout Sessions and decides the payment outcome only from what Stripe says, exported to
//! Kotlin and Swift through UniFFI.
//!
//! Start with [`CheckoutFlow`] (or [`CheckoutClient`] for the raw operations); see the README for the round trip and the security model.

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// CheckoutError carries Stripe's error details as plain fields so Kotlin and Swift see them
// directly; errors are rare, so the larger Result is not worth boxing them away from FFI users.
#![allow(clippy::result_large_err)]

// Runtime strategy for the bindings: exported async methods use `async_runtime = "tokio"`, so
// UniFFI wraps each future in async-compat. The future is polled by the foreign executor (a
// Kotlin coroutine or Swift task) while hyper's I/O runs on one lazily started tokio thread.
// Why this and not a runtime we own plus `spawn`: cancelling the coroutine or task drops the
// Rust future directly (and with it the HTTP request), there is no second task to abort, and
// the library adds exactly one thread to the app. Rust callers bring their own tokio runtime.
uniffi::setup_scaffolding!();

mod client;
mod config;
mod error;
mod flow;
mod form;
mod hex;
mod model;
mod return_url;
mod store;
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
pub use model::{
    simple_checkout_params, CheckoutMode, CheckoutSession, CreateSessionParams, CustomerDetails, LineItem,
    LineItemParams, LineItemPrice, LineItemPriceInfo, OriginContext, PaymentStatus, Recurring, RecurringInterval,
    SessionStatus, SimpleCheckout,
};
pub use return_url::{
    build_return_urls, new_state, parse_return_url, ReturnBase, ReturnEvent, ReturnKind, ReturnUrls,
    MAX_RETURN_URL_LEN, SESSION_ID_PLACEHOLDER,
};
pub use store::{open_file_store, FileStore, PaymentOutcome, PendingCheckout, PendingStore};
pub use transport::{new_idempotency_key, USER_AGENT_VALUE};
pub use validate::{validate_create_params, MAX_LINE_ITEMS, MAX_QUANTITY};
