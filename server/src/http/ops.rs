//! The metrics listener (`metrics_listen`): `GET /metrics`, and the health checks for probes
//! that should not go through the public port.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::health;
use crate::state::AppState;
use crate::telemetry::metrics::Gauge;

/// The metrics listener's router: `GET /metrics` (and the health checks, for probes that
/// should not go through the public port).
pub fn ops_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz_detail))
        .with_state(state)
}

async fn metrics_handler(State(state): State<Arc<AppState>>) -> Response {
    let mut gauges = vec![Gauge {
        name: "checkout_bridge_rate_limit_tracked_keys",
        help: "Keys (users or addresses) with a rate-limit bucket, by limiter.",
        labels: vec![("limiter", "address".into())],
        value: state.address_limiter.tracked() as f64,
    }];
    gauges.extend(state.fulfilments.scrape().await);
    let body = state.metrics.render(&gauges);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
