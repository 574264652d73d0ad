//! What Stripe answers: the Checkout Session and its parts, line items, and the receipt and
//! outcome the library derives from them. (What an app asks for is in `params.rs`.)
//!
//! Responses are decoded leniently (unknown fields ignored, unknown enum values kept as
//! `Unknown`, nulls read as empty) because Stripe adds fields and values without a version
//! change; requests are validated strictly before they leave the device
//! ([`crate::validate_create_params`]), so mistakes surface as typed errors instead of a round trip.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a string enum that decodes unknown values into `Unknown { value }` instead of failing.
macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
        #[cfg_attr(feature = "ffi", uniffi::export(Display))]
        pub enum $name {
            $($(#[$vm])* $variant,)+
            /// A value this version of the library does not know; kept verbatim.
            Unknown {
                /// The raw value Stripe sent.
                value: String,
            },
        }

        impl $name {
            /// Every value this version of the library knows, as on the wire.
            pub const WIRE_VALUES: &'static [&'static str] = &[$($wire),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown { value } => value,
                }
            }

            /// Parses a wire value; never fails.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown { value: other.to_owned() },
                }
            }
        }

        /// The wire value (`payment`, `open`, …), also `toString()` in Kotlin.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

pub(crate) use open_enum;

open_enum! {
    /// What the Checkout Session is for.
    CheckoutMode {
        /// One-time payment.
        Payment = "payment",
        /// Starts a subscription (needs at least one recurring price).
        Subscription = "subscription",
        /// Saves a payment method for later; no charge.
        Setup = "setup",
    }
}

open_enum! {
    /// Lifecycle of a Checkout Session.
    SessionStatus {
        /// Waiting for the customer; `url` is usable.
        Open = "open",
        /// The customer finished; see [`PaymentStatus`] for whether money moved.
        Complete = "complete",
        /// Expired or cancelled; can no longer be paid.
        Expired = "expired",
    }
}

open_enum! {
    /// Whether the funds are available.
    PaymentStatus {
        /// Funds are available (or will be, for card payments).
        Paid = "paid",
        /// Not paid yet, e.g. a delayed payment method is still processing.
        Unpaid = "unpaid",
        /// Nothing to pay (setup mode, free trials, 100 % discounts).
        NoPaymentRequired = "no_payment_required",
    }
}

open_enum! {
    /// Interval of a recurring price.
    RecurringInterval {
        /// Daily.
        Day = "day",
        /// Weekly.
        Week = "week",
        /// Monthly.
        Month = "month",
        /// Yearly.
        Year = "year",
    }
}

/// The verified result of a checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PaymentOutcome {
    /// Stripe reports the session complete and paid, or complete with nothing due (a 100 %
    /// discount, a trial, a setup-mode session that saved the payment method). Fulfil the order.
    Paid,
    /// Complete, but a delayed payment method has not settled yet. Do not fulfil yet.
    Processing,
    /// The customer backed out; the session has been expired so it cannot be paid later.
    Canceled,
    /// The session expired unpaid.
    Expired,
    /// Still open: the customer came back without paying. Never treat as paid.
    Open,
}

impl PaymentOutcome {
    /// Whether the outcome can no longer change; checkouts with a non-final outcome stay in
    /// [`crate::CheckoutFlow::pending`].
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentOutcome::Paid | PaymentOutcome::Canceled | PaymentOutcome::Expired
        )
    }
}

open_enum! {
    /// `automatic_tax[status]`: how far Stripe Tax got.
    AutomaticTaxStatus {
        /// Tax was computed.
        Complete = "complete",
        /// Stripe Tax could not compute it.
        Failed = "failed",
        /// The customer's address is still needed.
        RequiresLocationInputs = "requires_location_inputs",
    }
}

/// A postal address as Checkout collected it; every part may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Address {
    /// City, district, suburb, town or village.
    #[serde(default)]
    pub city: Option<String>,
    /// Two-letter country code.
    #[serde(default)]
    pub country: Option<String>,
    /// First line (street, PO box, company name).
    #[serde(default)]
    pub line1: Option<String>,
    /// Second line (apartment, suite, unit, building).
    #[serde(default)]
    pub line2: Option<String>,
    /// ZIP or postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// State, county, province or region.
    #[serde(default)]
    pub state: Option<String>,
}

/// The customer's details as collected by Checkout.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CustomerDetails {
    /// Email entered or prefilled.
    #[serde(default)]
    pub email: Option<String>,
    /// Name entered.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone entered.
    #[serde(default)]
    pub phone: Option<String>,
    /// Billing address (not in setup mode).
    #[serde(default)]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub address: Option<Address>,
}

/// `total_details`: what the total is made of, in minor units.
///
/// Stripe's relation (the field descriptions; no worked example is published):
/// `amount_total = amount_subtotal − amount_discount + amount_shipping + the exclusive part of
/// amount_tax`. Inclusive taxes are already inside the prices, so they are counted in
/// `amount_tax` but not added again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct TotalDetails {
    /// Sum of all discounts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_discount: i64,
    /// Sum of all shipping amounts, before tax (Stripe sends null when there is no shipping).
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_shipping: i64,
    /// Sum of all taxes, inclusive and exclusive, shipping tax included.
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_tax: i64,
}

/// `shipping_cost`: the shipping rate the customer chose and what it costs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ShippingCost {
    /// Before discounts and taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_subtotal: i64,
    /// Tax on shipping (0 when none applies).
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_tax: i64,
    /// After discounts and taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub amount_total: i64,
    /// The Shipping Rate ID (`shr_…`).
    #[serde(default, deserialize_with = "expandable_id")]
    pub shipping_rate: Option<String>,
}

/// One entry of the session's `discounts`: the coupon or promotion code applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct AppliedDiscount {
    /// The Coupon ID, when a coupon was applied directly.
    #[serde(default, deserialize_with = "expandable_id")]
    pub coupon: Option<String>,
    /// The Promotion Code ID (`promo_…`), when the customer entered a code.
    #[serde(default, deserialize_with = "expandable_id")]
    pub promotion_code: Option<String>,
}

/// The session's `automatic_tax`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SessionAutomaticTax {
    /// Whether Stripe Tax applies to this session.
    #[serde(default, deserialize_with = "null_as_default")]
    pub enabled: bool,
    /// How far it got (`None` when not enabled).
    #[serde(default)]
    pub status: Option<AutomaticTaxStatus>,
}

/// Shipping details the customer entered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ShippingDetails {
    /// Recipient name.
    #[serde(default)]
    pub name: Option<String>,
    /// Shipping address.
    #[serde(default)]
    pub address: Option<Address>,
}

/// `collected_information`: what Checkout collected for fulfilment. Since 2025-03-31.basil the
/// shipping details live here, not in a top-level `shipping_details`
/// (<https://docs.stripe.com/changelog/basil/2025-03-31/checkout-session-remove-shipping-details>).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CollectedInformation {
    /// Where to ship, when the session collected a shipping address.
    #[serde(default)]
    pub shipping_details: Option<ShippingDetails>,
    /// Business name, when collected.
    #[serde(default)]
    pub business_name: Option<String>,
    /// Individual name, when collected.
    #[serde(default)]
    pub individual_name: Option<String>,
}

/// What the customer pays (or paid), in minor units of `currency`, as an app shows it on a
/// receipt. Built from the session Stripe reports: `amount_subtotal`, `total_details` and
/// `amount_total`, so it includes promotion codes, tax, shipping and adjusted quantities.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Receipt {
    /// Lowercase ISO currency.
    pub currency: String,
    /// All items before discounts and taxes (Stripe's `amount_subtotal`).
    pub subtotal: i64,
    /// Sum of all discounts (`total_details.amount_discount`).
    pub discount: i64,
    /// Shipping before tax (`total_details.amount_shipping`).
    pub shipping: i64,
    /// All taxes (`total_details.amount_tax`). Inclusive taxes are part of `subtotal` and
    /// `shipping` already; only exclusive ones are added to reach `total`.
    pub tax: i64,
    /// What is charged (`amount_total`).
    pub total: i64,
    /// The Shipping Rate the customer chose, if any (`shipping_cost.shipping_rate`).
    pub shipping_rate: Option<String>,
}

/// A Checkout Session as Stripe reports it.
///
/// `Serialize` writes the same field names Stripe uses, so a backend can pass a session on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CheckoutSession {
    /// Session ID (opaque; `cs_test_…`/`cs_live_…` on Stripe).
    pub id: String,
    /// The hosted page; present only while the session is open.
    #[serde(default)]
    pub url: Option<String>,
    /// `None` only for very old sessions.
    #[serde(default)]
    pub status: Option<SessionStatus>,
    /// Whether money moved.
    pub payment_status: PaymentStatus,
    /// Payment, subscription or setup.
    pub mode: CheckoutMode,
    /// Total after discounts and taxes, minor units.
    #[serde(default)]
    pub amount_total: Option<i64>,
    /// Total before discounts and taxes, minor units.
    #[serde(default)]
    pub amount_subtotal: Option<i64>,
    /// Lowercase ISO currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Customer ID, once there is one.
    #[serde(default, deserialize_with = "expandable_id")]
    pub customer: Option<String>,
    /// The email the session was created with.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// What the customer entered.
    #[serde(default)]
    pub customer_details: Option<CustomerDetails>,
    /// The app's own reference.
    #[serde(default)]
    pub client_reference_id: Option<String>,
    /// Metadata set at creation.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: HashMap<String, String>,
    /// PaymentIntent ID (payment mode, once confirmed).
    #[serde(default, deserialize_with = "expandable_id")]
    pub payment_intent: Option<String>,
    /// Subscription ID (subscription mode, once complete).
    #[serde(default, deserialize_with = "expandable_id")]
    pub subscription: Option<String>,
    /// SetupIntent ID (setup mode).
    #[serde(default, deserialize_with = "expandable_id")]
    pub setup_intent: Option<String>,
    /// Success URL as sent (placeholder unsubstituted).
    #[serde(default)]
    pub success_url: Option<String>,
    /// Cancel URL as sent.
    #[serde(default)]
    pub cancel_url: Option<String>,
    /// Page language.
    #[serde(default)]
    pub locale: Option<String>,
    /// The payment method types this session accepts: at endive, what Stripe computed from
    /// `allowed_payment_method_types`, `excluded_payment_method_types` and eligibility.
    #[serde(default, deserialize_with = "null_as_default")]
    pub payment_method_types: Vec<String>,
    /// Unix time the session expires.
    pub expires_at: i64,
    /// Unix time the session was created.
    pub created: i64,
    /// True for live mode, false for test mode.
    pub livemode: bool,
    /// What the total is made of (discount, shipping, tax); see [`CheckoutSession::receipt`].
    #[serde(default)]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub total_details: Option<TotalDetails>,
    /// The chosen shipping rate and its cost.
    #[serde(default)]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub shipping_cost: Option<ShippingCost>,
    /// The coupons and promotion codes applied.
    #[serde(default, deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub discounts: Vec<AppliedDiscount>,
    /// Stripe Tax's part.
    #[serde(default)]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub automatic_tax: Option<SessionAutomaticTax>,
    /// Shipping details and names Checkout collected.
    #[serde(default)]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub collected_information: Option<CollectedInformation>,
    /// The allow-list the session was created with (endive; `None` when not set).
    #[serde(default)]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub allowed_payment_method_types: Option<Vec<String>>,
    /// The payment method types excluded at creation.
    #[serde(default, deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub excluded_payment_method_types: Vec<String>,
}

impl CheckoutSession {
    /// What the customer pays (or paid), for a receipt; `None` when the session carries no
    /// amounts (setup mode, or a backend that leaves them out).
    ///
    /// ```
    /// # let json = r#"{"id":"cs_1","payment_status":"paid","mode":"payment","status":"complete",
    /// #   "currency":"usd","amount_subtotal":4000,"amount_total":4464,"expires_at":2,"created":1,
    /// #   "livemode":false,"total_details":{"amount_discount":400,"amount_shipping":500,"amount_tax":364},
    /// #   "shipping_cost":{"amount_subtotal":500,"amount_tax":44,"amount_total":544,"shipping_rate":"shr_1"}}"#;
    /// let session: checkout_bridge::CheckoutSession = serde_json::from_str(json).unwrap();
    /// let r = session.receipt().unwrap();
    /// assert_eq!((r.subtotal, r.discount, r.shipping, r.tax, r.total), (4000, 400, 500, 364, 4464));
    /// ```
    pub fn receipt(&self) -> Option<Receipt> {
        let details = self.total_details.clone().unwrap_or_default();
        let shipping = match (&self.total_details, &self.shipping_cost) {
            (Some(d), _) => d.amount_shipping,
            (None, Some(c)) => c.amount_subtotal,
            (None, None) => 0,
        };
        Some(Receipt {
            currency: self.currency.clone()?,
            subtotal: self.amount_subtotal?,
            discount: details.amount_discount,
            shipping,
            tax: details.amount_tax,
            total: self.amount_total?,
            shipping_rate: self.shipping_cost.as_ref().and_then(|c| c.shipping_rate.clone()),
        })
    }
}

/// [`CheckoutSession::receipt`] for Kotlin and Swift, e.g. for a session from
/// `CheckoutClient.retrieveSession`. (`PaymentResult` already carries it.)
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn session_receipt(session: CheckoutSession) -> Option<Receipt> {
    session.receipt()
}

/// The Price of a purchased line item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LineItemPriceInfo {
    /// Price ID.
    pub id: String,
    /// Unit amount, minor units (absent for decimal or tiered prices).
    #[serde(default)]
    pub unit_amount: Option<i64>,
    /// Lowercase ISO currency.
    pub currency: String,
    /// Product ID.
    #[serde(default, deserialize_with = "expandable_id")]
    pub product: Option<String>,
    /// Recurring interval, for subscription prices (Stripe's `recurring.interval`).
    #[serde(
        rename = "recurring",
        default,
        deserialize_with = "recurring_interval",
        serialize_with = "serialize_recurring"
    )]
    pub recurring_interval: Option<RecurringInterval>,
}

/// A purchased line item as Stripe reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LineItem {
    /// Line item ID (`li_…`).
    pub id: String,
    /// Product name.
    #[serde(default)]
    pub description: Option<String>,
    /// Quantity.
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Total for this line before discounts and taxes, minor units.
    pub amount_subtotal: i64,
    /// Discount on this line, minor units.
    #[serde(default, deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_discount: i64,
    /// Tax on this line, minor units.
    #[serde(default, deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_tax: i64,
    /// Total for this line after discounts and taxes, minor units.
    pub amount_total: i64,
    /// Lowercase ISO currency.
    pub currency: String,
    /// The price used.
    #[serde(default)]
    pub price: Option<LineItemPriceInfo>,
}

/// One page of a Stripe list.
#[derive(Deserialize)]
pub(crate) struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

/// Accepts an ID string, an expanded object with an `id`, or null.
pub(crate) fn expandable_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Expandable {
        Id(String),
        Object { id: String },
    }
    Ok(Option::<Expandable>::deserialize(d)?.map(|e| match e {
        Expandable::Id(id) | Expandable::Object { id } => id,
    }))
}

pub(crate) fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn recurring_interval<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RecurringInterval>, D::Error> {
    #[derive(Deserialize)]
    struct R {
        interval: RecurringInterval,
    }
    Ok(Option::<R>::deserialize(d)?.map(|r| r.interval))
}

fn serialize_recurring<S: Serializer>(r: &Option<RecurringInterval>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct R<'a> {
        interval: &'a RecurringInterval,
    }
    r.as_ref().map(|interval| R { interval }).serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../tests/fixtures/checkout_session_fixture.json");

    #[test]
    fn the_complete_stripe_fixture_decodes() {
        let s: CheckoutSession = serde_json::from_str(FIXTURE).expect("fixture decodes");
        assert_eq!(
            s.id,
            "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
        );
        assert_eq!(s.status, Some(SessionStatus::Open));
        assert_eq!(s.payment_status, PaymentStatus::Unpaid);
        assert_eq!(s.mode, CheckoutMode::Payment);
        assert_eq!(s.payment_intent.as_deref(), Some("pi_1PgafyB7WZ01zgkWSjxsAJo3"));
        assert_eq!(
            s.customer_details.and_then(|c| c.email).as_deref(),
            Some("example@example.com")
        );
        assert_eq!(s.payment_method_types, vec!["card".to_string()]);
        assert!(!s.livemode);
    }

    #[test]
    fn unknown_enum_values_and_fields_are_kept_not_errors() {
        let mut v: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        v["status"] = "paused".into();
        v["payment_status"] = "partially_paid".into();
        v["mode"] = "installments".into();
        v["brand_new_field"] = serde_json::json!({"nested": [1, 2]});
        v["payment_intent"] = serde_json::json!({"id": "pi_expanded", "object": "payment_intent"});
        v["metadata"] = serde_json::Value::Null;
        let s: CheckoutSession = serde_json::from_value(v).unwrap();
        assert_eq!(s.status, Some(SessionStatus::Unknown { value: "paused".into() }));
        assert_eq!(s.payment_status.as_str(), "partially_paid");
        assert_eq!(
            s.mode,
            CheckoutMode::Unknown {
                value: "installments".into()
            }
        );
        assert_eq!(s.payment_intent.as_deref(), Some("pi_expanded"));
        assert!(s.metadata.is_empty());
    }

    #[test]
    fn serialize_then_decode_is_lossless() {
        let s: CheckoutSession = serde_json::from_str(FIXTURE).unwrap();
        let again: CheckoutSession = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
        let item: LineItem = serde_json::from_value(serde_json::json!({
            "id": "li_1", "amount_subtotal": 900, "amount_total": 900, "currency": "usd", "quantity": 1,
            "price": {"id": "price_1", "currency": "usd", "unit_amount": 900, "product": "prod_1",
                      "recurring": {"interval": "month", "interval_count": 1}}
        }))
        .unwrap();
        assert_eq!(
            item.price.as_ref().and_then(|p| p.recurring_interval.clone()),
            Some(RecurringInterval::Month)
        );
        let back: LineItem = serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
        assert_eq!(back, item);
    }

    /// The fact sheet's worked example (stripe-facts-params.md C.2, in the shape of stripe-node's
    /// `Session`): 2 × 2000 with a 10 % promotion code, 500 shipping and 364 exclusive tax.
    const PAID_WITH_EXTRAS: &str = r#"{
      "id": "cs_test_a1b2c3", "object": "checkout.session", "mode": "payment",
      "status": "complete", "payment_status": "paid", "ui_mode": "hosted_page", "url": null,
      "currency": "usd", "amount_subtotal": 4000, "amount_total": 4464,
      "allow_promotion_codes": true,
      "discounts": [{"coupon": null, "promotion_code": "promo_1ABC"}],
      "automatic_tax": {"enabled": true, "liability": {"type": "self"}, "provider": "stripe", "status": "complete"},
      "total_details": {"amount_discount": 400, "amount_shipping": 500, "amount_tax": 364},
      "shipping_cost": {"amount_subtotal": 500, "amount_tax": 44, "amount_total": 544, "shipping_rate": "shr_1ABC"},
      "collected_information": {"business_name": null, "individual_name": null,
        "shipping_details": {"name": "Jenny Rosen", "address": {"line1": "1 Main St", "line2": null, "city": "New York", "state": "NY", "postal_code": "10001", "country": "US"}}},
      "customer_details": {"email": "jenny@example.com", "name": "Jenny Rosen", "phone": null,
        "address": {"line1": "1 Main St", "line2": null, "city": "New York", "state": "NY", "postal_code": "10001", "country": "US"},
        "tax_exempt": "none", "tax_ids": []},
      "payment_method_types": ["card", "link"], "allowed_payment_method_types": ["card", "link"],
      "payment_intent": "pi_1ABC", "customer": null, "client_reference_id": "order_42",
      "metadata": {"order_id": "42"}, "expires_at": 1800086400, "created": 1800000000, "livemode": false
    }"#;

    #[test]
    fn totals_discounts_tax_shipping_and_collected_details_decode() {
        let s: CheckoutSession = serde_json::from_str(PAID_WITH_EXTRAS).expect("decodes");
        assert_eq!(
            s.total_details,
            Some(TotalDetails {
                amount_discount: 400,
                amount_shipping: 500,
                amount_tax: 364
            })
        );
        assert_eq!(
            s.shipping_cost.as_ref().and_then(|c| c.shipping_rate.as_deref()),
            Some("shr_1ABC")
        );
        assert_eq!(s.discounts[0].promotion_code.as_deref(), Some("promo_1ABC"));
        assert_eq!(
            s.automatic_tax.as_ref().and_then(|t| t.status.clone()),
            Some(AutomaticTaxStatus::Complete)
        );
        let ship = s
            .collected_information
            .as_ref()
            .and_then(|c| c.shipping_details.as_ref())
            .expect("shipping details");
        assert_eq!(
            ship.address.as_ref().and_then(|a| a.postal_code.as_deref()),
            Some("10001")
        );
        assert_eq!(s.allowed_payment_method_types, Some(vec!["card".into(), "link".into()]));
        assert_eq!(
            s.receipt(),
            Some(Receipt {
                currency: "usd".into(),
                subtotal: 4000,
                discount: 400,
                shipping: 500,
                tax: 364,
                total: 4464,
                shipping_rate: Some("shr_1ABC".into()),
            })
        );
        let again: CheckoutSession = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn new_parts_tolerate_nulls_unknown_values_and_expanded_objects() {
        let mut v: serde_json::Value = serde_json::from_str(PAID_WITH_EXTRAS).unwrap();
        v["total_details"] = serde_json::json!({"amount_discount": null, "amount_shipping": null, "amount_tax": 7});
        v["automatic_tax"]["status"] = "calculating_somewhere_new".into();
        v["discounts"] = serde_json::json!([{"coupon": {"id": "co_1", "object": "coupon"}, "promotion_code": null}]);
        v["shipping_cost"]["shipping_rate"] = serde_json::json!({"id": "shr_x", "object": "shipping_rate"});
        v["collected_information"] = serde_json::Value::Null;
        v["excluded_payment_method_types"] = serde_json::Value::Null;
        let s: CheckoutSession = serde_json::from_value(v).expect("decodes");
        assert_eq!(
            s.total_details
                .as_ref()
                .map(|t| (t.amount_discount, t.amount_shipping, t.amount_tax)),
            Some((0, 0, 7))
        );
        assert_eq!(
            s.automatic_tax
                .and_then(|t| t.status)
                .map(|st| st.as_str().to_owned())
                .as_deref(),
            Some("calculating_somewhere_new")
        );
        assert_eq!(s.discounts[0].coupon.as_deref(), Some("co_1"));
        assert_eq!(s.shipping_cost.and_then(|c| c.shipping_rate).as_deref(), Some("shr_x"));
        assert!(s.collected_information.is_none() && s.excluded_payment_method_types.is_empty());
        // Setup mode carries no amounts: no receipt.
        let mut setup: serde_json::Value = serde_json::from_str(PAID_WITH_EXTRAS).unwrap();
        setup["mode"] = "setup".into();
        setup["amount_total"] = serde_json::Value::Null;
        setup["amount_subtotal"] = serde_json::Value::Null;
        setup["currency"] = serde_json::Value::Null;
        let setup: CheckoutSession = serde_json::from_value(setup).unwrap();
        assert_eq!(setup.receipt(), None);
    }

    #[test]
    fn enum_round_trip() {
        for m in [CheckoutMode::Payment, CheckoutMode::Subscription, CheckoutMode::Setup] {
            assert_eq!(CheckoutMode::from_wire(m.as_str()), m);
        }
        assert_eq!(RecurringInterval::from_wire("fortnight").as_str(), "fortnight");
    }
}
