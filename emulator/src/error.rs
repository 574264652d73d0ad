//! Stripe-shaped error bodies: `{"error": {type, code, message, param, doc_url}}`.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

/// An API error as Stripe renders it.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub kind: String,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    /// A 400 `invalid_request_error`.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            kind: "invalid_request_error".into(),
            code: None,
            message: message.into(),
            param: None,
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
        ApiError::param("resource_missing", "id", format!("No such checkout.session: '{id}'")).status(404)
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let doc_url = self
            .code
            .as_ref()
            .map(|c| format!("https://stripe.com/docs/error-codes/{}", c.replace('_', "-")));
        json!({"error": {
            "type": self.kind,
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "doc_url": doc_url,
        }})
    }

    /// The full response (status, JSON body).
    pub fn response(&self) -> Response<Body> {
        json_response(self.status, &self.body())
    }
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
