//! What an app asks for when it creates a Checkout Session: [`CreateSessionParams`] and its
//! parts, typed after Stripe's `POST /v1/checkout/sessions` at the pinned API version.
//!
//! Every optional part has a default (`#[uniffi(default)]` in Kotlin and Swift), so a simple
//! checkout stays one line ([`simple_checkout_params`]) and a richer one names only what it
//! sets. The rules each field must follow are checked by [`crate::validate_create_params`]
//! before anything is sent; the wire form is written by [`crate::encode_create_params`].
//!
//! Sources ("\[node\]"): stripe/stripe-node `src/resources/Checkout/Sessions.ts`,
//! `SessionCreateParams` (the generated reference text; API 2026-07-29.dahlia, and the
//! post-endive version of the same file for `allowed_payment_method_types`), and the endive
//! changelog: <https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>.

use std::collections::HashMap;

use crate::model::{open_enum, CheckoutMode, RecurringInterval};

open_enum! {
    /// Where the Checkout page is opened from; `MobileApp` tunes Stripe's redirect behaviour.
    OriginContext {
        /// A native mobile app.
        MobileApp = "mobile_app",
        /// A website.
        Web = "web",
    }
}

open_enum! {
    /// `billing_address_collection`: whether Checkout always asks for a billing address.
    BillingAddressCollection {
        /// Only when needed (Stripe's default).
        Auto = "auto",
        /// Always.
        Required = "required",
    }
}

open_enum! {
    /// `customer_creation` (payment and setup modes): when Checkout creates a Customer.
    CustomerCreation {
        /// Always create one.
        Always = "always",
        /// Only when needed (Stripe's default in payment mode).
        IfRequired = "if_required",
    }
}

open_enum! {
    /// One field of `customer_update`: whether Checkout saves what the customer enters onto
    /// the existing Customer.
    CustomerUpdateMode {
        /// Save it.
        Auto = "auto",
        /// Leave the Customer as it is (Stripe's default).
        Never = "never",
    }
}

open_enum! {
    /// `tax_id_collection[required]`.
    TaxIdRequirement {
        /// Require a tax ID where Stripe supports collecting one.
        IfSupported = "if_supported",
        /// Optional (Stripe's default).
        Never = "never",
    }
}

open_enum! {
    /// `submit_type` (payment and subscription modes): the word on the pay button.
    SubmitType {
        /// Stripe chooses (`pay`).
        Auto = "auto",
        /// "Book".
        Book = "book",
        /// "Donate".
        Donate = "donate",
        /// "Pay".
        Pay = "pay",
        /// "Subscribe".
        Subscribe = "subscribe",
    }
}

open_enum! {
    /// `payment_intent_data[setup_future_usage]`: save the payment method for later charges.
    SetupFutureUsage {
        /// Charged later without the customer present.
        OffSession = "off_session",
        /// Reused while the customer is present.
        OnSession = "on_session",
    }
}

open_enum! {
    /// `tax_behavior` of an inline price or shipping rate: whether its amount includes tax.
    TaxBehavior {
        /// Tax is added on top.
        Exclusive = "exclusive",
        /// Tax is included in the amount.
        Inclusive = "inclusive",
        /// Not decided yet (automatic tax then refuses the price).
        Unspecified = "unspecified",
    }
}

open_enum! {
    /// Unit of a shipping rate's delivery estimate.
    DeliveryUnit {
        /// Business days.
        BusinessDay = "business_day",
        /// Days.
        Day = "day",
        /// Hours.
        Hour = "hour",
        /// Months.
        Month = "month",
        /// Weeks.
        Week = "week",
    }
}

open_enum! {
    /// `consent_collection[promotions]` (US merchants and customers only).
    PromotionsConsent {
        /// Ask for consent to promotional email where required.
        Auto = "auto",
        /// Do not ask (Stripe's `none`).
        NotCollected = "none",
    }
}

open_enum! {
    /// `consent_collection[terms_of_service]` (needs a terms of service URL in the Dashboard).
    TermsOfServiceConsent {
        /// The customer must accept the terms.
        Required = "required",
        /// No checkbox (Stripe's `none`).
        NotRequired = "none",
    }
}

open_enum! {
    /// `consent_collection[payment_method_reuse_agreement][position]`.
    ReuseAgreementPosition {
        /// Stripe places the reuse agreement text.
        Auto = "auto",
        /// Hidden: the app shows its own agreement.
        Hidden = "hidden",
    }
}

open_enum! {
    /// `saved_payment_method_options[allow_redisplay_filters][]`: which saved payment methods
    /// Checkout offers again.
    AllowRedisplay {
        /// Methods saved with `allow_redisplay: always`.
        Always = "always",
        /// Methods saved with `allow_redisplay: limited`.
        Limited = "limited",
        /// Methods saved without a redisplay setting.
        Unspecified = "unspecified",
    }
}

/// Recurring settings for inline price data (subscriptions).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Recurring {
    /// Billing interval.
    pub interval: RecurringInterval,
    /// Number of intervals between bills (e.g. 3 months); Stripe's default is 1, at most three
    /// years (3 years, 36 months, 156 weeks).
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
    /// A price created for this session only (Stripe's `price_data`).
    Inline {
        /// Three-letter ISO code, lowercase (`usd`).
        currency: String,
        /// Amount in the currency's minor unit (cents for `usd`); 0 is allowed. Set this or
        /// `unit_amount_decimal`.
        unit_amount: Option<i64>,
        /// Product name shown on the Checkout page (Stripe's `product_data[name]`). Set this or
        /// `product`.
        product_name: Option<String>,
        /// Product description shown on the Checkout page.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        description: Option<String>,
        /// Absolute image URLs (at most 8).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        images: Vec<String>,
        /// Set for subscription prices.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        recurring: Option<Recurring>,
        /// The amount as a decimal string in minor units with at most 12 decimal places
        /// (`"0.5"` is half a cent), instead of `unit_amount`.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        unit_amount_decimal: Option<String>,
        /// An existing Product (`prod_…`) instead of `product_name`, `description` and `images`.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        product: Option<String>,
        /// Whether `unit_amount` includes tax (needed with automatic tax).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        tax_behavior: Option<TaxBehavior>,
    },
}

impl LineItemPrice {
    /// An inline price of `unit_amount` minor units for a product named `product_name`, with
    /// everything else unset.
    pub fn inline(currency: impl Into<String>, unit_amount: i64, product_name: impl Into<String>) -> Self {
        LineItemPrice::Inline {
            currency: currency.into(),
            unit_amount: Some(unit_amount),
            product_name: Some(product_name.into()),
            description: None,
            images: Vec::new(),
            recurring: None,
            unit_amount_decimal: None,
            product: None,
            tax_behavior: None,
        }
    }
}

/// The quantity of a line item when none is given (Kotlin and Swift default to it too).
pub const DEFAULT_QUANTITY: i64 = 1;

/// `line_items[N][adjustable_quantity]`: lets the customer change the quantity on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct AdjustableQuantity {
    /// Whether the quantity can be changed.
    pub enabled: bool,
    /// Smallest quantity (Stripe's default 0, at most 999,999).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub minimum: Option<i64>,
    /// Largest quantity (Stripe's default 99, at most 999,999).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub maximum: Option<i64>,
}

/// One line of the purchase.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LineItemParams {
    /// What is sold, at what price.
    pub price: LineItemPrice,
    /// How many (1..=999,999). `None` only for a metered Price, which takes no quantity.
    #[cfg_attr(feature = "ffi", uniffi(default = Some(1)))]
    pub quantity: Option<i64>,
    /// Lets the customer change the quantity on the Checkout page.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub adjustable_quantity: Option<AdjustableQuantity>,
    /// Tax Rate IDs (`txr_…`) applied to this line.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub tax_rates: Vec<String>,
    /// Metadata of the line item (same limits as the session's).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub metadata: HashMap<String, String>,
}

impl LineItemParams {
    /// `quantity` of `price`, with nothing else set.
    pub fn new(price: LineItemPrice, quantity: i64) -> Self {
        LineItemParams {
            price,
            quantity: Some(quantity),
            adjustable_quantity: None,
            tax_rates: Vec::new(),
            metadata: HashMap::new(),
        }
    }
}

/// `automatic_tax`: Stripe Tax computes the tax from the customer's address.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct AutomaticTax {
    /// Whether Stripe Tax applies; Checkout then collects the address it needs.
    pub enabled: bool,
    /// Connect: the connected account (`acct_…`) liable for the tax, instead of this account.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub liable_account: Option<String>,
}

/// `shipping_address_collection`: Checkout asks for a shipping address in these countries.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ShippingAddressCollection {
    /// Two-letter country codes (`US`, `DE`, …) that can be shipped to.
    pub allowed_countries: Vec<String>,
}

/// One end of a delivery estimate, e.g. 3 business days.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct DeliveryBound {
    /// The unit.
    pub unit: DeliveryUnit,
    /// How many units (greater than 0).
    pub value: i64,
}

/// How long delivery takes, shown next to a shipping option.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct DeliveryEstimate {
    /// At least this long.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub minimum: Option<DeliveryBound>,
    /// At most this long.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub maximum: Option<DeliveryBound>,
}

/// One of up to 5 `shipping_options` the customer chooses from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum ShippingOption {
    /// An existing Shipping Rate (`shr_…`).
    Rate {
        /// The Shipping Rate ID.
        id: String,
    },
    /// A fixed-amount rate defined for this session (Stripe's `shipping_rate_data`).
    Inline {
        /// Shown to the customer (at most 100 characters).
        display_name: String,
        /// Amount in minor units (0 for free shipping).
        amount: i64,
        /// Three-letter lowercase ISO code; the session's currency.
        currency: String,
        /// Whether `amount` includes tax.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        tax_behavior: Option<TaxBehavior>,
        /// Tax code for automatic tax (Stripe's shipping code is `txcd_92010001`).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        tax_code: Option<String>,
        /// How long delivery takes.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        delivery_estimate: Option<DeliveryEstimate>,
    },
}

/// `customer_update` (only with `customer`): what Checkout saves onto the existing Customer.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CustomerUpdate {
    /// The billing address.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub address: Option<CustomerUpdateMode>,
    /// The name.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: Option<CustomerUpdateMode>,
    /// The shipping details.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub shipping: Option<CustomerUpdateMode>,
}

/// `tax_id_collection`: Checkout asks business customers for a tax ID.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct TaxIdCollection {
    /// Whether the field is shown.
    pub enabled: bool,
    /// Whether it must be filled in.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub required: Option<TaxIdRequirement>,
}

/// One entry of `discounts` (Stripe accepts one): applied before the customer sees the page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Discount {
    /// A Coupon ID.
    Coupon {
        /// The Coupon ID.
        id: String,
    },
    /// A Promotion Code ID (`promo_…`, not the code the customer types).
    PromotionCode {
        /// The Promotion Code ID.
        id: String,
    },
}

/// `subscription_data` (subscription mode).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SubscriptionData {
    /// Free trial length in days (1 to 730); nothing is charged today.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub trial_period_days: Option<i64>,
    /// The subscription's description (at most 500 characters).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub description: Option<String>,
    /// The subscription's metadata.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub metadata: HashMap<String, String>,
}

/// `payment_intent_data` (payment mode): passed on to the PaymentIntent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PaymentIntentData {
    /// Save the payment method for later payments.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub setup_future_usage: Option<SetupFutureUsage>,
    /// The payment's description (at most 1000 characters).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub description: Option<String>,
    /// Where Stripe sends the receipt.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub receipt_email: Option<String>,
    /// Appended to the account's statement descriptor prefix (at most 22 Latin characters,
    /// at least one letter, none of `< > \ ' " *`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub statement_descriptor_suffix: Option<String>,
    /// The PaymentIntent's metadata.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub metadata: HashMap<String, String>,
}

/// `setup_intent_data` (setup mode): passed on to the SetupIntent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SetupIntentData {
    /// The SetupIntent's description (at most 1000 characters).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub description: Option<String>,
    /// The SetupIntent's metadata.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub metadata: HashMap<String, String>,
}

/// `consent_collection`: the consents Checkout asks for.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ConsentCollection {
    /// Promotional email consent.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub promotions: Option<PromotionsConsent>,
    /// Terms of service acceptance.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub terms_of_service: Option<TermsOfServiceConsent>,
    /// Where the payment method reuse agreement is shown.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_method_reuse_agreement: Option<ReuseAgreementPosition>,
}

/// `custom_text`: the merchant's own text on the page, each at most 1200 characters.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CustomText {
    /// After the pay button.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub after_submit: Option<String>,
    /// Next to the shipping address.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub shipping_address: Option<String>,
    /// Next to the pay button.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub submit: Option<String>,
    /// Replaces the terms of service checkbox text.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub terms_of_service_acceptance: Option<String>,
}

/// `saved_payment_method_options` (payment and subscription modes, with `customer`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SavedPaymentMethodOptions {
    /// Which saved methods are offered again (Stripe's default: `always` only).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub allow_redisplay_filters: Vec<AllowRedisplay>,
    /// Offer to save the payment method (`enabled`/`disabled`; Stripe's default disabled).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_method_save: Option<bool>,
    /// Let the customer remove saved methods (`enabled`/`disabled`; default disabled).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_method_remove: Option<bool>,
}

/// Everything an app can ask for when creating a Checkout Session.
///
/// Start from [`CreateSessionParams::new`] (or [`simple_checkout_params`] for a single item)
/// and set what you need. With [`crate::CheckoutFlow`], leave the URLs unset: the flow builds them.
///
/// # Migrating from `payment_method_types`
///
/// Stripe removed `payment_method_types` from Checkout Session create in API version
/// 2026-09-30.endive ("You can no longer pass `payment_method_types` when you create a Checkout
/// Session": <https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>).
/// The field is kept so that code setting it still compiles, but at the pinned version a
/// non-empty list is refused before sending, with an `InvalidInput` on `payment_method_types`
/// that names the replacements: `allowed_payment_method_types` (a filter over the methods
/// Stripe finds eligible) or `excluded_payment_method_types`, or leave both empty and manage
/// payment methods in the Dashboard. A client configured with an older `stripe_version`
/// (a dahlia one) still sends it, and then refuses `allowed_payment_method_types`, which those
/// versions do not have.
///
/// # Payment method type names
///
/// The names in `allowed_payment_method_types`, `excluded_payment_method_types` and
/// `payment_method_types` are checked before sending against Stripe's list for that parameter
/// at the client's API version, taken from Stripe's OpenAPI spec: `link` can be allowed but not
/// excluded, `sequra` exists from 2026-09-30.endive, a misspelt `cards` is refused with an
/// `InvalidInput` naming the entry (`excluded_payment_method_types[0]`). Stripe adds types in
/// its monthly releases; to use one added after this library's `PINNED_STRIPE_VERSION`, set
/// `ClientConfig.stripe_version` to the release that added it: for versions after the pinned
/// one the names are checked for shape only and Stripe judges them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CreateSessionParams {
    /// Payment, subscription or setup.
    pub mode: CheckoutMode,
    /// What is bought; required in payment and subscription modes, at most 100 (subscription
    /// mode: 20 recurring and 20 one-time).
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
    /// Unix time when the session expires, 30 minutes to 24 hours after Stripe creates it.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub expires_at: Option<i64>,
    /// Checkout page language: `auto` or one of Stripe's locales (`en`, `en-GB`, `fr`,
    /// `pt-BR`, `zh-TW`, …; `en-US` and `de-DE` are not among them).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub locale: Option<String>,
    /// Removed by Stripe at 2026-09-30.endive; see "Migrating from `payment_method_types`"
    /// above. Use `allowed_payment_method_types` or `excluded_payment_method_types`.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_method_types: Vec<String>,
    /// Shows the promotion code field (not together with `discounts`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub allow_promotion_codes: Option<bool>,
    /// Tells Stripe the page is opened from a mobile app.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub origin_context: Option<OriginContext>,
    /// Three-letter lowercase ISO code. Setup mode needs it (unless
    /// `allowed_payment_method_types` is set); elsewhere it must match the line items.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub currency: Option<String>,
    /// Offer only these payment methods (`card`, `link`, `klarna`, …) among those Stripe finds
    /// eligible for the amount, currency and customer; empty lets Stripe choose. Names are
    /// checked against Stripe's list (see "Payment method type names" above).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub allowed_payment_method_types: Vec<String>,
    /// Never offer these payment methods (not together with `allowed_payment_method_types`;
    /// `link` cannot be excluded: see "Payment method type names" above).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub excluded_payment_method_types: Vec<String>,
    /// Stripe Tax computes the tax from the customer's address.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub automatic_tax: Option<AutomaticTax>,
    /// Whether Checkout always asks for a billing address.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub billing_address_collection: Option<BillingAddressCollection>,
    /// Ask for a shipping address in these countries.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub shipping_address_collection: Option<ShippingAddressCollection>,
    /// Up to 5 shipping rates the customer chooses from (the first is preselected).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub shipping_options: Vec<ShippingOption>,
    /// Ask for a phone number (payment and subscription modes).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone_number_collection: Option<bool>,
    /// When Checkout creates a Customer (payment and setup modes).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub customer_creation: Option<CustomerCreation>,
    /// What Checkout saves onto `customer` (needs `customer`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub customer_update: Option<CustomerUpdate>,
    /// Ask business customers for a tax ID.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub tax_id_collection: Option<TaxIdCollection>,
    /// A coupon or promotion code applied up front (at most one; not with
    /// `allow_promotion_codes`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub discounts: Vec<Discount>,
    /// The word on the pay button (payment and subscription modes).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub submit_type: Option<SubmitType>,
    /// Subscription settings (subscription mode): trial, description, metadata.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub subscription_data: Option<SubscriptionData>,
    /// PaymentIntent settings (payment mode): saving the method, receipt, descriptor, metadata.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub payment_intent_data: Option<PaymentIntentData>,
    /// SetupIntent settings (setup mode).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub setup_intent_data: Option<SetupIntentData>,
    /// Consents to collect.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub consent_collection: Option<ConsentCollection>,
    /// The merchant's own text on the page.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub custom_text: Option<CustomText>,
    /// Saved payment methods (payment and subscription modes).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub saved_payment_method_options: Option<SavedPaymentMethodOptions>,
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
            currency: None,
            allowed_payment_method_types: Vec::new(),
            excluded_payment_method_types: Vec::new(),
            automatic_tax: None,
            billing_address_collection: None,
            shipping_address_collection: None,
            shipping_options: Vec::new(),
            phone_number_collection: None,
            customer_creation: None,
            customer_update: None,
            tax_id_collection: None,
            discounts: Vec::new(),
            submit_type: None,
            subscription_data: None,
            payment_intent_data: None,
            setup_intent_data: None,
            consent_collection: None,
            custom_text: None,
            saved_payment_method_options: None,
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
    let mut price = LineItemPrice::inline(simple.currency, simple.amount, simple.name);
    if let LineItemPrice::Inline { description, .. } = &mut price {
        *description = simple.description;
    }
    p.line_items.push(LineItemParams::new(price, DEFAULT_QUANTITY));
    p.success_url = simple.success_url;
    p.cancel_url = simple.cancel_url;
    p.customer_email = simple.customer_email;
    p
}
