//! `/healthz` (the process answers) and `/readyz` (its database and Stripe answer too), for load
//! balancers and orchestrators; the check itself is [`crate::http::readiness`].

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::state::AppState;

/// `GET /healthz`: 200 while the process serves requests.
pub async fn healthz() -> Response {
    (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response()
}

/// `GET /readyz`: 200 when the database and Stripe answer, else 503 naming which did not.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let r = state.readiness.get(&state.store, &state.stripe, &state.metrics).await;
    let code = if r.status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(r)).into_response()
}
