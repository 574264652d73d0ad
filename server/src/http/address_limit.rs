//! The per-address rate limit, before anything else looks at the request (authentication
//! included), keyed by [`client_key`](crate::http::client_addr::client_key).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::client_addr::client_key;
use crate::http::error::ApiError;
use crate::http::webhook::WEBHOOK_PATH;
use crate::state::AppState;

/// The per-address limit, before anything else looks at the request (authentication
/// included): webhook deliveries and API calls have separate buckets.
pub async fn limit_by_address(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let client = client_key(&state.proxies, &req);
    let (limiter, bucket) = if req.uri().path() == WEBHOOK_PATH {
        (&state.webhook_limiter, "webhook_address")
    } else {
        (&state.address_limiter, "address")
    };
    if !limiter.allow(&client) {
        state.metrics.rate_limited(bucket);
        tracing::warn!(client = %client, path = %req.uri().path(), "rate limited by address");
        return ApiError::rate_limited("Too many requests from this address.").into_response();
    }
    next.run(req).await
}
