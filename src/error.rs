//! One error family for everything the library can fail at.
//!
//! Every variant is typed so apps can branch on it (`is CheckoutException.NotFound` in Kotlin,
//! `catch CheckoutError.NotFound` in Swift), and every message is built so that it can be
//! logged: no key or bearer token ever reaches a message, even when a hostile or careless
//! server echoes one back (see [`redact`]). The mapping from an HTTP failure to a variant lives
//! here too ([`map_error`]), so the transport only moves bytes.

/// What Stripe (or a Stripe-compatible backend) said when it refused a request.
///
/// Fields mirror Stripe's error object (`{"error": {type, code, decline_code, message, param,
/// doc_url}}`) plus the HTTP status and the `Request-Id` header, which Stripe support asks for.
/// Prints as one line, e.g. ``HTTP 404 invalid_request_error (resource_missing) on `id`: …``,
/// in Kotlin's `toString()` and Swift's `description` too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ffi", uniffi::export(Display))]
pub struct ApiErrorDetails {
    /// HTTP status of the response.
    pub status: i32,
    /// Stripe's `error.type`, e.g. `invalid_request_error`, `card_error`, `api_error`.
    pub error_type: Option<String>,
    /// Stripe's machine-readable `error.code`, e.g. `resource_missing`.
    pub code: Option<String>,
    /// For card errors, the issuer's `decline_code`.
    pub decline_code: Option<String>,
    /// Stripe's human-readable message, with anything that looks like a key redacted.
    pub stripe_message: Option<String>,
    /// The request parameter the error is about, e.g. `line_items[0][quantity]`.
    pub param: Option<String>,
    /// Link to Stripe's documentation for `code`.
    pub doc_url: Option<String>,
    /// The `Request-Id` response header.
    pub request_id: Option<String>,
}

impl std::fmt::Display for ApiErrorDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(t) = &self.error_type {
            write!(f, " {t}")?;
        }
        match (&self.code, &self.decline_code) {
            (Some(c), Some(d)) => write!(f, " ({c}, decline {d})")?,
            (Some(c), None) => write!(f, " ({c})")?,
            (None, Some(d)) => write!(f, " (decline {d})")?,
            (None, None) => {}
        }
        if let Some(p) = &self.param {
            write!(f, " on `{p}`")?;
        }
        if let Some(m) = &self.stripe_message {
            write!(f, ": {m}")?;
        }
        if let Some(r) = &self.request_id {
            write!(f, " [request {r}]")?;
        }
        if let Some(u) = &self.doc_url {
            write!(f, " (see {u})")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in checkout-bridge.
///
/// Kotlin sees a sealed `CheckoutException` hierarchy, Swift an `Error` enum.
///
/// `Display` is exported too: Kotlin's `toString()` and Swift's `description` give the same
/// readable, secret-free sentence as Rust (`authentication failed: HTTP 401 …`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
#[cfg_attr(feature = "ffi", uniffi::export(Display))]
pub enum CheckoutError {
    /// A value given to the library was rejected before anything was sent.
    #[error("invalid `{field}`: {reason}")]
    InvalidInput {
        /// The parameter, in Stripe's bracket notation where it has one.
        field: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The key or bearer token was missing, malformed or revoked (HTTP 401).
    #[error("authentication failed: {details}")]
    Authentication {
        /// What the server said.
        details: ApiErrorDetails,
    },
    /// The credential is valid but may not do this (HTTP 403).
    #[error("permission denied: {details}")]
    Permission {
        /// What the server said.
        details: ApiErrorDetails,
    },
    /// The session (or another resource) does not exist for this account (HTTP 404).
    #[error("not found: {details}")]
    NotFound {
        /// What the server said.
        details: ApiErrorDetails,
    },
    /// Too many requests (HTTP 429), still refused after the configured retries.
    #[error("rate limited: {details}")]
    RateLimited {
        /// What the server said.
        details: ApiErrorDetails,
    },
    /// An idempotency key was reused with other parameters, or is still in flight (HTTP 409,
    /// or a 400 of type `idempotency_error`).
    #[error("idempotency conflict: {details}")]
    IdempotencyConflict {
        /// What the server said.
        details: ApiErrorDetails,
    },
    /// Any other error response: invalid request (400), request failed (402), server error (5xx).
    #[error("Stripe API error: {details}")]
    Api {
        /// What the server said.
        details: ApiErrorDetails,
    },
    /// A successful status with a body that is not the expected JSON (truncated, HTML, garbage).
    #[error("invalid response (HTTP {status}): {reason}")]
    InvalidResponse {
        /// HTTP status of the response.
        status: i32,
        /// What was wrong with it.
        reason: String,
        /// The `Request-Id` header, when there was one.
        request_id: Option<String>,
    },
    /// The server could not be reached, or the connection broke (after retries).
    #[error("network error: {reason}")]
    Network {
        /// The underlying failure.
        reason: String,
    },
    /// No answer within the configured time (after retries).
    #[error("timed out after {timeout_ms} ms")]
    Timeout {
        /// The limit that was exceeded.
        timeout_ms: i64,
    },
    /// A link handed back to the app is not one of ours, or is malformed.
    #[error("invalid return URL: {reason}")]
    InvalidReturnUrl {
        /// Why the link was rejected.
        reason: String,
    },
    /// What Stripe reports does not match what this app created.
    #[error("session mismatch: {reason}")]
    SessionMismatch {
        /// Which fact did not match.
        reason: String,
    },
    /// The pending-checkout store could not be read or written.
    #[error("storage error: {reason}")]
    Storage {
        /// The underlying failure.
        reason: String,
    },
    /// A live Stripe key (`sk_live_…`, `rk_live_…`) was configured in a device build (Android,
    /// iOS, Mac Catalyst, or the macOS slice of the Swift package), as a key or as a backend token.
    #[error("{reason}")]
    LiveKeyOnDevice {
        /// What to do instead.
        reason: String,
    },
    /// The operating system could not provide secure random bytes, which every state nonce,
    /// idempotency key and retry delay needs. There is deliberately no weaker fallback (a
    /// guessable nonce or a repeating idempotency key would be a security and money bug), so
    /// the operation fails instead; in practice only a sandbox without any OS random source
    /// can cause it.
    #[error("no secure randomness from the operating system: {reason}")]
    RandomnessUnavailable {
        /// What the OS reported.
        reason: String,
    },
    /// The new session's Checkout page URL is not one the app may open: not https (plain http
    /// only to loopback, and on devices only in debug builds), carrying credentials, or, in
    /// direct mode, not on `checkout.stripe.com`. The session was expired, so it cannot be
    /// paid without the app knowing.
    #[error("untrusted Checkout URL: {reason}")]
    UntrustedCheckoutUrl {
        /// What was wrong with it (the URL itself is not repeated).
        reason: String,
    },
    /// The call needs backend mode (a [`crate::Credential::backend`] token for the app's own
    /// server) and the client holds a Stripe key: e.g. listing purchases, which only the
    /// backend records. Nothing was sent.
    #[error("`{operation}` needs backend mode: {reason}")]
    BackendRequired {
        /// The method that was called, e.g. `list_purchases`.
        operation: String,
        /// Why, and what to configure instead.
        reason: String,
    },
}

impl CheckoutError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CheckoutError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A foreign `PendingStore` that throws something other than `CheckoutException` (Kotlin) or
/// `CheckoutError` (Swift) arrives here instead of panicking across the FFI.
#[cfg(feature = "ffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for CheckoutError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        let reason = clean(&e.reason, None, 300);
        CheckoutError::Storage {
            reason: format!("the app's PendingStore failed unexpectedly: {reason}"),
        }
    }
}

/// Longest text kept from one field of a server's error (message, code, param, …).
pub(crate) const MAX_FIELD_CHARS: usize = 1000;

/// Longest `Request-Id` kept (Stripe's are `req_` and 14 characters).
pub(crate) const MAX_REQUEST_ID_CHARS: usize = 200;

/// At most `max` characters of `s`, with `…` when cut (never splits a character).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Text from outside (a server, serde quoting a server's value, app code), made safe to show:
/// secrets redacted **first**, then cut to `max` characters. Cutting first could split a
/// secret and leave a prefix of it that no longer matches.
pub(crate) fn clean(text: &str, secret: Option<&str>, max: usize) -> String {
    truncate(&redact(text, secret), max)
}

/// Replaces anything shaped like a Stripe credential (`sk_…`, `rk_…`, `pk_…`, `whsec_…`) and
/// every occurrence of `secret` with `[redacted]`.
///
/// Stripe itself echoes a masked key in 401 messages, and a misbehaving backend could echo the
/// whole bearer token; both would otherwise end up in app logs through error messages.
///
/// The secret is also replaced in the escaped forms other code quotes it in: Rust's `{:?}`
/// (serde's `invalid type: string "…"` messages) and JSON's, which differ from the raw secret
/// when it holds a quote or a backslash (printable ASCII, so a valid token may).
pub(crate) fn redact(text: &str, secret: Option<&str>) -> String {
    let mut out = text.to_owned();
    if let Some(s) = secret.filter(|s| s.len() >= 4) {
        let unquote = |q: String| {
            q.strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let debug = unquote(format!("{s:?}"));
        let json = unquote(serde_json::to_string(s).unwrap_or_default());
        for form in [s, debug.as_str(), json.as_str()] {
            if !form.is_empty() {
                out = out.replace(form, "[redacted]");
            }
        }
    }
    for prefix in ["sk_", "rk_", "pk_", "whsec_"] {
        let mut from = 0;
        while let Some(pos) = out[from..].find(prefix).map(|p| p + from) {
            let at_word_start = pos == 0
                || !out[..pos]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let end = out[pos..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '*'))
                .map_or(out.len(), |e| e + pos);
            if at_word_start && end - pos > prefix.len() {
                out.replace_range(pos..end, "[redacted]");
                from = pos + "[redacted]".len();
            } else {
                from = pos + prefix.len();
            }
        }
    }
    out
}

/// What an error response means: by HTTP status first (a 401 carries `type:
/// invalid_request_error`), refined with the body when it is Stripe's JSON error shape; every
/// text from the server has key-shaped words and `secret` redacted, then is truncated.
pub(crate) fn map_error(
    status: i32,
    content_type: Option<&str>,
    body: &[u8],
    request_id: Option<String>,
    secret: &str,
) -> CheckoutError {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Body,
    }
    #[derive(serde::Deserialize, Default)]
    struct Body {
        #[serde(rename = "type")]
        error_type: Option<String>,
        code: Option<String>,
        decline_code: Option<String>,
        message: Option<String>,
        param: Option<String>,
        doc_url: Option<String>,
    }
    let field = |s: Option<String>| s.map(|s| clean(&s, Some(secret), MAX_FIELD_CHARS));
    let parsed = serde_json::from_slice::<Envelope>(body).ok().map(|e| e.error);
    let stripe_message = match &parsed {
        Some(b) => field(b.message.clone()),
        None if body.is_empty() => Some("empty error body".to_owned()),
        None => {
            let ct = content_type.unwrap_or("unknown content type");
            Some(format!(
                "error body is not Stripe's JSON ({} bytes of {})",
                body.len(),
                clean(ct, Some(secret), 64)
            ))
        }
    };
    let b = parsed.unwrap_or_default();
    let details = ApiErrorDetails {
        status,
        error_type: field(b.error_type.clone()),
        code: field(b.code),
        decline_code: field(b.decline_code),
        stripe_message,
        param: field(b.param),
        doc_url: field(b.doc_url),
        request_id,
    };
    match status {
        401 => CheckoutError::Authentication { details },
        403 => CheckoutError::Permission { details },
        404 => CheckoutError::NotFound { details },
        409 => CheckoutError::IdempotencyConflict { details },
        429 => CheckoutError::RateLimited { details },
        400 if b.error_type.as_deref() == Some("idempotency_error") => CheckoutError::IdempotencyConflict { details },
        _ => CheckoutError::Api { details },
    }
}

/// Where and how a response body failed to decode. serde quotes the offending value in a
/// shape error (`invalid type: string "…", expected i64`), and that value is the server's, so
/// it is redacted (and cut) like any other server text.
pub(crate) fn describe_json_error(e: &serde_json::Error, secret: &str) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("truncated at line {} column {}", e.line(), e.column()),
        Category::Syntax => format!("malformed at line {} column {}", e.line(), e.column()),
        Category::Data => format!("unexpected shape ({})", clean(&e.to_string(), Some(secret), 300)),
        Category::Io => "read error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_stripe_masked_keys_and_the_exact_secret() {
        let msg = "Invalid API Key provided: sk_test_********************1234; token abcdefTOKEN";
        let out = redact(msg, Some("abcdefTOKEN"));
        assert_eq!(out, "Invalid API Key provided: [redacted]; token [redacted]");
        assert_eq!(
            redact("key rk_live_abc and whsec_xyz", None),
            "key [redacted] and [redacted]"
        );
        // Words that merely contain the prefix, or the bare prefix, are left alone.
        assert_eq!(redact("task_done disk_ sk_", None), "task_done disk_ sk_");
    }

    #[test]
    fn redaction_comes_before_truncation_and_covers_escaped_forms() {
        let token = r#"tok"en\x-1234567890"#;
        let cut_inside = format!("{}{token}", "x".repeat(995));
        let out = clean(&cut_inside, Some(token), 1000);
        assert!(!out.contains("tok"), "{out}");
        assert!(out.starts_with("xxx") && out.ends_with('…'), "{out}");
        let quoted = format!("invalid type: string {token:?}, expected i64");
        assert_eq!(
            redact(&quoted, Some(token)),
            "invalid type: string \"[redacted]\", expected i64"
        );
        let json = serde_json::to_string(token).unwrap();
        assert_eq!(redact(&json, Some(token)), "\"[redacted]\"");
    }

    #[test]
    fn display_of_api_details_is_compact() {
        let d = ApiErrorDetails {
            status: 404,
            error_type: Some("invalid_request_error".into()),
            code: Some("resource_missing".into()),
            param: Some("id".into()),
            stripe_message: Some("No such checkout.session".into()),
            request_id: Some("req_1".into()),
            ..Default::default()
        };
        let e = CheckoutError::NotFound { details: d };
        assert_eq!(
            e.to_string(),
            "not found: HTTP 404 invalid_request_error (resource_missing) on `id`: No such checkout.session [request req_1]"
        );
        // Card errors keep the issuer's decline code, and the doc link when Stripe sends one.
        let card = ApiErrorDetails {
            status: 402,
            error_type: Some("card_error".into()),
            code: Some("card_declined".into()),
            decline_code: Some("insufficient_funds".into()),
            doc_url: Some("https://stripe.com/docs/error-codes/card-declined".into()),
            ..Default::default()
        };
        assert_eq!(
            card.to_string(),
            "HTTP 402 card_error (card_declined, decline insufficient_funds) (see https://stripe.com/docs/error-codes/card-declined)"
        );
        let decline_only = ApiErrorDetails {
            status: 402,
            decline_code: Some("do_not_honor".into()),
            ..Default::default()
        };
        assert_eq!(decline_only.to_string(), "HTTP 402 (decline do_not_honor)");
    }

    #[test]
    fn error_mapping_by_status_first() {
        let body =
            br#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****1234"}}"#;
        let e = map_error(401, None, body, Some("req_1".into()), "sk_test_abcd1234");
        match e {
            CheckoutError::Authentication { details } => {
                assert_eq!(details.error_type.as_deref(), Some("invalid_request_error"));
                assert_eq!(
                    details.stripe_message.as_deref(),
                    Some("Invalid API Key provided: [redacted]")
                );
                assert_eq!(details.request_id.as_deref(), Some("req_1"));
            }
            other => panic!("{other:?}"),
        }
        let e = map_error(502, Some("text/html"), b"<html>502</html>", None, "sk_x");
        assert!(
            matches!(e, CheckoutError::Api { ref details } if details.status == 502),
            "{e:?}"
        );
        let e = map_error(400, None, br#"{"error":{"type":"idempotency_error"}}"#, None, "sk_x");
        assert!(matches!(e, CheckoutError::IdempotencyConflict { .. }));
    }
}
