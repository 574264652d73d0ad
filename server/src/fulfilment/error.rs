//! What can go wrong while fulfilling and delivering.

use checkout_bridge::CheckoutError;

use crate::store::StoreError;

/// A fulfilment step failed; nothing was recorded, and the signal may be repeated.
#[derive(Debug, thiserror::Error)]
pub enum FulfilmentError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stripe did not answer a read the step needs.
    #[error("cannot {what}: {source}")]
    Stripe {
        /// What was asked (`retrieve the session`, `list the line items`).
        what: &'static str,
        /// The client's error.
        #[source]
        source: CheckoutError,
    },
    /// No randomness for this instance's lease name.
    #[error("cannot name this instance: {0}")]
    Randomness(#[source] CheckoutError),
    /// The delivery target cannot be set up.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

/// Why one delivery attempt failed (logged and stored with the row, so never a secret), or why
/// the sink cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The merchant answered, but not 2xx (redirects included).
    #[error("HTTP {0}")]
    Status(u16),
    /// No answer within `fulfilment_timeout_ms`.
    #[error("timed out")]
    TimedOut,
    /// No connection to the merchant.
    #[error("connection failed")]
    ConnectionFailed,
    /// The request failed otherwise (without its URL, which the merchant may consider private).
    #[error("request failed: {0}")]
    Request(String),
    /// The sink cannot be built (`fulfilment_url`, TLS).
    #[error("fulfilment delivery cannot be set up: {0}")]
    Setup(String),
    /// An embedder's sink refused, with its reason.
    #[error("{0}")]
    Refused(String),
}

impl From<String> for DeliveryError {
    fn from(reason: String) -> Self {
        DeliveryError::Refused(reason)
    }
}

impl From<&str> for DeliveryError {
    fn from(reason: &str) -> Self {
        DeliveryError::Refused(reason.to_owned())
    }
}
