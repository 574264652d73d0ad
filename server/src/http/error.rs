//! Errors in Stripe's shape (`{"error": {type, code, message, param}}` plus `Request-Id`), so
//! the app's `CheckoutClient` maps the server's refusals to the same typed variants as Stripe's.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use checkout_bridge::{ApiErrorDetails, CheckoutError};

use crate::base::refusal::Refusal;
use crate::http::auth::AuthError;

/// An error response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stripe's `error.type`.
    pub error_type: String,
    /// Stripe's `error.code`.
    pub code: Option<String>,
    /// Human-readable message (never contains a secret).
    pub message: String,
    /// The offending parameter.
    pub param: Option<String>,
}

impl ApiError {
    /// 400 `invalid_request_error`.
    pub fn invalid(message: impl Into<String>, param: Option<&str>, code: Option<&str>) -> Self {
        Self::new(400, "invalid_request_error", message, param, code)
    }

    /// A policy refusal: 403 `invalid_request_error` with code `policy_violation`.
    pub fn forbidden(message: impl Into<String>, param: Option<&str>) -> Self {
        Self::new(403, "invalid_request_error", message, param, Some("policy_violation"))
    }

    /// 401 for a missing or unknown app token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "invalid_request_error", message, None, None)
    }

    /// 429 with code `rate_limit`, as Stripe answers.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(429, "invalid_request_error", message, None, Some("rate_limit"))
    }

    /// 404 `resource_missing` for a session, whether it does not exist or belongs to someone else.
    pub fn no_such_session(id: &str) -> Self {
        Self::new(
            404,
            "invalid_request_error",
            format!("No such checkout.session: '{id}'"),
            Some("id"),
            Some("resource_missing"),
        )
    }

    /// Any status, type, message, param and code.
    pub fn new(
        status: u16,
        error_type: &str,
        message: impl Into<String>,
        param: Option<&str>,
        code: Option<&str>,
    ) -> Self {
        ApiError {
            status,
            error_type: error_type.to_owned(),
            code: code.map(str::to_owned),
            message: message.into(),
            param: param.map(str::to_owned),
        }
    }

    fn from_details(d: &ApiErrorDetails, fallback_type: &str) -> Self {
        ApiError {
            status: u16::try_from(d.status).unwrap_or(502),
            error_type: d.error_type.clone().unwrap_or_else(|| fallback_type.to_owned()),
            code: d.code.clone(),
            message: d
                .stripe_message
                .clone()
                .unwrap_or_else(|| "Stripe refused the request".into()),
            param: d.param.clone(),
        }
    }
}

impl From<CheckoutError> for ApiError {
    /// Maps what the upstream call returned. Failures of the server's own Stripe credential are
    /// not passed on as 401/403: the app's token was fine, the server is misconfigured.
    fn from(e: CheckoutError) -> Self {
        match e {
            CheckoutError::InvalidInput { field, reason } => ApiError::invalid(reason, Some(&field), None),
            CheckoutError::NotFound { details }
            | CheckoutError::Api { details }
            | CheckoutError::RateLimited { details } => ApiError::from_details(&details, "invalid_request_error"),
            CheckoutError::IdempotencyConflict { details } => ApiError::from_details(&details, "idempotency_error"),
            CheckoutError::Authentication { .. } | CheckoutError::Permission { .. } => ApiError::new(
                502,
                "api_error",
                "the server's Stripe credential was refused",
                None,
                Some("upstream_auth"),
            ),
            CheckoutError::Timeout { .. } => {
                ApiError::new(504, "api_error", "Stripe did not answer in time", None, None)
            }
            CheckoutError::Network { .. } | CheckoutError::InvalidResponse { .. } => {
                ApiError::new(502, "api_error", "Stripe could not be reached", None, None)
            }
            other => ApiError::new(500, "api_error", other.to_string(), None, None),
        }
    }
}

impl From<Refusal> for ApiError {
    /// A malformed parameter is Stripe's 400 `invalid_request_error`; one the policy does not
    /// allow is 403 with code `policy_violation` (the app's client raises `Permission`).
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid { message, param, code } => ApiError::invalid(message, param.as_deref(), code),
            Refusal::Policy { message, param } => ApiError::forbidden(message, Some(&param)),
        }
    }
}

impl From<AuthError> for ApiError {
    /// 401, as Stripe answers a missing or unknown key.
    fn from(e: AuthError) -> Self {
        ApiError::unauthorized(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": {
                "type": self.error_type,
                "code": self.code,
                "message": self.message,
                "param": self.param,
            }
        });
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(body)).into_response();
        let key = checkout_bridge::new_idempotency_key().ok();
        if let Some(v) = key.and_then(|k| HeaderValue::from_str(&format!("req_{}", &k[..18])).ok()) {
            resp.headers_mut().insert("request-id", v);
        }
        resp
    }
}
