//! The outermost layer: bounds each request by the request timeout, counts it by route template
//! and status, and logs it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::telemetry::metrics::Metrics;

/// Bounds each request, counts it by route template and status, and logs method, path (never
/// the query: return links carry their state there), status and duration (never headers or
/// bodies).
pub async fn access_log(req: Request, next: Next, timeout: Duration, metrics: Arc<Metrics>) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = std::time::Instant::now();
    let resp = match tokio::time::timeout(timeout + Duration::from_secs(1), next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(504, "api_error", "The request took too long.", None, None).into_response(),
    };
    let took = started.elapsed();
    metrics.request(&route, resp.status().as_u16(), took);
    tracing::info!(%method, %path, status = resp.status().as_u16(), ms = took.as_millis() as u64, "request");
    resp
}
