//! Stripe-shaped error bodies: `{"error": {type, message, code?, param?, doc_url?}}`.
//!
//! Stripe omits the keys it has no value for rather than sending `null`: a missing-key 401 is
//! `{"error": {"message": "...", "type": "invalid_request_error"}}` and a coded error adds
//! `code`, `doc_url` and (when parameter-specific) `param`. Attribute list and nullability:
//! <https://docs.stripe.com/api/errors> ("code", "decline_code", "doc_url", "message", "param",
//! "type"); every code documented at <https://docs.stripe.com/error-codes> has its own page,
//! `https://stripe.com/docs/error-codes/<code with dashes>`, which is what `doc_url` points to
//! (e.g. stripe-node's test fixtures: `doc_url: 'https://stripe.com/docs/error-codes/resource-missing'`).

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{Map, Value};

/// Where in Stripe's pipeline an error arises, which decides whether an idempotency key keeps it.
///
/// <https://docs.stripe.com/api/idempotent_requests>: "Stripe saves the status code and body of
/// the first request made with a given idempotency key after endpoint execution begins …
/// If incoming parameters fail validation, or the request conflicts with another that's
/// executing concurrently, no idempotent result is saved because no API endpoint began
/// execution." <https://docs.stripe.com/error-low-level#content-errors> adds that a 429 (the rate
/// limiter runs before the idempotency layer), a 401 and most 400s for invalid parameters are
/// not kept either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Rejected before the endpoint ran (auth, rate limit, parameter validation): not stored.
    Validation,
    /// Raised while the endpoint executed (a lookup of account data, an amount check, a server
    /// error): stored under the idempotency key and replayed.
    Execution,
}

/// An API error as Stripe renders it.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub kind: String,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
    pub stage: Stage,
}

impl ApiError {
    /// A 400 `invalid_request_error` raised by parameter validation.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            kind: "invalid_request_error".into(),
            code: None,
            message: message.into(),
            param: None,
            stage: Stage::Validation,
        }
    }

    /// A 400 `invalid_request_error` with a code and a parameter name.
    pub fn param(code: &str, param: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::invalid(message).code(code).at(param)
    }

    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    pub fn at(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn kind(mut self, kind: &str) -> Self {
        self.kind = kind.to_owned();
        self
    }

    /// Marks the error as raised by the executing endpoint (kept by the idempotency layer).
    pub fn executing(mut self) -> Self {
        self.stage = Stage::Execution;
        self
    }

    /// `Missing required param: NAME.`
    pub fn missing(param: impl Into<String>) -> Self {
        let p = param.into();
        ApiError::param("parameter_missing", p.clone(), format!("Missing required param: {p}."))
    }

    /// `Received unknown parameter: NAME`
    pub fn unknown(param: impl Into<String>) -> Self {
        let p = param.into();
        ApiError::param(
            "parameter_unknown",
            p.clone(),
            format!("Received unknown parameter: {p}"),
        )
    }

    /// 404 `No such checkout.session: 'ID'`.
    pub fn no_such_session(id: &str) -> Self {
        ApiError::param("resource_missing", "id", format!("No such checkout.session: '{id}'"))
            .status(404)
            .executing()
    }

    /// The JSON body: only the fields that have a value, keys in Stripe's (alphabetical) order.
    pub fn body(&self) -> Value {
        let mut e = Map::new();
        if let Some(code) = &self.code {
            e.insert("code".into(), Value::String(code.clone()));
            e.insert("doc_url".into(), Value::String(doc_url(code)));
        }
        e.insert("message".into(), Value::String(self.message.clone()));
        if let Some(param) = &self.param {
            e.insert("param".into(), Value::String(param.clone()));
        }
        e.insert("type".into(), Value::String(self.kind.clone()));
        let mut root = Map::new();
        root.insert("error".into(), Value::Object(e));
        Value::Object(root)
    }

    /// The full response (status, JSON body).
    pub fn response(&self) -> Response<Body> {
        json_response(self.status, &self.body())
    }
}

/// `https://stripe.com/docs/error-codes/<code-with-dashes>`.
fn doc_url(code: &str) -> String {
    format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-"))
}

/// A JSON response with the given status (500 if the number is not a valid status).
pub(crate) fn json_response(status: u16, body: &Value) -> Response<Body> {
    let text = serde_json::to_string_pretty(body).unwrap_or_else(|_| "{}".to_owned());
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_fields_are_omitted() {
        let bare = ApiError::invalid("nope").body();
        assert_eq!(
            bare,
            serde_json::json!({"error": {"message": "nope", "type": "invalid_request_error"}})
        );
        let coded = ApiError::param("resource_missing", "id", "gone").body();
        assert_eq!(
            coded["error"]["doc_url"],
            "https://stripe.com/docs/error-codes/resource-missing"
        );
        assert_eq!(coded["error"]["param"], "id");
    }
}
