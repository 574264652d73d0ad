//! The merchant's rules, applied to typed params before anything reaches Stripe.
//!
//! The policy is a set of groups, one struct per group of create parameters, each its own
//! table under `[policy]` in the configuration and each implementing [`PolicyGroup`]. A new
//! group of parameters adds one struct, one field in [`Policy`] and one entry in
//! [`Policy::groups`]; the defaults allow nothing beyond a one-time payment at configured
//! prices. The groups of this file cover what every checkout has (mode, prices, return URLs,
//! discounts, payment method types, metadata); the others live in `policy_*.rs`.
//!
//! A refusal is a 403 `policy_violation` whose `param` is the parameter and whose message
//! names the policy key that would allow it ([`refuse`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use checkout_bridge::{CheckoutMode, CreateSessionParams, Discount, LineItemPrice};
use serde::Deserialize;

pub mod customer;
pub mod intents;
pub mod page;
pub mod return_urls;
pub mod shipping;
pub mod tax;

pub use crate::policy::customer::{CollectionPolicy, CustomerPolicy};
pub use crate::policy::intents::{
    PaymentIntentDataPolicy, SetupFutureUsagePolicy, SetupIntentDataPolicy, SubscriptionDataPolicy,
};
pub use crate::policy::page::{LocalePolicy, PagePolicy};
pub use crate::policy::shipping::ShippingPolicy;
pub use crate::policy::tax::TaxPolicy;
use crate::policy::return_urls::AllowedReturnUrl;
use crate::http::error::ApiError;

/// Metadata key that keeps an app's own `client_reference_id`, since the server forces that
/// field to the authenticated user. Apps cannot set it themselves.
pub const APP_REFERENCE_KEY: &str = "app_client_reference_id";

/// Stripe's metadata limits: "up to 50 keys, with key names up to 40 characters long and
/// values up to 500 characters long" (https://docs.stripe.com/api/metadata).
const STRIPE_MAX_METADATA_VALUE: usize = 500;
const STRIPE_MAX_METADATA_KEYS: usize = 50;
const STRIPE_MAX_METADATA_KEY: usize = 40;

/// Stripe's default `adjustable_quantity[maximum]`: "By default this value is 99"
/// (https://stripe.com/docs/payments/checkout/adjustable-quantity).
const STRIPE_DEFAULT_ADJUSTABLE_MAXIMUM: i64 = 99;

/// One group of create parameters and the rules for it.
pub trait PolicyGroup {
    /// Refuses, with a 403 `policy_violation` naming the parameter and the policy key, what
    /// the group does not allow.
    ///
    /// # Errors
    ///
    /// The refusal.
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError>;

    /// Sets the values the merchant forces whatever the app sent (after every check passed).
    fn force(&self, _p: &mut CreateSessionParams) {}
}

/// The 403 for `param`, naming the policy key (`policy.tax.allow_automatic_tax`) that would
/// allow it, so the developer who reads the error knows which line of the server's
/// configuration decides.
pub fn refuse(param: &str, policy_key: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::forbidden(
        format!("{why} ({param} is refused by the server's policy: see {policy_key})."),
        Some(param),
    )
}

/// Everything an app may ask for. Each field is a table under `[policy]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `[policy.modes]`
    #[serde(default)]
    pub modes: ModePolicy,
    /// `[policy.prices]`
    #[serde(default)]
    pub prices: PricePolicy,
    /// `[policy.return_urls]`
    #[serde(default)]
    pub return_urls: ReturnUrlPolicy,
    /// `[policy.promotion_codes]`
    #[serde(default)]
    pub promotion_codes: PromotionCodePolicy,
    /// `[policy.payment_method_types]`
    #[serde(default)]
    pub payment_method_types: PaymentMethodTypePolicy,
    /// `[policy.metadata]`
    #[serde(default)]
    pub metadata: MetadataPolicy,
    /// `[policy.tax]`
    #[serde(default)]
    pub tax: TaxPolicy,
    /// `[policy.shipping]`
    #[serde(default)]
    pub shipping: ShippingPolicy,
    /// `[policy.collection]`
    #[serde(default)]
    pub collection: CollectionPolicy,
    /// `[policy.customer]`
    #[serde(default)]
    pub customer: CustomerPolicy,
    /// `[policy.subscription_data]`
    #[serde(default)]
    pub subscription_data: SubscriptionDataPolicy,
    /// `[policy.payment_intent_data]`
    #[serde(default)]
    pub payment_intent_data: PaymentIntentDataPolicy,
    /// `[policy.setup_intent_data]`
    #[serde(default)]
    pub setup_intent_data: SetupIntentDataPolicy,
    /// `[policy.setup_future_usage]`
    #[serde(default)]
    pub setup_future_usage: SetupFutureUsagePolicy,
    /// `[policy.page]`
    #[serde(default)]
    pub page: PagePolicy,
    /// `[policy.locale]`
    #[serde(default)]
    pub locale: LocalePolicy,
}

impl Policy {
    /// Every group, in the order they are checked.
    pub fn groups(&self) -> [&dyn PolicyGroup; 16] {
        [
            &self.modes,
            &self.prices,
            &self.return_urls,
            &self.promotion_codes,
            &self.payment_method_types,
            &self.metadata,
            &self.tax,
            &self.shipping,
            &self.collection,
            &self.customer,
            &self.subscription_data,
            &self.payment_intent_data,
            &self.setup_intent_data,
            &self.setup_future_usage,
            &self.page,
            &self.locale,
        ]
    }
}

/// `[policy.modes]`: which Checkout modes apps may create.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModePolicy {
    /// `payment`, `subscription`, `setup`. Default: `["payment"]`. Setup sessions carry no line
    /// items, so no price or amount rule applies to them: allowing them lets any app user save
    /// (and so test) cards through your account.
    #[serde(default = "default_modes")]
    pub allowed: Vec<String>,
}

fn default_modes() -> Vec<String> {
    vec!["payment".into()]
}

impl Default for ModePolicy {
    fn default() -> Self {
        ModePolicy {
            allowed: default_modes(),
        }
    }
}

impl PolicyGroup for ModePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        let mode = p.mode.as_str();
        if self.allowed.iter().any(|m| m == mode) {
            Ok(())
        } else {
            Err(refuse(
                "mode",
                "policy.modes.allowed",
                format!("Mode {mode} is not allowed"),
            ))
        }
    }
}

/// `[policy.prices]`: configured prices, and inline prices within a cap per currency.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricePolicy {
    /// Price IDs apps may use (their amounts are set at Stripe).
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Whether apps may send inline `price_data` at all.
    #[serde(default)]
    pub allow_inline: bool,
    /// Per currency (lowercase ISO code), the largest total in minor units of the
    /// inline-priced items of one session. Inline prices in a currency not listed are refused.
    /// With an adjustable quantity the largest quantity the customer can choose counts.
    #[serde(default)]
    pub max_amount: BTreeMap<String, i64>,
    /// Whether apps may let the customer change quantities (`adjustable_quantity`).
    #[serde(default)]
    pub allow_adjustable_quantity: bool,
}

/// The smallest whole number of minor units not below `decimal` (`unit_amount_decimal`, at
/// most 12 decimal places); `None` when it is not a plain non-negative decimal.
fn ceil_minor_units(decimal: &str) -> Option<i64> {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let units: i64 = whole.parse().ok()?;
    if fraction.bytes().any(|b| b != b'0') {
        units.checked_add(1)
    } else {
        Some(units)
    }
}

/// The most of this item the customer can end up buying.
fn largest_quantity(item: &checkout_bridge::LineItemParams) -> Option<i64> {
    let q = item.quantity?;
    match &item.adjustable_quantity {
        Some(a) if a.enabled => Some(q.max(a.maximum.unwrap_or(STRIPE_DEFAULT_ADJUSTABLE_MAXIMUM))),
        _ => Some(q),
    }
}

impl PricePolicy {
    fn validate(&self) -> Result<(), String> {
        for (currency, max) in &self.max_amount {
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) || *max < 0 {
                return Err(format!(
                    "policy.prices.max_amount: `{currency}` must be a lowercase three-letter currency code with a non-negative amount"
                ));
            }
        }
        Ok(())
    }
}

impl PolicyGroup for PricePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
        for (i, item) in p.line_items.iter().enumerate() {
            if item.adjustable_quantity.as_ref().is_some_and(|a| a.enabled) && !self.allow_adjustable_quantity {
                return Err(refuse(
                    &format!("line_items[{i}][adjustable_quantity]"),
                    "policy.prices.allow_adjustable_quantity",
                    "Adjustable quantities are not allowed",
                ));
            }
            match &item.price {
                LineItemPrice::Price { id } => {
                    if !self.allowed.iter().any(|a| a == id) {
                        return Err(refuse(
                            &format!("line_items[{i}][price]"),
                            "policy.prices.allowed",
                            format!("Price {id} is not sold through this app"),
                        ));
                    }
                }
                LineItemPrice::Inline {
                    currency,
                    unit_amount,
                    unit_amount_decimal,
                    ..
                } => {
                    let field = format!("line_items[{i}][price_data]");
                    if !self.allow_inline {
                        return Err(refuse(
                            &field,
                            "policy.prices.allow_inline",
                            "Inline prices are not allowed; use a configured price ID",
                        ));
                    }
                    // Stripe takes currency codes in any case; compare lowercase.
                    let key = currency.to_ascii_lowercase();
                    let Some((code, _)) = self.max_amount.get_key_value(&key) else {
                        return Err(refuse(
                            &format!("{field}[currency]"),
                            "policy.prices.max_amount",
                            format!("Currency {currency} is not allowed"),
                        ));
                    };
                    let unit = unit_amount.or_else(|| unit_amount_decimal.as_deref().and_then(ceil_minor_units));
                    let total = totals.entry(code.as_str()).or_insert(0);
                    // An amount or quantity the policy cannot read counts as over any cap, and
                    // so does a negative one (Stripe refuses them anyway): with non-negative
                    // terms an overflowed total stays at i64::MAX, where a later negative term
                    // could have brought it back under the cap (found by fuzz/ server_create_form).
                    *total = unit
                        .zip(largest_quantity(item))
                        .filter(|&(a, q)| a >= 0 && q >= 0)
                        .and_then(|(a, q)| a.checked_mul(q))
                        .and_then(|t| t.checked_add(*total))
                        .unwrap_or(i64::MAX);
                }
            }
        }
        for (currency, total) in totals {
            let max = self.max_amount.get(currency).copied().unwrap_or(0);
            if total > max {
                return Err(refuse(
                    "line_items",
                    "policy.prices.max_amount",
                    format!(
                        "The total of inline-priced items in {currency} can exceed the maximum of {max} minor units"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `[policy.return_urls]`: where Stripe may send the customer back.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "RawReturnUrls")]
pub struct ReturnUrlPolicy {
    /// Parsed bases (see [`crate::policy::return_urls`] for how they match).
    pub allowed: Vec<AllowedReturnUrl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReturnUrls {
    #[serde(default)]
    allowed: Vec<String>,
}

impl TryFrom<RawReturnUrls> for ReturnUrlPolicy {
    type Error = String;

    fn try_from(raw: RawReturnUrls) -> Result<Self, String> {
        Ok(ReturnUrlPolicy {
            allowed: raw
                .allowed
                .iter()
                .map(|b| AllowedReturnUrl::parse(b))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl PolicyGroup for ReturnUrlPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        let Some(success) = &p.success_url else {
            return Err(ApiError::invalid(
                "Missing required param: success_url.",
                Some("success_url"),
                Some("parameter_missing"),
            ));
        };
        for (field, url) in [("success_url", Some(success)), ("cancel_url", p.cancel_url.as_ref())] {
            if let Some(url) = url {
                crate::policy::return_urls::check(&self.allowed, url)
                    .map_err(|why| refuse(field, "policy.return_urls.allowed", format!("{field} {why}")))?;
            }
        }
        Ok(())
    }
}

/// `[policy.promotion_codes]`: the promotion code field and discounts applied up front.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionCodePolicy {
    /// Whether apps may set `allow_promotion_codes=true` (default false: codes lower what the
    /// customer pays below what the price rules checked).
    #[serde(default)]
    pub allow: bool,
    /// Coupon and promotion code IDs (`coupon_…`, `promo_…`) apps may apply through
    /// `discounts`. Default empty: no discount from apps.
    #[serde(default)]
    pub allowed_discounts: BTreeSet<String>,
}

impl PolicyGroup for PromotionCodePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        if p.allow_promotion_codes == Some(true) && !self.allow {
            return Err(refuse(
                "allow_promotion_codes",
                "policy.promotion_codes.allow",
                "Promotion codes are not allowed",
            ));
        }
        for (i, d) in p.discounts.iter().enumerate() {
            let (kind, id) = match d {
                Discount::Coupon { id } => ("coupon", id),
                Discount::PromotionCode { id } => ("promotion_code", id),
            };
            if !self.allowed_discounts.contains(id) {
                return Err(refuse(
                    &format!("discounts[{i}][{kind}]"),
                    "policy.promotion_codes.allowed_discounts",
                    format!("Discount {id} is not offered through this app"),
                ));
            }
        }
        Ok(())
    }
}

/// `[policy.payment_method_types]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethodTypePolicy {
    /// Types apps may list in `allowed_payment_method_types` (or, from a client pinned to an
    /// older API version, `payment_method_types`), e.g. `card`, `link`. Default empty: apps
    /// may not choose, and Stripe offers what the Dashboard enables (dynamic payment methods).
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Whether apps may send `excluded_payment_method_types` (default false).
    #[serde(default)]
    pub allow_excluded: bool,
}

impl PolicyGroup for PaymentMethodTypePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        for (name, list) in [
            ("payment_method_types", &p.payment_method_types),
            ("allowed_payment_method_types", &p.allowed_payment_method_types),
        ] {
            for (i, t) in list.iter().enumerate() {
                if !self.allowed.iter().any(|a| a == t) {
                    return Err(refuse(
                        &format!("{name}[{i}]"),
                        "policy.payment_method_types.allowed",
                        format!("Payment method type {t} is not allowed"),
                    ));
                }
            }
        }
        if !p.excluded_payment_method_types.is_empty() && !self.allow_excluded {
            return Err(refuse(
                "excluded_payment_method_types",
                "policy.payment_method_types.allow_excluded",
                "Excluding payment method types is not allowed",
            ));
        }
        Ok(())
    }
}

/// `[policy.metadata]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataPolicy {
    /// Keys apps may set. Default empty: no metadata from apps.
    #[serde(default)]
    pub allowed_keys: BTreeSet<String>,
    /// Longest value, in characters (default and most: Stripe's 500).
    #[serde(default = "default_metadata_value")]
    pub max_value_length: usize,
}

fn default_metadata_value() -> usize {
    STRIPE_MAX_METADATA_VALUE
}

impl Default for MetadataPolicy {
    fn default() -> Self {
        MetadataPolicy {
            allowed_keys: BTreeSet::new(),
            max_value_length: STRIPE_MAX_METADATA_VALUE,
        }
    }
}

/// Every metadata map of the request, with the parameter it is sent as.
fn metadata_maps(p: &CreateSessionParams) -> Vec<(String, &HashMap<String, String>)> {
    let mut maps = vec![("metadata".to_owned(), &p.metadata)];
    for (i, item) in p.line_items.iter().enumerate() {
        maps.push((format!("line_items[{i}][metadata]"), &item.metadata));
    }
    if let Some(s) = &p.subscription_data {
        maps.push(("subscription_data[metadata]".into(), &s.metadata));
    }
    if let Some(d) = &p.payment_intent_data {
        maps.push(("payment_intent_data[metadata]".into(), &d.metadata));
    }
    if let Some(d) = &p.setup_intent_data {
        maps.push(("setup_intent_data[metadata]".into(), &d.metadata));
    }
    maps
}

impl PolicyGroup for MetadataPolicy {
    /// Applies to the session's metadata and to that of its line items, subscription,
    /// PaymentIntent and SetupIntent alike.
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        for (prefix, map) in metadata_maps(p) {
            if map.len() > STRIPE_MAX_METADATA_KEYS {
                return Err(refuse(
                    &prefix,
                    "policy.metadata.allowed_keys",
                    format!("More than Stripe's {STRIPE_MAX_METADATA_KEYS} metadata keys"),
                ));
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            for k in keys {
                let field = format!("{prefix}[{k}]");
                if k == APP_REFERENCE_KEY
                    || !self.allowed_keys.contains(k)
                    || k.chars().count() > STRIPE_MAX_METADATA_KEY
                {
                    return Err(refuse(
                        &field,
                        "policy.metadata.allowed_keys",
                        format!("Metadata key {k} is not allowed"),
                    ));
                }
                if map[k].chars().count() > self.max_value_length.min(STRIPE_MAX_METADATA_VALUE) {
                    return Err(refuse(
                        &field,
                        "policy.metadata.max_value_length",
                        format!("Metadata value longer than {} characters", self.max_value_length),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Policy {
    /// Checks what the groups cannot check alone, after parsing the configuration.
    ///
    /// # Errors
    ///
    /// A message naming the offending setting.
    pub fn validate(&self) -> Result<(), String> {
        self.prices.validate()?;
        self.shipping.validate()?;
        self.subscription_data.validate()?;
        self.payment_intent_data.validate()?;
        self.setup_intent_data.validate()?;
        self.setup_future_usage.validate()?;
        self.customer.validate()?;
        self.page.validate()
    }
}

/// Checks that every entry of `values` (a policy setting named `key`) is one of `known`.
pub(crate) fn known_values(key: &str, values: &[String], known: &[&str]) -> Result<(), String> {
    match values.iter().find(|v| !known.contains(&v.as_str())) {
        Some(v) => Err(format!("{key}: `{v}` is not one of {}", known.join(", "))),
        None => Ok(()),
    }
}

/// Checks `p` against every group of `policy`, then forces what the merchant and the server
/// own: each group's forced values, the user's Customer (`[[app_tokens]] customer`) and
/// `client_reference_id` (the app's own moves to `metadata[app_client_reference_id]`). On
/// success the params are ready to forward.
///
/// # Errors
///
/// The first refusal.
pub fn enforce(
    policy: &Policy,
    user: &str,
    customer: Option<&str>,
    p: &mut CreateSessionParams,
) -> Result<(), ApiError> {
    if p.customer.is_some() {
        // A customer ID from the app could attach another customer's saved payment methods.
        return Err(refuse(
            "customer",
            "app_tokens.customer",
            "customer cannot be chosen by the app; the server sets the user's own",
        ));
    }
    if customer.is_some() && p.customer_email.is_some() {
        // Stripe takes one of the two; the server's Customer wins, and saying so beats a
        // silent drop of what the app sent.
        return Err(refuse(
            "customer_email",
            "app_tokens.customer",
            "This user's Customer is set by the server, which already knows the email",
        ));
    }
    for group in policy.groups() {
        group.check(p)?;
    }
    if customer.is_none() && (p.customer_update.is_some() || p.saved_payment_method_options.is_some()) {
        let param = if p.customer_update.is_some() {
            "customer_update"
        } else {
            "saved_payment_method_options"
        };
        return Err(refuse(
            param,
            "app_tokens.customer",
            format!("{param} needs a Customer, and this user has none"),
        ));
    }
    for group in policy.groups() {
        group.force(p);
    }
    p.customer = customer.map(str::to_owned);
    if let Some(own) = p.client_reference_id.take() {
        p.metadata.insert(APP_REFERENCE_KEY.to_owned(), own);
    }
    p.client_reference_id = Some(user.to_owned());
    Ok(())
}

/// Whether the session takes a payment now or later (automatic tax and a PaymentIntent's
/// statement descriptor only exist then).
pub(crate) fn charges(mode: &CheckoutMode) -> bool {
    matches!(mode, CheckoutMode::Payment | CheckoutMode::Subscription)
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkout_bridge::{CheckoutMode, LineItemParams};

    fn policy(toml_text: &str) -> Policy {
        let p: Policy = toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.validate(), Ok(()));
        p
    }

    fn inline(currency: &str, amount: i64, quantity: i64) -> LineItemParams {
        LineItemParams::new(LineItemPrice::inline(currency, amount, "Tea"), quantity)
    }

    fn params(mode: CheckoutMode) -> CreateSessionParams {
        let mut p = CreateSessionParams::new(mode);
        p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
        p
    }

    const BASE: &str = r#"
[prices]
allow_inline = true
max_amount = { usd = 10000, eur = 5000 }
[return_urls]
allowed = ["myapp://checkout"]
"#;

    fn refused(policy: &Policy, p: &mut CreateSessionParams) -> Option<String> {
        enforce(policy, "alice", None, p).err().and_then(|e| e.param)
    }

    #[test]
    fn defaults_allow_only_a_payment() {
        let pol = policy(BASE);
        let mut ok = params(CheckoutMode::Payment);
        ok.line_items.push(inline("usd", 100, 1));
        assert_eq!(refused(&pol, &mut ok), None);
        assert_eq!(ok.client_reference_id.as_deref(), Some("alice"));
        // Setup mode has no line items: no price rule would stop it, so it is off by default.
        assert_eq!(refused(&pol, &mut params(CheckoutMode::Setup)).as_deref(), Some("mode"));
        let mut sub = params(CheckoutMode::Subscription);
        sub.line_items.push(inline("usd", 100, 1));
        assert_eq!(refused(&pol, &mut sub).as_deref(), Some("mode"));
        let mut promo = ok.clone();
        promo.client_reference_id = None;
        promo.allow_promotion_codes = Some(true);
        assert_eq!(refused(&pol, &mut promo).as_deref(), Some("allow_promotion_codes"));
        let mut pm = params(CheckoutMode::Payment);
        pm.line_items.push(inline("usd", 100, 1));
        pm.payment_method_types = vec!["card".into()];
        assert_eq!(refused(&pol, &mut pm).as_deref(), Some("payment_method_types[0]"));
        let mut md = params(CheckoutMode::Payment);
        md.line_items.push(inline("usd", 100, 1));
        md.metadata.insert("anything".into(), "x".into());
        assert_eq!(refused(&pol, &mut md).as_deref(), Some("metadata[anything]"));
    }

    #[test]
    fn an_overflowed_total_cannot_be_brought_back_under_the_cap() {
        // fuzz/corpus/server_create_form/overflow: 2^62 × 4 overflows (counted as i64::MAX),
        // then a negative item brought the sum back to 808 minor units, under the usd cap.
        let pol = policy(BASE);
        let mut p = params(CheckoutMode::Payment);
        p.line_items.push(inline("usd", 1 << 62, 4));
        p.line_items.push(inline("USD", -9_223_372_036_854_775_000, 1));
        assert_eq!(refused(&pol, &mut p).as_deref(), Some("line_items"));
        for (amount, quantity) in [(-1, 1), (100, -1)] {
            let mut n = params(CheckoutMode::Payment);
            n.line_items.push(inline("usd", 5_000, 1));
            n.line_items.push(inline("usd", amount, quantity));
            assert_eq!(
                refused(&pol, &mut n).as_deref(),
                Some("line_items"),
                "{amount} × {quantity}"
            );
        }
    }

    #[test]
    fn each_group_opens_only_what_it_names() {
        let pol = policy(&format!(
            "{BASE}[modes]\nallowed = [\"payment\", \"setup\"]\n[promotion_codes]\nallow = true\n\
             [payment_method_types]\nallowed = [\"card\"]\n[metadata]\nallowed_keys = [\"order\"]\nmax_value_length = 5\n"
        ));
        assert_eq!(refused(&pol, &mut params(CheckoutMode::Setup)), None);
        let mut p = params(CheckoutMode::Payment);
        p.line_items.push(inline("usd", 100, 1));
        p.allow_promotion_codes = Some(true);
        p.payment_method_types = vec!["card".into()];
        p.metadata.insert("order".into(), "12345".into());
        assert_eq!(refused(&pol, &mut p.clone()), None);
        p.payment_method_types.push("klarna".into());
        assert_eq!(
            refused(&pol, &mut p.clone()).as_deref(),
            Some("payment_method_types[1]")
        );
        p.payment_method_types.pop();
        p.metadata.insert("order".into(), "123456".into());
        assert_eq!(refused(&pol, &mut p.clone()).as_deref(), Some("metadata[order]"));
        p.metadata.clear();
        p.metadata.insert(APP_REFERENCE_KEY.into(), "spoofed".into());
        assert_eq!(
            refused(&pol, &mut p.clone()).as_deref(),
            Some("metadata[app_client_reference_id]")
        );
    }

    #[test]
    fn amounts_are_capped_per_currency() {
        let pol = policy(BASE);
        let cases: Vec<(Vec<LineItemParams>, Option<&str>)> = vec![
            (vec![inline("usd", 10_000, 1)], None),
            (vec![inline("USD", 10_000, 1)], None),
            (vec![inline("usd", 10_001, 1)], Some("line_items")),
            (
                vec![inline("usd", 6_000, 1), inline("usd", 6_000, 1)],
                Some("line_items"),
            ),
            (vec![inline("eur", 5_001, 1)], Some("line_items")),
            (vec![inline("eur", 2_500, 2)], None),
            (vec![inline("usd", i64::MAX, 2)], Some("line_items")),
            (vec![inline("gbp", 1, 1)], Some("line_items[0][price_data][currency]")),
        ];
        for (items, want) in cases {
            let mut p = params(CheckoutMode::Payment);
            p.line_items = items;
            assert_eq!(refused(&pol, &mut p).as_deref(), want);
        }
        let bad: Result<Policy, _> = toml::from_str("[prices]\nmax_amount = { USD = 1 }\n");
        assert!(bad.map_err(|e| e.to_string()).and_then(|p| p.validate()).is_err());
    }

    #[test]
    fn settings_stripe_would_refuse_stop_the_server_at_load() {
        for bad in [
            "[payment_intent_data]\nstatement_descriptor_suffix = \"TEA*SHOP\"\n",
            "[payment_intent_data]\nstatement_descriptor_suffix = \"12345\"\n",
            "[payment_intent_data]\nstatement_descriptor_suffix = \"ABCDEFGHIJKLMNOPQRSTUVW\"\n",
            "[payment_intent_data]\nallowed_fields = [\"application_fee_amount\"]\n",
            "[subscription_data]\nmax_trial_days = 731\n",
            "[subscription_data]\nmax_trial_days = -1\n",
            "[page]\nmax_custom_text_length = 1201\n",
            "[customer]\nallowed_creation = [\"sometimes\"]\n",
            "[setup_future_usage]\nallowed = [\"later\"]\n",
            "[setup_intent_data]\nallowed_fields = [\"on_behalf_of\"]\n",
            "[shipping]\nmax_inline_amount = { USD = 1 }\n",
            "[tax]\nforce = true\n",
        ] {
            let parsed: Result<Policy, _> = toml::from_str(bad);
            assert!(
                parsed.map_err(|e| e.to_string()).and_then(|p| p.validate()).is_err(),
                "{bad}"
            );
        }
        let ok = policy("[payment_intent_data]\nstatement_descriptor_suffix = \"TEA SHOP 42\"\n");
        assert_eq!(
            ok.payment_intent_data.statement_descriptor_suffix.as_deref(),
            Some("TEA SHOP 42")
        );
    }

    #[test]
    fn decimal_amounts_round_up() {
        for (d, want) in [
            ("0", Some(0)),
            ("99.5", Some(100)),
            ("99.000", Some(99)),
            ("10000.000000000001", Some(10001)),
            ("", None),
            (".5", None),
            ("-1", None),
            ("1e3", None),
            ("9223372036854775807.1", None),
        ] {
            assert_eq!(ceil_minor_units(d), want, "{d}");
        }
    }

    #[test]
    fn return_url_bases_are_parsed_at_load() {
        assert!(toml::from_str::<Policy>("[return_urls]\nallowed = [\"https://u@shop.example/\"]\n").is_err());
        assert!(
            toml::from_str::<Policy>("allowed_prices = [\"price_1\"]\n").is_err(),
            "old flat keys are refused"
        );
    }
}
