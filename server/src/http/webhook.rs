//! `POST /webhooks/stripe`: Stripe's webhook, verified with bounded cost, then acted on
//! ([`crate::fulfilment`]) and recorded once per event ID.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::body::read_body;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::events::RECORDED_TYPES;
use crate::wire::webhook::{parse_event, WebhookError};

/// Where Stripe delivers webhooks.
pub const WEBHOOK_PATH: &str = "/webhooks/stripe";

type Res = Result<Response, ApiError>;

/// `POST /webhooks/stripe`: verify, deduplicate, record.
///
/// The header is parsed and its timestamp checked on the async worker (cheap and bounded)
/// before the body is even read; the one HMAC over the body runs on the blocking pool, at most
/// one per core at a time, so deliveries cannot stall the workers that serve the apps.
pub async fn webhook(State(state): State<Arc<AppState>>, headers: HeaderMap, raw: Body) -> Res {
    let Some(verifier) = state.webhook.clone() else {
        return Err(ApiError::new(
            404,
            "invalid_request_error",
            "Webhooks are not configured.",
            None,
            None,
        ));
    };
    let refused = |e: WebhookError| {
        // The reason only: never the header or the payload, which may carry customer details.
        tracing::warn!(reason = %e, "webhook refused");
        state.metrics.webhook("refused");
        ApiError::invalid(e.to_string(), None, Some("webhook_signature"))
    };
    let mut signatures = headers.get_all("stripe-signature").iter();
    let signature = match (signatures.next(), signatures.next()) {
        (Some(v), None) => v.as_bytes(),
        _ => return Err(refused(WebhookError::MalformedHeader)),
    };
    let parsed = verifier
        .precheck(signature, crate::base::clock::unix_now())
        .map_err(refused)?;
    let bytes = read_body(
        raw,
        state.config.max_body_bytes,
        std::time::Duration::from_millis(state.config.body_read_timeout_ms),
    )
    .await?;
    let busy = || {
        state.metrics.webhook("unavailable");
        ApiError::new(503, "api_error", "The webhook could not be verified now.", None, None)
    };
    let permit = state.webhook_slots.clone().acquire_owned().await.map_err(|_| busy())?;
    let payload = bytes.clone();
    let event = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verifier.verify(&payload, &parsed).and_then(|()| parse_event(&payload))
    })
    .await
    .map_err(|_| busy())?
    .map_err(refused)?;
    state.metrics.webhook("verified");
    state.fulfilments.on_event(&event).await.map_err(|e| {
        tracing::error!(error = %e, event = %event.id, "webhook not acted on");
        // 5xx makes Stripe redeliver later.
        ApiError::new(500, "api_error", "The event could not be processed.", None, None)
    })?;
    if !RECORDED_TYPES.contains(&event.event_type.as_str()) {
        return Ok(Json(serde_json::json!({"received": true, "recorded": false})).into_response());
    }
    let payload = String::from_utf8_lossy(&bytes);
    let new = state.events.record(&event, &payload).await.map_err(|e| {
        tracing::error!(error = %e, event = %event.id, "webhook not recorded");
        // 5xx makes Stripe redeliver later.
        ApiError::new(500, "api_error", "The event could not be recorded.", None, None)
    })?;
    tracing::info!(event = %event.id, kind = %event.event_type, duplicate = !new, "webhook");
    Ok(Json(serde_json::json!({"received": true, "recorded": new, "duplicate": !new})).into_response())
}
