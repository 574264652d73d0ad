//! The validated parameters of a Checkout Session create (what `validate` produces and `session`
//! stores and renders).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalogue::{Coupon, PriceInfo, TaxRate};

/// One validated line item.
#[derive(Debug, Clone)]
pub(crate) struct ItemParams {
    pub price: PriceInfo,
    /// None only for metered prices (which take no quantity).
    pub quantity: Option<i64>,
    /// (minimum, maximum) when `adjustable_quantity[enabled]=true`.
    pub adjustable: Option<(i64, i64)>,
    pub tax_rates: Vec<TaxRate>,
    pub metadata: BTreeMap<String, String>,
}

/// A fixed-amount shipping option (catalogue `shr_…` or created from `shipping_rate_data`).
#[derive(Debug, Clone)]
pub(crate) struct ShippingOption {
    pub id: String,
    pub display_name: String,
    pub amount: i64,
    pub tax_behavior: String,
}

/// A discount applied at creation (`discounts[0]`) or entered on the page.
#[derive(Debug, Clone)]
pub(crate) struct AppliedDiscount {
    pub coupon: Coupon,
    /// The `promo_…` ID when it came from a promotion code.
    pub promotion_code: Option<String>,
}

/// Validated create parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct CreateParams {
    pub mode: String,
    pub line_items: Vec<ItemParams>,
    pub currency: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub return_url: Option<String>,
    pub redirect_on_completion: Option<String>,
    pub customer: Option<String>,
    pub customer_email: Option<String>,
    pub client_reference_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub expires_at: Option<i64>,
    pub locale: Option<String>,
    /// Dahlia and before.
    pub payment_method_types: Option<Vec<String>>,
    /// Endive.
    pub allowed_payment_method_types: Option<Vec<String>>,
    pub excluded_payment_method_types: Option<Vec<String>>,
    pub allow_promotion_codes: Option<bool>,
    pub origin_context: Option<String>,
    pub ui_mode: Option<String>,
    pub integration_identifier: Option<String>,
    pub automatic_tax: bool,
    /// `automatic_tax[liability]` as given.
    pub automatic_tax_liability: Option<Value>,
    pub billing_address_collection: Option<String>,
    pub shipping_countries: Option<Vec<String>>,
    pub shipping_options: Vec<ShippingOption>,
    pub phone_number_collection: Option<bool>,
    pub customer_creation: Option<String>,
    /// `{enabled, required}`.
    pub tax_id_collection: Option<Value>,
    pub discounts: Vec<AppliedDiscount>,
    pub submit_type: Option<String>,
    /// Whether `subscription_data` starts a trial (`trial_period_days` or `trial_end`).
    pub trial: bool,
    /// The object as rendered on the session (`consent_collection`).
    pub consent_collection: Option<Value>,
    /// The rendered `custom_text` object (all four keys).
    pub custom_text: Option<Value>,
    pub saved_payment_method_options: Option<Value>,
    pub payment_method_collection: Option<String>,
    /// `payment_method_options[card][restrictions]` as given (`brands_blocked`,
    /// `funding_types_blocked`).
    pub card_restrictions: Option<Value>,
}
