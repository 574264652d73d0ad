//! The HTTP surface: the router with every route and its middleware ([`router`]), the metrics
//! listener's router ([`ops::ops_router`]), and the accept loop they are served by ([`serve`]).

pub mod access_log;
pub mod address_limit;
pub mod app_user;
pub mod auth;
pub mod body;
pub mod client_addr;
pub mod error;
pub mod health;
pub mod ops;
pub mod purchases;
pub mod rate_limit;
pub mod readiness;
pub mod serve;
pub mod sessions;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::routing::{get, post};
use axum::Router;

use crate::http::error::ApiError;
pub use crate::http::webhook::WEBHOOK_PATH;
use crate::links::{return_page, well_known};
use crate::state::AppState;

/// The router with every route, the per-address rate limit, the per-request timeout and the
/// access log. Serve it with [`serve::serve`] (which `crate::spawn` uses): the per-address limit
/// reads the peer from `ConnectInfo<SocketAddr>`, and without it every client would share one
/// bucket.
pub fn router(state: Arc<AppState>) -> Router {
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    let mut app = Router::new();
    if let Some(links) = state.links.clone() {
        app = app
            .route(&format!("{}/success", links.path), get(return_page::success))
            .route(&format!("{}/cancel", links.path), get(return_page::cancel));
    }
    let metrics = state.metrics.clone();
    app.route("/v1/checkout/sessions", post(sessions::create))
        .route("/v1/checkout/sessions/{id}", get(sessions::retrieve))
        .route("/v1/checkout/sessions/{id}/expire", post(sessions::expire))
        .route("/v1/checkout/sessions/{id}/line_items", get(sessions::line_items))
        .route(WEBHOOK_PATH, post(webhook::webhook))
        .route("/v1/purchases", get(purchases::list))
        .route(
            well_known::AASA_PATH,
            get(|State(s): State<Arc<AppState>>| async move { s.well_known.aasa_response() }),
        )
        .route(
            well_known::ASSETLINKS_PATH,
            get(|State(s): State<Arc<AppState>>| async move { s.well_known.assetlinks_response() }),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(|| async { ApiError::new(404, "invalid_request_error", "Unrecognized request URL.", None, None) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            address_limit::limit_by_address,
        ))
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| {
            access_log::access_log(req, next, timeout, metrics.clone())
        }))
        .with_state(state)
}
