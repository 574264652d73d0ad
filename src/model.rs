//! The records exchanged with Stripe: what an app asks for and what Stripe answers.
//!
//! Responses are decoded leniently (unknown fields ignored, unknown enum values kept as
//! `Unknown`) because Stripe adds fields and values without a version change; requests are
//! validated strictly before they leave the device, so mistakes surface as typed errors
//! instead of a round trip.

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

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

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

open_enum! {
    /// Where the Checkout page is opened from; `MobileApp` tunes Stripe's redirect behaviour.
    OriginContext {
        /// A native mobile app.
        MobileApp = "mobile_app",
        /// A website.
        Web = "web",
    }
}

/// Recurring settings for inline price data (subscriptions).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Recurring {
    /// Billing interval.
    pub interval: RecurringInterval,
    /// Number of intervals between bills (e.g. 3 months); Stripe's default is 1.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub interval_count: Option<i64>,
}

/// The price of a line item: an existing Price, or a price defined inline.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum LineItemPrice {
    /// An existing Price object (`price_…`), the recommended way: amounts live on the server side.
    Price {
        /// The Price ID.
        id: String,
    },
    /// A price created for this session only.
    Inline {
        /// Three-letter ISO code, lowercase (`usd`).
        currency: String,
        /// Amount in the currency's minor unit (cents for `usd`).
        unit_amount: i64,
        /// Product name shown on the Checkout page.
        product_name: String,
        /// Product description shown on the Checkout page.
        description: Option<String>,
        /// Absolute image URLs (at most 8).
        images: Vec<String>,
        /// Set for subscription prices.
        recurring: Option<Recurring>,
    },
}

/// The quantity of a line item when none is given (Kotlin and Swift default to it too).
pub const DEFAULT_QUANTITY: i64 = 1;

/// One line of the purchase.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LineItemParams {
    /// What is sold, at what price.
    pub price: LineItemPrice,
    /// How many (1..=999,999).
    #[cfg_attr(feature = "ffi", uniffi(default = 1))]
    pub quantity: i64,
}

/// Everything an app can ask for when creating a Checkout Session.
///
/// Start from [`CreateSessionParams::new`] (or [`simple_checkout_params`] for a single item)
/// and set what you need. With [`crate::CheckoutFlow`], leave the URLs unset: the flow builds them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CreateSessionParams {
    /// Payment, subscription or setup.
    pub mode: CheckoutMode,
    /// What is bought; required in payment and subscription modes, at most 100.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub line_items: Vec<LineItemParams>,
    /// Where Stripe sends the customer after paying; may contain `{CHECKOUT_SESSION_ID}`.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub success_url: Option<String>,
    /// Where Stripe sends the customer who backs out.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub cancel_url: Option<String>,
    /// Prefills the email field (not together with `customer`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub customer_email: Option<String>,
    /// An existing Customer (`cus_…`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub customer: Option<String>,
    /// Your own reference (order or cart ID), at most 200 characters.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub client_reference_id: Option<String>,
    /// Up to 50 keys (40 chars) with values up to 500 chars.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub metadata: HashMap<String, String>,
    /// Unix time when the session expires, 30 minutes to 24 hours from now.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub expires_at: Option<i64>,
    /// Checkout page language (`auto`, `en`, `fr`, `pt-BR`, …).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub locale: Option<String>,
    /// Restricts payment methods (`card`, `sepa_debit`, …); empty lets Stripe choose.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_method_types: Vec<String>,
    /// Shows the promotion code field.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub allow_promotion_codes: Option<bool>,
    /// Tells Stripe the page is opened from a mobile app.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub origin_context: Option<OriginContext>,
    /// Sent as `Idempotency-Key`; generated when unset. Reuse it to retry a create safely.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub idempotency_key: Option<String>,
}

impl CreateSessionParams {
    /// Params for `mode` with everything else unset.
    pub fn new(mode: CheckoutMode) -> Self {
        CreateSessionParams {
            mode,
            line_items: Vec::new(),
            success_url: None,
            cancel_url: None,
            customer_email: None,
            customer: None,
            client_reference_id: None,
            metadata: HashMap::new(),
            expires_at: None,
            locale: None,
            payment_method_types: Vec::new(),
            allow_promotion_codes: None,
            origin_context: None,
            idempotency_key: None,
        }
    }
}

/// The single-item checkout of the connector this project grew from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SimpleCheckout {
    /// Amount in minor units (cents).
    pub amount: i64,
    /// Lowercase ISO currency (`usd`).
    pub currency: String,
    /// Product name shown on the page.
    pub name: String,
    /// Product description shown on the page.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub description: Option<String>,
    /// Where to go after paying (leave unset with `CheckoutFlow`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub success_url: Option<String>,
    /// Where to go on cancel (leave unset with `CheckoutFlow`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub cancel_url: Option<String>,
    /// Prefills the customer's email.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub customer_email: Option<String>,
}

/// Expands a [`SimpleCheckout`] into full parameters: payment mode, one item, quantity 1.
///
/// ```
/// use checkout_bridge::{simple_checkout_params, SimpleCheckout, CheckoutMode};
/// let p = simple_checkout_params(SimpleCheckout {
///     amount: 1999, currency: "usd".into(), name: "T-shirt".into(), description: None,
///     success_url: None, cancel_url: None, customer_email: Some("a@example.com".into()),
/// });
/// assert_eq!(p.mode, CheckoutMode::Payment);
/// assert_eq!(p.line_items.len(), 1);
/// ```
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn simple_checkout_params(simple: SimpleCheckout) -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    p.line_items.push(LineItemParams {
        price: LineItemPrice::Inline {
            currency: simple.currency,
            unit_amount: simple.amount,
            product_name: simple.name,
            description: simple.description,
            images: Vec::new(),
            recurring: None,
        },
        quantity: DEFAULT_QUANTITY,
    });
    p.success_url = simple.success_url;
    p.cancel_url = simple.cancel_url;
    p.customer_email = simple.customer_email;
    p
}

/// The verified result of a checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PaymentOutcome {
    /// Stripe reports the session complete and paid (or nothing was due). Fulfil the order.
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
    /// Allowed payment method types.
    #[serde(default, deserialize_with = "null_as_default")]
    pub payment_method_types: Vec<String>,
    /// Unix time the session expires.
    pub expires_at: i64,
    /// Unix time the session was created.
    pub created: i64,
    /// True for live mode, false for test mode.
    pub livemode: bool,
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
    /// Total for this line before discounts, minor units.
    pub amount_subtotal: i64,
    /// Total for this line, minor units.
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
fn expandable_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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

fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
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

    #[test]
    fn enum_round_trip() {
        for m in [CheckoutMode::Payment, CheckoutMode::Subscription, CheckoutMode::Setup] {
            assert_eq!(CheckoutMode::from_wire(m.as_str()), m);
        }
        assert_eq!(OriginContext::MobileApp.as_str(), "mobile_app");
    }
}
