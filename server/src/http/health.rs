//! `/healthz` (the process answers) and `/readyz` (its database and Stripe answer too), for load
//! balancers and orchestrators; the check itself is [`crate::http::readiness`]. The public
//! listener says only ready or not; the detail is on the metrics listener.

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

/// `GET /readyz` on the public listener: 200 `{"status":"ready"}` when the database and Stripe
/// answer, else 503 `{"status":"unready"}`. Which one failed (and `key_refused`) is for the
/// operator, on the metrics listener ([`readyz_detail`]): anyone can reach this one.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let r = state.readiness.get(&state.store, &state.stripe, &state.metrics).await;
    (code(&r), Json(serde_json::json!({"status": r.status}))).into_response()
}

/// `GET /readyz` on the metrics listener: the same answer with `database` (`ok`,
/// `unavailable`) and `upstream` (`ok`, `unreachable`, `key_refused`, `error`).
pub async fn readyz_detail(State(state): State<Arc<AppState>>) -> Response {
    let r = state.readiness.get(&state.store, &state.stripe, &state.metrics).await;
    (code(&r), Json(r)).into_response()
}

fn code(r: &crate::http::readiness::Readiness) -> StatusCode {
    if r.status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}
