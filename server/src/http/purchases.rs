//! `GET /v1/purchases`: the authenticated user's fulfilled sessions, so a reinstalled app can
//! restore what its user bought (the record is [`crate::fulfilment::purchase`]).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::fulfilment::purchase::to_json;
use crate::http::app_user::AppUser;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Stripe's list limits: 1 to 100, default 10.
const DEFAULT_LIMIT: i64 = 10;
const MAX_LIMIT: i64 = 100;

/// `GET /v1/purchases?limit=&starting_after=`: the user's fulfilled sessions, newest first.
pub async fn list(State(state): State<Arc<AppState>>, AppUser(user): AppUser, RawQuery(query): RawQuery) -> Response {
    match list_inner(&state, &user, query.as_deref().unwrap_or("")).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn list_inner(state: &AppState, user: &str, query: &str) -> Result<Response, ApiError> {
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
        .purchases(user, limit + 1, after.as_deref())
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
