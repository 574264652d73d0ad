//! The app user behind a request, as an axum extractor: the bearer token checked against the
//! configured hashes ([`crate::http::auth`]), then the user's rate limit. A handler that names
//! [`AppUser`] cannot run for an unauthenticated or rate-limited caller.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::http::error::ApiError;
use crate::state::AppState;

/// The authenticated app user's ID (`[[app_tokens]] user`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUser(pub String);

impl FromRequestParts<Arc<AppState>> for AppUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, ApiError> {
        let auth = parts.headers.get("authorization").and_then(|v| v.to_str().ok());
        let user = state.auth.user_for(auth)?;
        if !state.limiter.allow(&user) {
            state.metrics.rate_limited("user");
            return Err(ApiError::rate_limited("Too many requests from this app user."));
        }
        Ok(AppUser(user))
    }
}
