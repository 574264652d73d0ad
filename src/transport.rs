//! Requests to Stripe (or a Stripe-compatible backend) over an [`HttpTransport`]: headers,
//! timeouts, retries with jittered backoff, an idempotency key on every POST, the response size
//! limit and the refusal of redirects. The transport only moves bytes (see [`crate::http`]);
//! what a failed response *means* is decided in [`crate::error`].

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use crate::config::ClientConfig;
use crate::error::{clean, describe_json_error, map_error, CheckoutError, MAX_REQUEST_ID_CHARS};
use crate::http::{HttpHeader, HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError};
use crate::os::{jitter, new_idempotency_key};

/// Sent as `User-Agent`: the crate and its version.
pub const USER_AGENT_VALUE: &str = concat!("checkout-bridge/", env!("CARGO_PKG_VERSION"), " (rust)");

/// Largest response body accepted; a hostile server cannot make the app buffer more.
pub const MAX_RESPONSE_BYTES: usize = 2 * 1024 * 1024;

/// First retry delay, doubling per retry up to [`MAX_BACKOFF`], and the floor of every delay
/// after jitter: Stripe's SDKs' values (stripe-node `src/RequestSender.ts`
/// `_getSleepTimeInMS`, stripe-ruby `lib/stripe/api_requestor.rb` `sleep_time`: "But never
/// sleep less than the base sleep seconds").
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// Upper bound of the retry delay before jitter.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The longest `Retry-After` the client waits for; a server asking for more gets its error
/// returned at once instead (see [`backoff`]).
pub const MAX_RETRY_AFTER: Duration = MAX_BACKOFF;

/// A configured connection to the API. Cheap to share: the transport keeps the connections.
pub(crate) struct Transport {
    http: Arc<dyn HttpTransport>,
    base: Url,
    secret: String,
    /// Sent on every request, `authorization` first.
    headers: Vec<HttpHeader>,
    timeout: Duration,
    max_retries: u32,
}

/// The outcome of one attempt, before the retry decision.
enum Attempt {
    Done(Vec<u8>, Option<String>),
    Failed {
        error: CheckoutError,
        retry: bool,
        retry_after: Option<Duration>,
    },
}

impl Attempt {
    /// A failure with no response, retried as a connection error is.
    fn no_response(error: CheckoutError) -> Self {
        Attempt::Failed {
            error,
            retry: true,
            retry_after: None,
        }
    }
}

impl Transport {
    /// Checks `config` and prepares the headers every request carries; `http` sends them.
    pub(crate) fn new(config: &ClientConfig, http: Arc<dyn HttpTransport>) -> Result<Self, CheckoutError> {
        let base = config.validate()?;
        let secret = config.credential.secret().to_owned();
        // Header values must be printable ASCII (RFC 9110 field values, as hyper and OkHttp
        // enforce): refused here, whichever transport sends them.
        let mut headers = vec![HttpHeader::new("authorization", format!("Bearer {secret}"))];
        if !header_value_ok(&headers[0].value) {
            return Err(CheckoutError::invalid("credential", "must be printable ASCII"));
        }
        headers.push(HttpHeader::new("user-agent", USER_AGENT_VALUE));
        let version = config.effective_stripe_version();
        if !header_value_ok(version) {
            return Err(CheckoutError::invalid("stripe_version", "must be ASCII"));
        }
        headers.push(HttpHeader::new("stripe-version", version));
        if let Some(acct) = &config.stripe_account {
            if !header_value_ok(acct) {
                return Err(CheckoutError::invalid("stripe_account", "must be ASCII"));
            }
            headers.push(HttpHeader::new("stripe-account", acct.as_str()));
        }
        Ok(Transport {
            http,
            base,
            secret,
            headers,
            timeout: Duration::from_millis(millis(config.timeout_ms)),
            // Validated to 0..=10 by `ClientConfig::validate`.
            max_retries: u32::try_from(config.max_retries).unwrap_or(0),
        })
    }

    /// Builds the URL for `segments` under the base path; segments are percent-encoded.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// GET and decode JSON.
    pub(crate) async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, CheckoutError> {
        self.send(HttpMethod::Get, url, None, None).await
    }

    /// POST a form body and decode JSON. Every POST carries an `Idempotency-Key`: the caller's,
    /// or a fresh random one, reused across the retries of this call.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        url: Url,
        body: String,
        idempotency_key: Option<String>,
    ) -> Result<T, CheckoutError> {
        let key = match idempotency_key {
            Some(k) => k,
            None => new_idempotency_key()?,
        };
        self.send(HttpMethod::Post, url, Some(body), Some(key)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: HttpMethod,
        url: Url,
        body: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<T, CheckoutError> {
        let mut headers = self.headers.clone();
        if let Some(k) = idempotency_key {
            if !header_value_ok(&k) {
                return Err(CheckoutError::invalid("idempotency_key", "must be printable ASCII"));
            }
            headers.push(HttpHeader::new("idempotency-key", k));
        }
        if body.is_some() {
            headers.push(HttpHeader::new("content-type", "application/x-www-form-urlencoded"));
        }
        let request = HttpRequest {
            method,
            url: url.into(),
            headers,
            body: body.map(String::into_bytes),
            timeout_ms: i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX),
            max_response_bytes: MAX_RESPONSE_BYTES as i64,
        };
        let mut attempt: u32 = 0;
        loop {
            match self.attempt(request.clone()).await {
                Attempt::Done(bytes, request_id) => return decode_json(&bytes, &self.secret, request_id),
                Attempt::Failed {
                    error,
                    retry,
                    retry_after,
                } => {
                    if !retry || attempt >= self.max_retries {
                        return Err(error);
                    }
                    attempt += 1;
                    let Some(delay) = backoff(attempt, retry_after, jitter()?) else {
                        return Err(error);
                    };
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self, request: HttpRequest) -> Attempt {
        let timeout_ms = request.timeout_ms;
        // One deadline covers connect, headers and the whole body, whichever transport sends:
        // a server that trickles bytes cannot hold the call open past the timeout. When it
        // passes, the transport's future is dropped, which cancels its call.
        let response = match tokio::time::timeout(self.timeout, self.http.send(request)).await {
            Err(_) | Ok(Err(TransportError::Timeout { .. })) => {
                return Attempt::no_response(CheckoutError::Timeout { timeout_ms })
            }
            Ok(Err(e)) => {
                return Attempt::no_response(CheckoutError::Network {
                    reason: clean(&e.to_string(), Some(&self.secret), 300),
                })
            }
            Ok(Ok(r)) => r,
        };
        self.judge(response)
    }

    /// What a response means: success, or an error and whether to retry it.
    fn judge(&self, response: HttpResponse) -> Attempt {
        let request_id = response
            .header("request-id")
            .map(|s| clean(s, Some(&self.secret), MAX_REQUEST_ID_CHARS));
        let invalid = |reason: String, request_id| Attempt::Failed {
            error: CheckoutError::InvalidResponse {
                status: response.status,
                reason,
                request_id,
            },
            retry: false,
            retry_after: None,
        };
        if !(100..=599).contains(&response.status) {
            return invalid(format!("HTTP status {} is not a status", response.status), request_id);
        }
        if response.body.len() > MAX_RESPONSE_BYTES {
            return invalid(format!("response body exceeds {MAX_RESPONSE_BYTES} bytes"), request_id);
        }
        if (200..300).contains(&response.status) {
            return Attempt::Done(response.body, request_id);
        }
        let retry_after = response.header("retry-after").and_then(parse_retry_after);
        let error = map_error(
            response.status,
            response.header("content-type"),
            &response.body,
            request_id,
            &self.secret,
        );
        let retry = should_retry(response.status, response.header("stripe-should-retry"), &error);
        Attempt::Failed {
            error,
            retry,
            retry_after,
        }
    }
}

/// Printable ASCII (and tab): what a header value may hold.
fn header_value_ok(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// Milliseconds from the FFI-friendly signed form (validated positive) for `Duration`.
pub(crate) fn millis(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

/// Whether a failed response may be retried, in the order Stripe's SDKs decide it
/// (stripe-ruby `lib/stripe/api_requestor.rb` `should_retry?`; stripe-node
/// `src/RequestSender.ts` `_shouldRetry` has the same order without the 429 case):
///
/// 1. `Stripe-Should-Retry` decides when present: `false` ("it won't have an additional
///    effect") even for a 5xx or a lock timeout, `true` even for a 4xx
///    (<https://docs.stripe.com/error-low-level>).
/// 2. 409 Conflict.
/// 3. 429 whose `code` is `lock_timeout`: "some 429s are lock timeouts, which is when a
///    request conflicted with another request or an internal process on some particular
///    object. These 429s are safe to retry." Other 429s are rate limits, and retrying them
///    "would likely contribute to more contention problems" (both stripe-ruby, same place;
///    stripe-go `error.go` `canRetry` retries the same case).
/// 4. 5xx.
fn should_retry(status: i32, stripe_should_retry: Option<&str>, error: &CheckoutError) -> bool {
    match stripe_should_retry {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    if status == 409 || (500..=599).contains(&status) {
        return true;
    }
    matches!(error, CheckoutError::RateLimited { details } if details.code.as_deref() == Some("lock_timeout"))
}

/// `Retry-After` in its delta-seconds form (`Retry-After: 3`); the HTTP-date form is ignored,
/// because judging a date needs the device clock, which may be off.
fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Delay before retry number `retry` (1-based), or `None` when the client should not retry.
///
/// Stripe's SDKs' schedule: 0.5 s doubling to 5 s, times `jitter` (a random 0.5–1.0 from
/// [`crate::os::jitter`]), and never less than 0.5 s after jitter (see [`INITIAL_BACKOFF`]).
///
/// `Retry-After` is this library's own choice: no official Stripe SDK reads it (stripe-go,
/// -node, -python, -ruby, -php, -dotnet and -java have no Retry-After handling), and Stripe's
/// API does not document sending it. A backend or a proxy in front of it may send one with a
/// 503, and it is then a statement that an earlier retry will fail too. So it is honoured as a
/// lower bound (never retry sooner than the server asked), up to [`MAX_RETRY_AFTER`]; a server
/// asking for longer gets `None`: the caller returns the error at once rather than hold a
/// customer-facing call for that long, and the app decides when to try again.
pub(crate) fn backoff(retry: u32, retry_after: Option<Duration>, jitter: f64) -> Option<Duration> {
    let exp = INITIAL_BACKOFF.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
    let capped = exp.min(MAX_BACKOFF);
    let d = capped.mul_f64(jitter.clamp(0.5, 1.0)).max(INITIAL_BACKOFF);
    match retry_after {
        Some(ra) if ra > MAX_RETRY_AFTER => None,
        Some(ra) => Some(ra.max(d)),
        None => Some(d),
    }
}

/// Decodes a successful response body; a body that is not the expected JSON is
/// [`CheckoutError::InvalidResponse`], its serde message redacted of `secret` (fuzzed by
/// `fuzz/fuzz_targets/session_json.rs` through `crate::decode_session_response`).
pub(crate) fn decode_json<T: DeserializeOwned>(
    bytes: &[u8],
    secret: &str,
    request_id: Option<String>,
) -> Result<T, CheckoutError> {
    serde_json::from_slice(bytes).map_err(|e| CheckoutError::InvalidResponse {
        status: 200,
        reason: format!("response is not the expected JSON: {}", describe_json_error(&e, secret)),
        request_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_jitters_and_never_goes_below_half_a_second() {
        let ms = Duration::from_millis;
        let b = |retry, ra, j| backoff(retry, ra, j).expect("retried");
        assert_eq!(b(1, None, 1.0), ms(500));
        assert_eq!(
            b(1, None, 0.5),
            ms(500),
            "the floor: 0.5 s after jitter, as Stripe's SDKs"
        );
        assert_eq!(b(2, None, 1.0), ms(1000));
        assert_eq!(b(2, None, 0.5), ms(500));
        assert_eq!(b(3, None, 0.5), ms(1000));
        assert_eq!(b(9, None, 1.0), Duration::from_secs(5));
        assert_eq!(b(9, None, 0.5), ms(2500));
        assert_eq!(b(40, None, 1.0), Duration::from_secs(5), "no overflow");
        // A jitter outside 50–100 % cannot make the delay shorter or longer than Stripe's.
        assert_eq!(b(1, None, 0.0), ms(500));
        assert_eq!(b(2, None, 7.0), ms(1000));
        for retry in 1..12 {
            for j in [0.0, 0.5, 0.61, 0.75, 1.0] {
                assert!(b(retry, None, j) >= INITIAL_BACKOFF, "retry {retry}, jitter {j}");
            }
        }
    }

    #[test]
    fn retry_after_is_a_lower_bound_up_to_the_cap_and_stops_retries_beyond() {
        let ms = Duration::from_millis;
        assert_eq!(
            backoff(1, Some(Duration::from_secs(3)), 1.0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            backoff(3, Some(ms(100)), 1.0),
            Some(ms(2000)),
            "a shorter Retry-After is not a reason to hurry"
        );
        assert_eq!(backoff(1, Some(MAX_RETRY_AFTER), 0.5), Some(MAX_RETRY_AFTER));
        assert_eq!(backoff(1, Some(MAX_RETRY_AFTER + ms(1000)), 1.0), None);
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn the_retry_decision_follows_stripes_sdks() {
        let limited = |code: Option<&str>| CheckoutError::RateLimited {
            details: crate::error::ApiErrorDetails {
                status: 429,
                code: code.map(str::to_owned),
                ..Default::default()
            },
        };
        let api = CheckoutError::Api {
            details: crate::error::ApiErrorDetails::default(),
        };
        assert!(should_retry(429, None, &limited(Some("lock_timeout"))));
        assert!(!should_retry(429, None, &limited(Some("rate_limit"))));
        assert!(!should_retry(429, None, &limited(None)));
        assert!(
            !should_retry(429, Some("false"), &limited(Some("lock_timeout"))),
            "the header wins"
        );
        assert!(should_retry(429, Some("true"), &limited(None)));
        assert!(should_retry(409, None, &api));
        assert!(should_retry(503, None, &api));
        assert!(!should_retry(503, Some("false"), &api));
        assert!(!should_retry(400, None, &api));
        assert!(should_retry(400, Some("true"), &api));
    }
}
