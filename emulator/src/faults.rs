//! Fault injection: canned failures for the next N matching requests.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Stage};

/// What a fault does to a matching request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with a Stripe error body and `status` (required over HTTP; 500 if unset in Rust).
    #[default]
    Status,
    /// Sleep `delay_ms`, then process normally (an idempotency key is held while sleeping).
    Delay,
    /// Close the connection without any response, before processing.
    Drop,
    /// Process the request for real, then close the connection without sending the response.
    DropAfter,
    /// Process for real, then send the first half of the real body (status defaults to the real one).
    TruncatedJson,
    /// Answer `status` (default 200) with a JSON content type and a body that is not valid JSON.
    InvalidJson,
    /// Answer `status` (default 502) with an HTML error page, as a proxy would.
    Html,
}

/// A fault for the next `count` requests that match `method` and `path_prefix`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Fault {
    /// What to do.
    pub kind: FaultKind,
    /// How many matching requests it applies to; 0 is taken as 1.
    pub count: u32,
    /// HTTP status for `Status` (required), `Html` (502), `TruncatedJson`/`InvalidJson`.
    pub status: Option<u16>,
    /// When set, sends `Stripe-Should-Retry: true|false`.
    pub should_retry: Option<bool>,
    /// Stripe error `type` for `Status` (defaults by status).
    pub error_type: Option<String>,
    /// Stripe error `code` for `Status` (429 defaults to `rate_limit`).
    pub code: Option<String>,
    /// Stripe error `message` for `Status`.
    pub message: Option<String>,
    /// Stripe error `param` for `Status`.
    pub param: Option<String>,
    /// Sleep this long first (for `Delay`: then process normally).
    pub delay_ms: Option<u64>,
    /// Only match this HTTP method (case-insensitive).
    pub method: Option<String>,
    /// Only match paths starting with this (default `/v1/`).
    pub path_prefix: Option<String>,
    /// For `Status`: whether the failure stands for a result of the executing endpoint, which
    /// the idempotency layer keeps and replays to a retry with the same `Idempotency-Key`.
    /// Default: yes for 5xx and 402 unless `should_retry` is `true`; no for other statuses.
    pub stored: Option<bool>,
}

impl Fault {
    /// Normalises a fault as it is queued (`count` 0 becomes 1).
    pub(crate) fn normalized(mut self) -> Fault {
        if self.count == 0 {
            self.count = 1;
        }
        self
    }

    /// Whether the fault applies to this request.
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        let prefix = self.path_prefix.as_deref().unwrap_or("/v1/");
        path.starts_with(prefix) && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// Whether a `Status` fault happens inside the executing endpoint (after auth, parameter
    /// parsing and the idempotency check) and is stored under the request's idempotency key.
    ///
    /// Stripe keeps every result once "endpoint execution begins … including `500` errors"
    /// (<https://docs.stripe.com/api/idempotent_requests>), while a 429 comes from the rate
    /// limiter that "runs before the API's idempotency layer", and 401s and most 400s never reach
    /// an endpoint (<https://docs.stripe.com/error-low-level#content-errors>). A 402 is a card
    /// declined by the executing endpoint. `Stripe-Should-Retry: true` says a retry can succeed,
    /// which a stored (and so replayed) result could not.
    pub(crate) fn at_execution(&self) -> bool {
        if self.kind != FaultKind::Status {
            return false;
        }
        self.stored.unwrap_or_else(|| {
            let status = self.status.unwrap_or(500);
            (status >= 500 || status == 402) && self.should_retry != Some(true)
        })
    }

    /// The error a `Status` fault answers with.
    pub(crate) fn api_error(&self) -> ApiError {
        let status = status_or(self.status, 500).as_u16();
        let kind = self
            .error_type
            .clone()
            .unwrap_or_else(|| default_type(status).to_owned());
        let code = self
            .code
            .clone()
            .or_else(|| (status == 429).then(|| "rate_limit".to_owned()));
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| default_message(status).to_owned());
        ApiError {
            status,
            kind,
            code,
            message,
            param: self.param.clone(),
            stage: if self.at_execution() {
                Stage::Execution
            } else {
                Stage::Validation
            },
        }
    }

    /// The canned response for `Status`, `InvalidJson` and `Html` faults.
    pub(crate) fn canned_response(&self) -> Response<Body> {
        match self.kind {
            FaultKind::Html => {
                let status = status_or(self.status, 502);
                let html = format!(
                    "<html><body><h1>{} {}</h1></body></html>",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("Error")
                );
                let mut resp = Response::new(Body::from(html));
                *resp.status_mut() = status;
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                resp
            }
            FaultKind::InvalidJson => {
                let mut resp = Response::new(Body::from("{\"object\": \"checkout.session\", \"id\": "));
                *resp.status_mut() = status_or(self.status, 200);
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                resp
            }
            _ => self.api_error().response(),
        }
    }
}

fn status_or(status: Option<u16>, default: u16) -> StatusCode {
    status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::from_u16(default).unwrap_or(StatusCode::BAD_GATEWAY))
}

fn default_type(status: u16) -> &'static str {
    match status {
        402 => "card_error",
        409 => "idempotency_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        401 => "Invalid API Key provided.",
        402 => "Your card was declined.",
        403 => "The provided key does not have the required permissions for this endpoint.",
        404 => "Unrecognized request URL.",
        409 => "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        429 => "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        500..=599 => "An unknown error occurred while processing your request.",
        _ => "The request could not be processed (emulated fault).",
    }
}

/// The queue of pending faults, first match wins.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: Vec<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        self.faults.push(fault.normalized());
    }

    pub fn list(&self) -> Vec<Fault> {
        self.faults.clone()
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// Takes one use of the first fault matching the request, if any.
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let i = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = &mut self.faults[i];
        fault.count = fault.count.saturating_sub(1);
        let taken = fault.clone();
        if fault.count == 0 {
            self.faults.remove(i);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_matching() {
        let mut q = FaultQueue::default();
        q.push(Fault {
            kind: FaultKind::Drop,
            count: 2,
            method: Some("post".into()),
            ..Default::default()
        });
        q.push(Fault {
            kind: FaultKind::Html,
            path_prefix: Some("/v1/checkout/sessions/".into()),
            ..Default::default()
        });
        assert!(q.take("GET", "/v1/checkout/sessions").is_none());
        assert_eq!(q.take("POST", "/v1/x").map(|f| f.kind), Some(FaultKind::Drop));
        assert_eq!(
            q.take("GET", "/v1/checkout/sessions/cs_1").map(|f| f.kind),
            Some(FaultKind::Html)
        );
        assert_eq!(q.take("POST", "/v1/x").map(|f| f.kind), Some(FaultKind::Drop));
        assert!(q.take("POST", "/v1/x").is_none());
        assert!(q.list().is_empty());
    }

    #[test]
    fn fault_json_defaults() {
        let f: Fault = serde_json::from_str(r#"{"kind":"truncated_json"}"#).expect("parses");
        assert_eq!(f.kind, FaultKind::TruncatedJson);
        assert_eq!(f.normalized().count, 1);
    }
}
