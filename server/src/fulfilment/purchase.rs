//! What a fulfilled session looks like to the merchant and to the app, and
//! `GET /v1/purchases`, which lets a reinstalled app restore what its user bought.
//!
//! The list is shaped like Stripe's lists (`{"object": "list", "data": […], "has_more": …,
//! "url": …}`, newest first, `limit` 1–100 with default 10, `starting_after` an ID from the
//! previous page: https://docs.stripe.com/api/pagination), so the library pages through it as it
//! pages through line items. Only the authenticated user's purchases are ever listed; a cursor
//! that is not one of theirs is refused like an unknown one.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::error::ApiError;
use crate::AppState;

/// One fulfilled session: the library's record, so the server writes exactly what apps decode
/// (`CheckoutClient::list_purchases`) and the merchant receives.
pub use checkout_bridge::{Purchase, PurchaseSource};

/// The JSON object as delivered and listed: the record with `"object": "purchase"`.
pub fn to_json(purchase: &Purchase) -> serde_json::Value {
    let mut v = serde_json::to_value(purchase).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("object".into(), "purchase".into());
    }
    v
}

/// Stripe's list limits: 1 to 100, default 10.
const DEFAULT_LIMIT: i64 = 10;
const MAX_LIMIT: i64 = 100;

/// `GET /v1/purchases?limit=&starting_after=`: the user's fulfilled sessions, newest first.
pub async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    match list_inner(&state, &headers, query.as_deref().unwrap_or("")).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn list_inner(state: &AppState, headers: &HeaderMap, query: &str) -> Result<Response, ApiError> {
    let user = crate::http::sessions::user(state, headers)?;
    let (mut limit, mut after) = (DEFAULT_LIMIT, None::<String>);
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "limit" => {
                limit = v.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                    ApiError::invalid(
                        format!("Invalid limit: must be an integer from 1 to {MAX_LIMIT}"),
                        Some("limit"),
                        Some("parameter_invalid_integer"),
                    )
                })?;
            }
            "starting_after" if after.is_none() => after = Some(v.into_owned()),
            other => {
                return Err(ApiError::invalid(
                    format!("Received unknown parameter: {other}"),
                    Some(other),
                    Some("parameter_unknown"),
                ))
            }
        }
    }
    // One more than asked tells whether there is another page.
    let page = state
        .fulfilments
        .ledger()
        .purchases(&user, limit + 1, after.as_deref())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "purchases not read");
            ApiError::new(500, "api_error", "The purchases could not be read.", None, None)
        })?;
    let Some(mut page) = page else {
        return Err(ApiError::invalid(
            format!("No such purchase: '{}'", after.unwrap_or_default()),
            Some("starting_after"),
            Some("resource_missing"),
        ));
    };
    let has_more = page.len() as i64 > limit;
    page.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(serde_json::json!({
        "object": "list",
        "data": page.iter().map(to_json).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": "/v1/purchases",
    }))
    .into_response())
}
