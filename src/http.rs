//! The seam between the client and the network: one HTTP exchange ([`HttpRequest`] in,
//! [`HttpResponse`] out) through an [`HttpTransport`].
//!
//! Everything that decides what a request means stays in Rust above this seam
//! (`crate::transport`): the headers, the idempotency key and its reuse across retries, the
//! retry decision and backoff, the deadline, the response size limit, the refusal of redirects
//! and the mapping of a response to a [`crate::CheckoutError`]. A transport only moves bytes, so
//! the platform's network stack can do it: OkHttp on Android (`kotlin-okhttp/`), `URLSession` on
//! iOS (`ios/Sources/CheckoutBridge/URLSessionTransport.swift`), and reqwest, the default, built
//! in with the `reqwest` feature. Apps that bring their platform's stack get its TLS trust and
//! pinning (Network Security Config, App Transport Security), proxies, HTTP/2 and HTTP/3, and its
//! network inspectors; a build without the `reqwest` feature leaves reqwest, hyper, rustls, ring
//! and the Mozilla root store out of the library (docs/performance.md).

use crate::error::redact;

/// The HTTP method of a request; the API needs only these two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum HttpMethod {
    /// `GET`: retrieve and list calls; never has a body.
    Get,
    /// `POST`: create and expire calls, with a form body and an `Idempotency-Key`.
    Post,
}

impl HttpMethod {
    /// The method as it goes on the wire: `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// One header line. Names are lower case, as HTTP/2 sends them; values are printable ASCII.
///
/// Printing it (Rust's `Debug` and `Display`, Kotlin's `toString()`, Swift's `description`) never
/// shows the value of `authorization`: a transport that logs its requests logs no bearer token.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ffi", uniffi::export(Display, Debug))]
pub struct HttpHeader {
    /// The header name, lower case (`authorization`, `idempotency-key`, `request-id`).
    pub name: String,
    /// The header value.
    pub value: String,
}

impl HttpHeader {
    pub(crate) fn new(name: &str, value: impl Into<String>) -> Self {
        HttpHeader {
            name: name.to_owned(),
            value: value.into(),
        }
    }

    /// Whether the value is a credential that must never be printed.
    pub(crate) fn is_sensitive(&self) -> bool {
        self.name.eq_ignore_ascii_case("authorization")
    }
}

impl std::fmt::Display for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_sensitive() {
            write!(f, "{}: [redacted]", self.name)
        } else {
            // A server may echo a key into any header; key-shaped words are redacted everywhere.
            write!(f, "{}: {}", self.name, redact(&self.value, None))
        }
    }
}

impl std::fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HttpHeader({self})")
    }
}

/// A request for a transport to send, exactly as given: the client has already added every
/// header (`authorization`, `stripe-version`, `idempotency-key`, `content-type`, `user-agent`).
///
/// Printing it shows the method, URL, header names and body size, never the `authorization`
/// value or the body (see [`HttpHeader`]).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ffi", uniffi::export(Display, Debug))]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: HttpMethod,
    /// The absolute URL, already percent-encoded.
    pub url: String,
    /// Every header to send, in order.
    pub headers: Vec<HttpHeader>,
    /// The body (`application/x-www-form-urlencoded`) for a `POST`; `None` for a `GET`.
    pub body: Option<Vec<u8>>,
    /// How long the whole exchange may take, connect to last byte. The client enforces it too
    /// (and cancels the transport's call when it passes); a transport should set it as its own
    /// call timeout so that it stops using the connection at the same time.
    pub timeout_ms: i64,
    /// Read at most this many bytes of the response body plus one, then stop reading: the
    /// client refuses a body longer than this, and a hostile server must not make the app
    /// buffer more.
    pub max_response_bytes: i64,
}

impl std::fmt::Display for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.as_str(), redact(&self.url, None))?;
        let names: Vec<&str> = self.headers.iter().map(|h| h.name.as_str()).collect();
        write!(f, " (headers: {}", names.join(", "))?;
        if let Some(body) = &self.body {
            write!(f, "; body: {} bytes", body.len())?;
        }
        f.write_str(")")
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HttpRequest({self})")
    }
}

/// What the server answered, whatever the status: a transport returns error statuses and
/// redirects (`3xx`) as responses, and never follows a redirect.
///
/// Printing it shows the status, the headers as [`HttpHeader`] prints them and the body's size,
/// never the body (a session carries the customer's details).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HttpResponse {
    /// The HTTP status code (100–599; the client refuses anything else as an invalid response).
    pub status: i32,
    /// The response headers; names in any case (the client compares them case-insensitively).
    pub headers: Vec<HttpHeader>,
    /// The body, at most [`HttpRequest::max_response_bytes`] + 1 bytes of it (the client refuses
    /// a longer one), after the transport undid any `Content-Encoding` it asked for.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self.headers.iter().map(ToString::to_string).collect();
        write!(
            f,
            "HttpResponse({}; headers: {}; body: {} bytes)",
            self.status,
            headers.join(", "),
            self.body.len()
        )
    }
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// Why a transport got no response. The client retries all three as connection failures (the
/// official SDKs do) and reports [`crate::CheckoutError::Network`] or
/// [`crate::CheckoutError::Timeout`]; the reason is redacted of the credential before it is shown.
///
/// Anything else a Kotlin or Swift transport throws arrives as [`TransportError::Io`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum TransportError {
    /// No connection: the host did not resolve, refused, or the TLS handshake failed.
    #[error("could not connect: {reason}")]
    Connect {
        /// What the platform reported (no URL query, no headers).
        reason: String,
    },
    /// The transport's own timeout passed.
    #[error("timed out: {reason}")]
    Timeout {
        /// What the platform reported.
        reason: String,
    },
    /// The connection broke while the request was sent or the response read.
    #[error("connection failed: {reason}")]
    Io {
        /// What the platform reported.
        reason: String,
    },
}

/// A Kotlin or Swift transport that throws something other than `TransportException` /
/// `TransportError` arrives here instead of panicking across the FFI.
#[cfg(feature = "ffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Io {
            reason: format!("the transport failed unexpectedly: {}", e.reason),
        }
    }
}

/// Sends one HTTP exchange. Implement it to route the library's requests through your
/// platform's network stack; `CheckoutClient::with_transport` takes it.
///
/// The contract, which the library's Kotlin tests hold the OkHttp transport to:
///
/// - send the request as given: method, URL, every header, the body;
/// - **never follow a redirect**: return the `3xx` response itself (the client refuses it);
/// - return every status as a response (4xx and 5xx are answers, not errors);
/// - read at most `max_response_bytes + 1` bytes of the body, then stop;
/// - stop by `timeout_ms`, and stop (cancel the call) when the returned future is dropped, which
///   the client does when its own deadline passes or its caller is cancelled;
/// - fail with [`TransportError`] when no response came, and never put the `authorization`
///   header's value in an error or a log line.
#[cfg_attr(feature = "ffi", uniffi::export(with_foreign))]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the server's response, whatever its status.
    ///
    /// # Errors
    ///
    /// [`TransportError`] when no response arrived.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_a_request_never_shows_the_credential_or_the_body() {
        let request = HttpRequest {
            method: HttpMethod::Post,
            url: "https://api.stripe.com/v1/checkout/sessions".into(),
            headers: vec![
                HttpHeader::new("authorization", "Bearer sk_test_SUPERSECRET"),
                HttpHeader::new("Authorization", "Bearer user-token-SECRET"),
                HttpHeader::new("idempotency-key", "k1"),
            ],
            body: Some(b"customer_email=a%40b.example".to_vec()),
            timeout_ms: 1000,
            max_response_bytes: 10,
        };
        for text in [
            request.to_string(),
            format!("{request:?}"),
            format!("{:?}", request.headers),
            request
                .headers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ] {
            assert!(!text.contains("SECRET") && !text.contains("a%40b"), "{text}");
        }
        assert_eq!(
            request.to_string(),
            "POST https://api.stripe.com/v1/checkout/sessions (headers: authorization, Authorization, idempotency-key; body: 28 bytes)"
        );
        assert_eq!(request.headers[2].to_string(), "idempotency-key: k1");
        // A key echoed into another header is redacted by shape.
        assert_eq!(
            HttpHeader::new("x-echo", "sk_live_abc123").to_string(),
            "x-echo: [redacted]"
        );
    }

    #[test]
    fn printing_a_response_never_shows_the_body_or_an_echoed_key() {
        let response = HttpResponse {
            status: 200,
            headers: vec![HttpHeader::new("x-echo", "sk_live_abc123")],
            body: br#"{"customer_details":{"email":"a@b.example"}}"#.to_vec(),
        };
        let text = format!("{response:?}");
        assert!(!text.contains("a@b") && !text.contains("sk_live"), "{text}");
        assert_eq!(text, "HttpResponse(200; headers: x-echo: [redacted]; body: 44 bytes)");
    }

    #[test]
    fn response_headers_are_found_case_insensitively() {
        let response = HttpResponse {
            status: 200,
            headers: vec![
                HttpHeader::new("Request-Id", "req_1"),
                HttpHeader::new("request-id", "req_2"),
            ],
            body: Vec::new(),
        };
        assert_eq!(response.header("request-id"), Some("req_1"));
        assert_eq!(response.header("REQUEST-ID"), Some("req_1"));
        assert_eq!(response.header("retry-after"), None);
    }
}
