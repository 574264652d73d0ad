//! The built-in [`HttpTransport`]: reqwest over hyper, with rustls on *ring* and the Mozilla
//! root store compiled in ([`crate::tls`]). The default on every platform; the `reqwest`
//! feature, on by default, builds it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::error::clean;
use crate::http::{HttpHeader, HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError};

/// reqwest with redirects refused and one connection pool; cheap to share.
pub(crate) struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// A client that connects within `connect_timeout`.
    pub(crate) fn new(connect_timeout: Duration) -> Result<Self, TransportError> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            // An API never needs a redirect; following one could send the request elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| TransportError::Connect {
                reason: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(ReqwestTransport { http })
    }
}

#[async_trait::async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        let mut req = self.http.request(method, request.url.as_str());
        for h in &request.headers {
            let name = HeaderName::from_bytes(h.name.as_bytes());
            let mut value = HeaderValue::from_str(&h.value);
            match (name, &mut value) {
                (Ok(name), Ok(value)) => {
                    value.set_sensitive(h.is_sensitive());
                    req = req.header(name, value.clone());
                }
                // The client builds only valid headers; the name alone is safe to show.
                _ => {
                    return Err(TransportError::Io {
                        reason: format!("header `{}` is not valid HTTP", clean(&h.name, None, 64)),
                    })
                }
            }
        }
        if let Some(body) = request.body {
            req = req.body(body);
        }
        let limit = usize::try_from(request.max_response_bytes).unwrap_or(usize::MAX);
        let mut resp = req.send().await.map_err(|e| describe(&e))?;
        let status = i32::from(resp.status().as_u16());
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(name, value)| Some(HttpHeader::new(name.as_str(), value.to_str().ok()?)))
            .collect();
        let mut body = Vec::with_capacity(resp.content_length().map_or(4096, |n| n.min(64 * 1024) as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            body.extend_from_slice(&chunk);
            if body.len() > limit {
                // One byte past the limit tells the client the body is too large; stop reading.
                body.truncate(limit.saturating_add(1));
                break;
            }
        }
        Ok(HttpResponse { status, headers, body })
    }
}

/// A transport failure without the URL's query or anything else request-specific; the
/// innermost cause (which can quote the server) is kept for the client to redact and cut.
fn describe(e: &reqwest::Error) -> TransportError {
    let mut detail = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    let with = |kind: &str| {
        if detail.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}: {detail}")
        }
    };
    // `Timeout` and `Connect` print as "timed out: …" and "could not connect: …" already.
    let bare = || {
        if detail.is_empty() {
            "no detail".to_owned()
        } else {
            detail.clone()
        }
    };
    if e.is_timeout() {
        TransportError::Timeout { reason: bare() }
    } else if e.is_connect() {
        TransportError::Connect { reason: bare() }
    } else if e.is_body() || e.is_decode() {
        TransportError::Io {
            reason: with("connection closed while reading the response"),
        }
    } else if e.is_request() {
        TransportError::Io {
            reason: with("request failed (connection closed or reset)"),
        }
    } else {
        TransportError::Io {
            reason: with("transport error"),
        }
    }
}

/// The TLS configuration ([`crate::tls`]), built once per process and shared by every client.
fn tls_config() -> Result<rustls::ClientConfig, TransportError> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    match CONFIG.get_or_init(|| crate::tls::client_config().map(Arc::new)) {
        Ok(cfg) => Ok((**cfg).clone()),
        Err(e) => Err(TransportError::Connect {
            reason: format!("TLS setup failed: {e}"),
        }),
    }
}
