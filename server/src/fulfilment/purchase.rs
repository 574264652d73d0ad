//! What a fulfilled session looks like to the merchant (each delivery's `data.object`) and to
//! the app (`GET /v1/purchases`, [`crate::http::purchases`]).
//!
//! The list is shaped like Stripe's lists (`{"object": "list", "data": […], "has_more": …,
//! "url": …}`, newest first, `limit` 1–100 with default 10, `starting_after` an ID from the
//! previous page: https://docs.stripe.com/api/pagination), so the library pages through it as it
//! pages through line items. Only the authenticated user's purchases are ever listed; a cursor
//! that is not one of theirs is refused like an unknown one.

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
