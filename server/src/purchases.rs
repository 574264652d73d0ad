//! What a fulfilled session looks like to the merchant and to the app, and
//! `GET /v1/purchases`, which lets a reinstalled app restore what its user bought.
//!
//! The list is shaped like Stripe's lists (`{"object": "list", "data": […], "has_more": …,
//! "url": …}`, newest first, `limit` 1–100 with default 10, `starting_after` an ID from the
//! previous page: https://docs.stripe.com/api/pagination), so the library pages through it as it
//! pages through line items. Only the authenticated user's purchases are ever listed; a cursor
//! that is not one of theirs is refused like an unknown one.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_bridge::{CheckoutMode, LineItem, PaymentStatus};
use serde::{Deserialize, Serialize};

use crate::stripe_error::ApiError;
use crate::AppState;

/// One fulfilled session: what was bought, by whom, for how much, and what happened since.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// The Checkout Session: the record's unique key.
    pub session_id: String,
    /// The app user the session was created for.
    pub user: String,
    /// Payment, subscription or setup.
    pub mode: CheckoutMode,
    /// `paid` or `no_payment_required` when fulfilled.
    pub payment_status: PaymentStatus,
    /// Lowercase ISO currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Total after discounts and taxes, minor units.
    #[serde(default)]
    pub amount_total: Option<i64>,
    /// Total before discounts and taxes, minor units.
    #[serde(default)]
    pub amount_subtotal: Option<i64>,
    /// The PaymentIntent (payment mode): how refunds and disputes find the record.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// The Subscription (subscription mode).
    #[serde(default)]
    pub subscription: Option<String>,
    /// The Stripe Customer, if any.
    #[serde(default)]
    pub customer: Option<String>,
    /// The customer's email as Checkout collected it.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The session's metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// What was bought, as Stripe lists the session's line items.
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    /// Live or test mode.
    pub livemode: bool,
    /// Unix seconds when the server recorded the fulfilment.
    pub fulfilled_at: i64,
    /// Which signal recorded it first: `webhook`, `retrieve` or `reconciliation`.
    pub source: String,
    /// Refunded so far, minor units (`charge.amount_refunded`).
    #[serde(default)]
    pub amount_refunded: i64,
    /// Fully refunded (`charge.refunded`).
    #[serde(default)]
    pub refunded: bool,
    /// A dispute was opened (`charge.dispute.created`).
    #[serde(default)]
    pub disputed: bool,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

impl Purchase {
    /// The JSON object as delivered and listed: the record with `"object": "purchase"`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("object".into(), "purchase".into());
        }
        v
    }
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
    let user = crate::routes::user(state, headers)?;
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
        "data": page.iter().map(Purchase::to_json).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": "/v1/purchases",
    }))
    .into_response())
}
