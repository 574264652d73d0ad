//! API keys: the shape Stripe accepts, the optional set of keys the emulator is bound to, revoked
//! keys, and the 401 bodies Stripe sends for each failure.

use std::collections::BTreeSet;

use axum::http::{header, HeaderMap};

use crate::error::ApiError;

/// Which keys the emulator accepts. By default any well-formed key; once bound, only the bound
/// keys (a revoked key stays refused even if it is bound again).
#[derive(Default)]
pub(crate) struct KeyPolicy {
    bound: Option<BTreeSet<String>>,
    revoked: BTreeSet<String>,
}

// Never print the keys themselves.
impl std::fmt::Debug for KeyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPolicy")
            .field("bound", &self.bound.as_ref().map(BTreeSet::len))
            .field("revoked", &self.revoked.len())
            .finish()
    }
}

impl KeyPolicy {
    /// Adds a key to the accepted set (and switches to bound mode).
    pub fn bind(&mut self, key: &str) {
        self.bound.get_or_insert_with(BTreeSet::new).insert(key.to_owned());
    }

    /// Revokes a key: requests with it get Stripe's expired-key 401 from now on.
    pub fn revoke(&mut self, key: &str) {
        self.revoked.insert(key.to_owned());
    }

    /// (bound keys or None when any key is accepted, revoked keys): counts for the control API.
    pub fn counts(&self) -> (Option<usize>, usize) {
        (self.bound.as_ref().map(BTreeSet::len), self.revoked.len())
    }

    fn accepts(&self, key: &str) -> Result<(), ApiError> {
        if self.revoked.contains(key) {
            return Err(expired(key));
        }
        match &self.bound {
            Some(keys) if !keys.contains(key) => Err(invalid(key)),
            _ => Ok(()),
        }
    }
}

/// The authenticated caller.
pub(crate) struct ApiKey {
    pub key: String,
    pub livemode: bool,
}

/// Whether `key` has the shape of a Stripe secret or restricted key (`sk_`/`rk_`, `test_`/`live_`).
/// Publishable keys (`pk_`) cannot call these endpoints — <https://docs.stripe.com/keys>.
pub(crate) fn key_is_valid(key: &str) -> bool {
    let rest = key.strip_prefix("sk_").or_else(|| key.strip_prefix("rk_"));
    let rest = rest.and_then(|r| r.strip_prefix("test_").or_else(|| r.strip_prefix("live_")));
    rest.is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// Masks a key as Stripe does in errors: the `sk_test_`-style prefix, asterisks, the last 4.
pub(crate) fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 12))
}

/// (scheme, credential) of the Authorization header.
pub(crate) fn authorization(headers: &HeaderMap) -> Option<(String, String)> {
    let value = String::from_utf8_lossy(headers.get(header::AUTHORIZATION)?.as_bytes())
        .trim()
        .to_owned();
    if value.is_empty() {
        return None;
    }
    let (scheme, cred) = value.split_once(' ').unwrap_or((&value, ""));
    Some((scheme.to_owned(), cred.trim().to_owned()))
}

/// No key at all: 401 without a code.
fn missing() -> ApiError {
    ApiError::invalid("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.")
        .status(401)
}

/// An unknown or malformed key: 401 `Invalid API Key provided: sk_test_****abcd` without a code.
fn invalid(key: &str) -> ApiError {
    ApiError::invalid(format!("Invalid API Key provided: {}", mask_key(key))).status(401)
}

/// A deleted, rolled or expired key: 401 with code `api_key_expired`. Stripe's docs
/// (<https://docs.stripe.com/keys>): "If a request includes a deleted or expired key, Stripe
/// returns an authentication error"; the body, as Stripe's own CLI tests pin it
/// (stripe/stripe-cli `pkg/requests/base_test.go`, `TestMakeRequest_ErrOnAPIKeyExpired`):
/// `{"code": "api_key_expired", "doc_url": ".../api-key-expired", "message": "Expired API Key
/// provided: rk_test_***123", "type": "invalid_request_error"}` with HTTP 401.
fn expired(key: &str) -> ApiError {
    ApiError::invalid(format!("Expired API Key provided: {}", mask_key(key)))
        .code("api_key_expired")
        .status(401)
}

/// Checks the Authorization header against the key shape and the policy.
pub(crate) fn authenticate(headers: &HeaderMap, policy: &KeyPolicy) -> Result<ApiKey, ApiError> {
    let (scheme, cred) = authorization(headers).ok_or_else(missing)?;
    if cred.is_empty() {
        return Err(missing());
    }
    if !scheme.eq_ignore_ascii_case("bearer") || !key_is_valid(&cred) {
        return Err(invalid(&cred));
    }
    policy.accepts(&cred)?;
    let livemode = cred.contains("_live_");
    Ok(ApiKey { key: cred, livemode })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_masks_and_policy() {
        assert!(key_is_valid("sk_test_abc123"));
        assert!(key_is_valid("rk_live_A_b"));
        assert!(!key_is_valid("pk_test_abc"));
        assert!(!key_is_valid("sk_test_"));
        assert!(!key_is_valid("sk_test_ab-c"));
        assert_eq!(mask_key("sk_test_1234567890abcd"), "sk_test_**********abcd");
        assert_eq!(mask_key("short"), "*****");
        let mut p = KeyPolicy::default();
        assert!(p.accepts("sk_test_any").is_ok());
        p.bind("sk_test_good");
        assert!(p.accepts("sk_test_good").is_ok());
        assert_eq!(p.accepts("sk_test_other").map_err(|e| e.code), Err(None));
        p.revoke("sk_test_good");
        let e = p.accepts("sk_test_good").err().map(|e| (e.status, e.code));
        assert_eq!(e, Some((401, Some("api_key_expired".to_owned()))));
        assert!(!format!("{p:?}").contains("sk_test"));
    }
}
