//! HTTP to Stripe (or a Stripe-compatible backend): headers, timeouts, retries with backoff,
//! idempotency keys, and mapping of every failure to a typed [`CheckoutError`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::ClientConfig;
use crate::error::{redact, truncate, ApiErrorDetails, CheckoutError};

/// Sent as `User-Agent`: the crate and its version.
pub const USER_AGENT_VALUE: &str = concat!("checkout-bridge/", env!("CARGO_PKG_VERSION"), " (rust)");

/// Largest response body accepted; a hostile server cannot make the app buffer more.
pub const MAX_RESPONSE_BYTES: usize = 2 * 1024 * 1024;

/// First retry delay; doubles per retry up to [`MAX_BACKOFF`] (Stripe's SDK values).
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// Upper bound of the retry delay before jitter.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A configured connection to the API. Cheap to share: clones share one connection pool.
pub(crate) struct Transport {
    http: reqwest::Client,
    base: Url,
    secret: String,
    headers: HeaderMap,
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

impl Transport {
    pub(crate) fn new(config: &ClientConfig) -> Result<Self, CheckoutError> {
        let base = config.validate()?;
        let secret = config.credential.secret().to_owned();
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {secret}"))
            .map_err(|_| CheckoutError::invalid("credential", "must be printable ASCII"))?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        headers.insert(
            "stripe-version",
            HeaderValue::from_str(config.effective_stripe_version())
                .map_err(|_| CheckoutError::invalid("stripe_version", "must be ASCII"))?,
        );
        if let Some(acct) = &config.stripe_account {
            headers.insert(
                "stripe-account",
                HeaderValue::from_str(acct).map_err(|_| CheckoutError::invalid("stripe_account", "must be ASCII"))?,
            );
        }
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            // An API never needs a redirect; following one could send the request elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_millis(millis(config.timeout_ms).min(30_000)))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| CheckoutError::Network {
                reason: format!("cannot build HTTP client: {e}"),
            })?;
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
        self.send(Method::GET, url, None, None).await
    }

    /// POST a form body and decode JSON. Every POST carries an `Idempotency-Key`: the caller's,
    /// or a fresh random one, reused across the retries of this call.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        url: Url,
        body: String,
        idempotency_key: Option<String>,
    ) -> Result<T, CheckoutError> {
        let key = idempotency_key.unwrap_or_else(new_idempotency_key);
        self.send(Method::POST, url, Some(body), Some(key)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<T, CheckoutError> {
        let mut attempt: u32 = 0;
        loop {
            match self
                .attempt(&method, &url, body.as_deref(), idempotency_key.as_deref())
                .await
            {
                Attempt::Done(bytes, request_id) => {
                    return serde_json::from_slice(&bytes).map_err(|e| CheckoutError::InvalidResponse {
                        status: 200,
                        reason: format!("response is not the expected JSON: {}", describe_json_error(&e)),
                        request_id,
                    });
                }
                Attempt::Failed {
                    error,
                    retry,
                    retry_after,
                } => {
                    if !retry || attempt >= self.max_retries {
                        return Err(error);
                    }
                    attempt += 1;
                    let delay = backoff(attempt, retry_after);
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self, method: &Method, url: &Url, body: Option<&str>, key: Option<&str>) -> Attempt {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .headers(self.headers.clone());
        if let Some(k) = key {
            match HeaderValue::from_str(k) {
                Ok(v) => req = req.header("idempotency-key", v),
                Err(_) => {
                    return Attempt::Failed {
                        error: CheckoutError::invalid("idempotency_key", "must be printable ASCII"),
                        retry: false,
                        retry_after: None,
                    }
                }
            }
        }
        if let Some(b) = body {
            req = req
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                )
                .body(b.to_owned());
        }
        let timeout_ms = i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX);
        // One deadline covers connect, headers and the whole body: a server that trickles
        // bytes cannot hold the call open past the timeout.
        let fut = async {
            let resp = req.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = read_capped(resp).await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let (status, headers, body) = match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => {
                return Attempt::Failed {
                    error: CheckoutError::Timeout { timeout_ms },
                    retry: true,
                    retry_after: None,
                }
            }
            Ok(Err(e)) if e.is_timeout() => {
                return Attempt::Failed {
                    error: CheckoutError::Timeout { timeout_ms },
                    retry: true,
                    retry_after: None,
                }
            }
            Ok(Err(e)) => {
                return Attempt::Failed {
                    error: CheckoutError::Network {
                        reason: redact(&describe_reqwest_error(&e), Some(&self.secret)),
                    },
                    retry: true,
                    retry_after: None,
                }
            }
            Ok(Ok(r)) => r,
        };
        let request_id = header_str(&headers, "request-id").map(|s| redact(s, Some(&self.secret)));
        let body = match body {
            Ok(b) => b,
            Err(too_big) => {
                return Attempt::Failed {
                    error: CheckoutError::InvalidResponse {
                        status: i32::from(status.as_u16()),
                        reason: too_big,
                        request_id,
                    },
                    retry: false,
                    retry_after: None,
                }
            }
        };
        if status.is_success() {
            return Attempt::Done(body, request_id);
        }
        let should_retry = match header_str(&headers, "stripe-should-retry") {
            Some("true") => true,
            Some("false") => false,
            _ => status == StatusCode::CONFLICT || status.is_server_error(),
        };
        let retry_after = header_str(&headers, "retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s <= 60)
            .map(Duration::from_secs);
        let error = map_error(status, &headers, &body, request_id, &self.secret);
        Attempt::Failed {
            error,
            retry: should_retry,
            retry_after,
        }
    }
}

/// Milliseconds from the FFI-friendly signed form (validated positive) for `Duration`.
pub(crate) fn millis(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

/// Reads at most [`MAX_RESPONSE_BYTES`]; the inner `Err` says the body was too large.
async fn read_capped(mut resp: reqwest::Response) -> Result<Result<Vec<u8>, String>, reqwest::Error> {
    let mut out = Vec::with_capacity(
        resp.content_length()
            .map_or(4096, |n| n.min(MAX_RESPONSE_BYTES as u64) as usize),
    );
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(Err(format!("response body exceeds {MAX_RESPONSE_BYTES} bytes")));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Ok(out))
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Maps an error response by HTTP status first (a 401 carries `type: invalid_request_error`),
/// then refines with the body when it is Stripe's JSON error shape.
fn map_error(
    status: StatusCode,
    headers: &HeaderMap,
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
    let clean = |s: Option<String>| s.map(|s| redact(&truncate(&s, 1000), Some(secret)));
    let parsed = serde_json::from_slice::<Envelope>(body).ok().map(|e| e.error);
    let stripe_message = match &parsed {
        Some(b) => clean(b.message.clone()),
        None if body.is_empty() => Some("empty error body".to_owned()),
        None => {
            let ct = header_str(headers, "content-type").unwrap_or("unknown content type");
            Some(format!(
                "error body is not Stripe's JSON ({} bytes of {})",
                body.len(),
                truncate(ct, 64)
            ))
        }
    };
    let b = parsed.unwrap_or_default();
    let details = ApiErrorDetails {
        status: i32::from(status.as_u16()),
        error_type: clean(b.error_type.clone()),
        code: clean(b.code),
        decline_code: clean(b.decline_code),
        stripe_message,
        param: clean(b.param),
        doc_url: clean(b.doc_url),
        request_id,
    };
    match status.as_u16() {
        401 => CheckoutError::Authentication { details },
        403 => CheckoutError::Permission { details },
        404 => CheckoutError::NotFound { details },
        409 => CheckoutError::IdempotencyConflict { details },
        429 => CheckoutError::RateLimited { details },
        400 if b.error_type.as_deref() == Some("idempotency_error") => CheckoutError::IdempotencyConflict { details },
        _ => CheckoutError::Api { details },
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("truncated at line {} column {}", e.line(), e.column()),
        Category::Syntax => format!("malformed at line {} column {}", e.line(), e.column()),
        Category::Data => format!("unexpected shape ({e})"),
        Category::Io => "read error".to_owned(),
    }
}

/// Describes a transport failure without the URL's query or anything else request-specific.
fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "connection closed while reading the response"
    } else if e.is_request() {
        "request failed (connection closed or reset)"
    } else {
        "transport error"
    };
    let mut detail = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {}", truncate(&detail, 200))
    }
}

/// Delay before retry number `retry` (1-based): 0.5 s doubling to 5 s, times a 50–100 % jitter;
/// a server's `Retry-After` (at most 60 s) is honoured when longer.
pub(crate) fn backoff(retry: u32, retry_after: Option<Duration>) -> Duration {
    let exp = INITIAL_BACKOFF.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
    let capped = exp.min(MAX_BACKOFF);
    let jitter = 0.5 + 0.5 * random_unit();
    let d = capped.mul_f64(jitter);
    match retry_after {
        Some(ra) if ra > d => ra,
        _ => d,
    }
}

fn random_unit() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 1.0;
    }
    f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
}

/// A random UUID v4 string, the format Stripe's SDKs use for idempotency keys.
pub fn new_idempotency_key() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // Without OS randomness fall back to time and a counter: still unique per process.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b[..8].copy_from_slice(&(t as u64).to_le_bytes());
        b[8..].copy_from_slice(&n.to_le_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// rustls on the `ring` provider with the Mozilla root store compiled in (webpki-roots).
///
/// Built once per process: parsing the roots is the expensive part of a client.
fn tls_config() -> Result<rustls::ClientConfig, CheckoutError> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    let shared = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    });
    match shared {
        Ok(cfg) => Ok((**cfg).clone()),
        Err(e) => Err(CheckoutError::Network {
            reason: format!("TLS setup failed: {e}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        for _ in 0..100 {
            let d1 = backoff(1, None);
            assert!(
                d1 >= Duration::from_millis(250) && d1 <= Duration::from_millis(500),
                "{d1:?}"
            );
            let d2 = backoff(2, None);
            assert!(d2 >= Duration::from_millis(500) && d2 <= Duration::from_millis(1000));
            let d9 = backoff(9, None);
            assert!(d9 >= Duration::from_millis(2500) && d9 <= Duration::from_secs(5));
        }
        assert_eq!(backoff(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
    }

    #[test]
    fn idempotency_keys_are_uuid_v4_and_unique() {
        let a = new_idempotency_key();
        let b = new_idempotency_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn error_mapping_by_status_first() {
        let h = HeaderMap::new();
        let body =
            br#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****1234"}}"#;
        let e = map_error(
            StatusCode::UNAUTHORIZED,
            &h,
            body,
            Some("req_1".into()),
            "sk_test_abcd1234",
        );
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
        let e = map_error(StatusCode::BAD_GATEWAY, &h, b"<html>502</html>", None, "sk_x");
        assert!(
            matches!(e, CheckoutError::Api { ref details } if details.status == 502),
            "{e:?}"
        );
        let e = map_error(
            StatusCode::BAD_REQUEST,
            &h,
            br#"{"error":{"type":"idempotency_error"}}"#,
            None,
            "sk_x",
        );
        assert!(matches!(e, CheckoutError::IdempotencyConflict { .. }));
    }
}
