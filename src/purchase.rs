//! What the app's backend says its user has bought: the records `GET /v1/purchases` lists, so
//! a reinstalled app can restore its purchases (see [`crate::CheckoutClient::list_purchases`]).
//!
//! The reference server (`server/`) writes these records once per paid session and delivers
//! the same object to the merchant; a backend of the merchant's own may serve the same shape.
//! Decoded as leniently as the session model: unknown fields ignored, unknown enum values kept
//! as `Unknown`, nulls read as empty, expanded objects read as their ID.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{expandable_id, null_as_default, open_enum, CheckoutMode, LineItem, PaymentStatus};

open_enum! {
    /// Which signal made the server record the purchase first.
    PurchaseSource {
        /// Stripe's `checkout.session.completed` or `checkout.session.async_payment_succeeded`.
        Webhook = "webhook",
        /// The app's own verification of the session through the server.
        Retrieve = "retrieve",
        /// The server's periodic check of the sessions it created (a lost webhook, a killed app).
        Reconciliation = "reconciliation",
    }
}

/// One fulfilled Checkout Session: what was bought, for how much, and what happened since
/// (refunds, disputes). Grant entitlements from `line_items` (or `metadata`) and withdraw them
/// when `refunded` or `disputed` says so.
///
/// `Serialize` writes the wire names, so a backend can serve or deliver it as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Purchase {
    /// The Checkout Session (`cs_…`): the record's unique key.
    pub session_id: String,
    /// The backend's ID for the app user the session was created for (never the token).
    #[serde(default, deserialize_with = "null_as_default")]
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
    /// The PaymentIntent (payment mode).
    #[serde(default, deserialize_with = "expandable_id")]
    pub payment_intent: Option<String>,
    /// The Subscription (subscription mode).
    #[serde(default, deserialize_with = "expandable_id")]
    pub subscription: Option<String>,
    /// The Stripe Customer, if any.
    #[serde(default, deserialize_with = "expandable_id")]
    pub customer: Option<String>,
    /// The customer's email as Checkout collected it.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The session's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: HashMap<String, String>,
    /// What was bought, as Stripe lists the session's line items.
    #[serde(default, deserialize_with = "null_as_default")]
    pub line_items: Vec<LineItem>,
    /// Live or test mode.
    #[serde(default, deserialize_with = "null_as_default")]
    pub livemode: bool,
    /// Unix seconds when the backend recorded the fulfilment.
    pub fulfilled_at: i64,
    /// Which signal recorded it first.
    pub source: PurchaseSource,
    /// Refunded so far, minor units (Stripe's `charge.amount_refunded`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_refunded: i64,
    /// Fully refunded (Stripe's `charge.refunded`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub refunded: bool,
    /// A dispute was opened (`charge.dispute.created`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub disputed: bool,
    /// Unix seconds of the record's last change.
    #[serde(default, deserialize_with = "null_as_default")]
    pub updated_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the reference server lists it (server/src/purchases.rs).
    const LISTED: &str = r#"{
      "object": "purchase", "session_id": "cs_test_a1", "user": "alice", "mode": "payment",
      "payment_status": "paid", "currency": "usd", "amount_total": 3000, "amount_subtotal": 3000,
      "payment_intent": "pi_1", "subscription": null, "customer": null, "customer_email": "a@example.com",
      "metadata": {"sku": "gems_100"},
      "line_items": [{"id": "li_1", "object": "item", "description": "Gems", "quantity": 2,
                      "amount_subtotal": 3000, "amount_total": 3000, "currency": "usd"}],
      "livemode": false, "fulfilled_at": 1800000000, "source": "webhook",
      "amount_refunded": 0, "refunded": false, "disputed": false, "updated_at": 1800000000
    }"#;

    #[test]
    fn a_listed_purchase_decodes_and_round_trips() {
        let p: Purchase = serde_json::from_str(LISTED).expect("decodes");
        assert_eq!((p.session_id.as_str(), p.user.as_str()), ("cs_test_a1", "alice"));
        assert_eq!(p.source, PurchaseSource::Webhook);
        assert_eq!(p.line_items[0].quantity, Some(2));
        assert_eq!(p.metadata["sku"], "gems_100");
        let again: Purchase = serde_json::from_str(&serde_json::to_string(&p).expect("encodes")).expect("decodes");
        assert_eq!(again, p);
    }

    #[test]
    fn unknown_values_nulls_and_expanded_objects_are_tolerated() {
        let mut v: serde_json::Value = serde_json::from_str(LISTED).expect("json");
        v["source"] = "manual_grant".into();
        v["mode"] = "installments".into();
        v["metadata"] = serde_json::Value::Null;
        v["line_items"] = serde_json::Value::Null;
        v["amount_refunded"] = serde_json::Value::Null;
        v["payment_intent"] = serde_json::json!({"id": "pi_x", "object": "payment_intent"});
        v["brand_new"] = serde_json::json!([1, {"x": 2}]);
        v.as_object_mut().expect("object").remove("updated_at");
        let p: Purchase = serde_json::from_value(v).expect("decodes");
        assert_eq!(p.source.as_str(), "manual_grant");
        assert_eq!(p.mode.as_str(), "installments");
        assert!(p.metadata.is_empty() && p.line_items.is_empty());
        assert_eq!((p.amount_refunded, p.updated_at), (0, 0));
        assert_eq!(p.payment_intent.as_deref(), Some("pi_x"));
    }

    #[test]
    fn a_record_without_its_key_or_with_wrong_types_is_an_error() {
        let mut v: serde_json::Value = serde_json::from_str(LISTED).expect("json");
        v.as_object_mut().expect("object").remove("session_id");
        assert!(serde_json::from_value::<Purchase>(v).is_err());
        let mut v: serde_json::Value = serde_json::from_str(LISTED).expect("json");
        v["amount_total"] = "3000".into();
        assert!(serde_json::from_value::<Purchase>(v).is_err());
    }
}
