//! Verification of Stripe webhook signatures.
//!
//! Stripe signs `"{t}.{payload}"` with HMAC-SHA256 under the endpoint's `whsec_…` secret and
//! sends `Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]`. As Stripe's own libraries do, every `v1`
//! value is tried (secrets roll over), other schemes are ignored, the comparison is
//! constant-time, and a timestamp older than the tolerance is refused (replay protection).
//!
//! ```
//! use checkout_bridge_server::webhook::{sign_payload, verify_signature};
//! let payload = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
//! let header = sign_payload(payload, "whsec_test", 1_800_000_000);
//! assert!(verify_signature(payload, &header, "whsec_test", 300, 1_800_000_100).is_ok());
//! assert!(verify_signature(payload, &header, "whsec_other", 300, 1_800_000_100).is_err());
//! ```

use ring::hmac;
use serde::Deserialize;

/// Stripe's default tolerance between the signature timestamp and now.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a webhook delivery was refused. Messages never contain the secret or the payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `Stripe-Signature` header, or it has no timestamp.
    #[error("unable to extract timestamp and signatures from the Stripe-Signature header")]
    MalformedHeader,
    /// The header has no `v1` signature.
    #[error("no signatures found with the expected scheme (v1)")]
    NoV1Signature,
    /// No `v1` value matches the payload under this secret.
    #[error("no signature matches the expected signature for the payload")]
    SignatureMismatch,
    /// The timestamp is outside the tolerance (a replay, or a badly wrong clock).
    #[error("timestamp outside the tolerance zone ({age_secs} s old, tolerance {tolerance_secs} s)")]
    StaleTimestamp {
        /// How old the signature is, in seconds (negative: from the future).
        age_secs: i64,
        /// The tolerance that was applied.
        tolerance_secs: i64,
    },
    /// The signature is valid but the body is not a Stripe event.
    #[error("payload is not a Stripe event: {0}")]
    MalformedPayload(String),
}

/// The parts of a Stripe event a merchant needs to fulfil orders.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WebhookEvent {
    /// Event ID (`evt_…`): the deduplication key.
    pub id: String,
    /// Event type, e.g. `checkout.session.completed`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Unix time the event was created.
    pub created: i64,
    /// Live or test mode.
    #[serde(default)]
    pub livemode: bool,
    /// `data.object`: for checkout events, the Checkout Session.
    pub data: EventData,
}

/// The `data` member of an event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EventData {
    /// The object the event is about.
    pub object: serde_json::Value,
}

impl WebhookEvent {
    /// The ID of the object the event is about (the session ID for checkout events).
    pub fn object_id(&self) -> Option<&str> {
        self.data.object.get("id").and_then(|v| v.as_str())
    }
}

/// Checks `header` (the `Stripe-Signature` value) against `payload` (the raw body, before any
/// JSON parsing) at unix time `now`.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    tolerance_secs: i64,
    now: i64,
) -> Result<(), WebhookError> {
    let mut timestamp: Option<i64> = None;
    let mut v1: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => timestamp = v.parse().ok(),
            "v1" => {
                if let Some(sig) = crate::hex::decode(v, 128) {
                    v1.push(sig);
                }
            }
            _ => {} // v0 and future schemes are ignored, as Stripe's libraries do
        }
    }
    let t = timestamp.ok_or(WebhookError::MalformedHeader)?;
    if v1.is_empty() {
        return Err(WebhookError::NoV1Signature);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = Vec::with_capacity(payload.len() + 21);
    signed.extend_from_slice(t.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(payload);
    // `hmac::verify` compares in constant time; every candidate is tried.
    let matched = v1
        .iter()
        .fold(false, |ok, sig| hmac::verify(&key, &signed, sig).is_ok() | ok);
    if !matched {
        return Err(WebhookError::SignatureMismatch);
    }
    let age = now - t;
    if tolerance_secs > 0 && age > tolerance_secs {
        return Err(WebhookError::StaleTimestamp {
            age_secs: age,
            tolerance_secs,
        });
    }
    Ok(())
}

/// Verifies and parses a delivery into a [`WebhookEvent`].
pub fn construct_event(
    payload: &[u8],
    header: &str,
    secret: &str,
    tolerance_secs: i64,
    now: i64,
) -> Result<WebhookEvent, WebhookError> {
    verify_signature(payload, header, secret, tolerance_secs, now)?;
    serde_json::from_slice(payload).map_err(|e| WebhookError::MalformedPayload(e.to_string()))
}

/// Produces a `Stripe-Signature` header for `payload` at time `t`, as Stripe would; for tests
/// and for emulators that send webhooks.
pub fn sign_payload(payload: &[u8], secret: &str, t: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(payload);
    let tag = hmac::sign(&key, &signed);
    format!("t={t},v1={}", crate::hex::encode(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const T: i64 = 1_800_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1800000000,"livemode":false,"data":{"object":{"id":"cs_test_1","object":"checkout.session"}}}"#;

    #[test]
    fn valid_signature_and_event() {
        let h = sign_payload(BODY, SECRET, T);
        let e = construct_event(BODY, &h, SECRET, 300, T + 10).expect("valid");
        assert_eq!(e.id, "evt_1");
        assert_eq!(e.event_type, "checkout.session.completed");
        assert_eq!(e.object_id(), Some("cs_test_1"));
    }

    #[test]
    fn every_v1_is_tried_and_v0_is_ignored() {
        let good = sign_payload(BODY, SECRET, T);
        let good_sig = good.split("v1=").nth(1).expect("sig");
        let header = format!("t={T},v1={},v1={good_sig},v0={}", "00".repeat(32), "ab".repeat(32));
        assert_eq!(verify_signature(BODY, &header, SECRET, 300, T), Ok(()));
        let only_v0 = format!("t={T},v0={good_sig}");
        assert_eq!(
            verify_signature(BODY, &only_v0, SECRET, 300, T),
            Err(WebhookError::NoV1Signature)
        );
    }

    #[test]
    fn refusals_match_stripes_libraries() {
        let h = sign_payload(BODY, SECRET, T);
        assert_eq!(
            verify_signature(BODY, &h, "whsec_wrong", 300, T),
            Err(WebhookError::SignatureMismatch)
        );
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify_signature(&tampered, &h, SECRET, 300, T),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verify_signature(BODY, &h, SECRET, 300, T + 301),
            Err(WebhookError::StaleTimestamp {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(
            verify_signature(BODY, "", SECRET, 300, T),
            Err(WebhookError::MalformedHeader)
        );
        assert_eq!(
            verify_signature(BODY, "v1=abcd", SECRET, 300, T),
            Err(WebhookError::MalformedHeader)
        );
        let not_json = b"not json";
        let h2 = sign_payload(not_json, SECRET, T);
        assert!(matches!(
            construct_event(not_json, &h2, SECRET, 300, T),
            Err(WebhookError::MalformedPayload(_))
        ));
        // No message carries the secret.
        for e in [WebhookError::SignatureMismatch, WebhookError::MalformedHeader] {
            assert!(!e.to_string().contains(SECRET));
        }
    }
}
