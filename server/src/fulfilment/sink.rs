//! Where fulfilments go: the [`FulfilmentSink`] trait, and [`HttpSink`], which POSTs each
//! delivery to `fulfilment_url`, signed.
//!
//! ## Verifying a delivery (for merchants)
//!
//! `POST fulfilment_url` with `Content-Type: application/json` and
//!
//! ```text
//! Checkout-Bridge-Signature: t=1800000000,v1=5257a869e7…   (64 hex digits)
//! Idempotency-Key: ful_cs_test_a1b2…
//! ```
//!
//! signed exactly as Stripe signs webhooks (https://docs.stripe.com/webhooks, "Verify webhook
//! signatures manually"): `v1` is the lowercase hex HMAC-SHA256, keyed with the secret from
//! `CHECKOUT_BRIDGE_FULFILMENT_SECRET` (its UTF-8 bytes), of the timestamp, a `.`, and the raw
//! body. Check it against the raw body before parsing, compare in constant time, and refuse
//! timestamps more than five minutes away; each attempt is signed afresh. Code that verifies
//! `Stripe-Signature` verifies this header with the fulfilment secret instead of the webhook
//! secret (see [`crate::wire::webhook::verify_signature`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use crate::fulfilment::error::DeliveryError;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Checkout-Bridge-Signature";

/// One delivery handed to a sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The idempotency key: the same for every attempt of one notice, distinct between notices.
    pub key: String,
    /// `purchase.fulfilled`, `purchase.refunded` or `purchase.disputed`.
    pub kind: String,
    /// The JSON body (an event whose `data.object` is the purchase).
    pub payload: String,
    /// 1 for the first attempt.
    pub attempt: i64,
}

/// What [`FulfilmentSink::deliver`] returns.
pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// Where fulfilments go. The server uses [`HttpSink`] for `fulfilment_url`; a Rust program
/// embedding the server passes its own to [`crate::spawn_with_sink`] and gets the same
/// at-least-once delivery from the outbox (leases, retries, restarts) without an HTTP hop.
///
/// ```
/// use checkout_bridge_server::fulfilment::{Delivery, DeliveryFuture, FulfilmentSink};
///
/// struct GrantEntitlement;
/// impl FulfilmentSink for GrantEntitlement {
///     fn deliver<'a>(&'a self, d: &'a Delivery) -> DeliveryFuture<'a> {
///         Box::pin(async move {
///             // Idempotent on d.key: the same key may come again after a crash.
///             println!("{} {}", d.kind, d.key);
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait FulfilmentSink: Send + Sync + 'static {
    /// Hands over one delivery; `Ok` once the receiver has it durably, `Err` with a short
    /// reason (logged and stored, so never a secret) to be retried later. The outbox cuts the
    /// call off after `fulfilment_timeout_ms`.
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> DeliveryFuture<'a>;
}

/// POSTs each delivery to the merchant's URL, signed; a 2xx is success, anything else
/// (redirects included, as Stripe counts them for webhooks) a failure.
pub struct HttpSink {
    url: url::Url,
    secret: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for HttpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSink")
            .field("url", &self.url.as_str())
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The body read from a merchant's answer, at most (the rest is dropped with the connection).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

impl HttpSink {
    /// For `url` (validated by the configuration: https, or http on loopback) and the signing
    /// secret.
    ///
    /// # Errors
    ///
    /// An unparsable URL, or the HTTP client cannot be built.
    pub fn new(url: &str, secret: &str, timeout: Duration) -> Result<Self, DeliveryError> {
        let url = url::Url::parse(url).map_err(|e| DeliveryError::Setup(format!("fulfilment_url: {e}")))?;
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| DeliveryError::Setup(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| DeliveryError::Setup(format!("HTTP client: {e}")))?;
        Ok(HttpSink {
            url,
            secret: secret.to_owned(),
            http,
        })
    }
}

impl FulfilmentSink for HttpSink {
    fn deliver<'a>(&'a self, d: &'a Delivery) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let signature =
                crate::wire::webhook::sign_payload(d.payload.as_bytes(), &self.secret, crate::base::clock::unix_now());
            let resp = self
                .http
                .post(self.url.clone())
                .header("content-type", "application/json")
                .header(
                    "user-agent",
                    concat!("checkout-bridge-server/", env!("CARGO_PKG_VERSION")),
                )
                .header(SIGNATURE_HEADER, signature)
                .header("idempotency-key", &d.key)
                .header("checkout-bridge-attempt", d.attempt.to_string())
                .body(d.payload.clone())
                .send()
                .await
                .map_err(describe)?;
            let status = resp.status();
            // Read (a bounded amount of) the answer so the connection can be reused.
            let mut resp = resp;
            let mut read = 0usize;
            while read < MAX_ANSWER_BYTES {
                match resp.chunk().await {
                    Ok(Some(c)) => read += c.len(),
                    Ok(None) | Err(_) => break,
                }
            }
            if status.is_success() {
                Ok(())
            } else {
                Err(DeliveryError::Status(status.as_u16()))
            }
        })
    }
}

/// A reqwest error without its URL (which the merchant may consider private).
fn describe(e: reqwest::Error) -> DeliveryError {
    if e.is_timeout() {
        DeliveryError::TimedOut
    } else if e.is_connect() {
        DeliveryError::ConnectionFailed
    } else {
        DeliveryError::Request(e.without_url().to_string())
    }
}
