//! The merchant's rules, applied to typed params before anything reaches Stripe.
//!
//! The policy is a set of groups, one struct per group of create parameters, each its own
//! table under `[policy]` in the configuration and each implementing [`PolicyGroup`]. A new
//! group of parameters (shipping, tax, discounts, subscription data, …) adds one struct, one
//! field in [`Policy`] and one entry in [`Policy::groups`]; the defaults allow nothing beyond
//! a one-time payment at configured prices.

use std::collections::{BTreeMap, BTreeSet};

use checkout_bridge::{CreateSessionParams, LineItemPrice};
use serde::Deserialize;

use crate::return_urls::AllowedReturnUrl;
use crate::stripe_error::ApiError;

/// Metadata key that keeps an app's own `client_reference_id`, since the server forces that
/// field to the authenticated user. Apps cannot set it themselves.
pub const APP_REFERENCE_KEY: &str = "app_client_reference_id";

/// Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500
/// (https://docs.stripe.com/api/metadata).
const STRIPE_MAX_METADATA_VALUE: usize = 500;

/// One group of create parameters and the rules for it.
pub trait PolicyGroup {
    /// Refuses, with a 403 `policy_violation` naming the parameter, what the group does not
    /// allow.
    ///
    /// # Errors
    ///
    /// The refusal.
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError>;
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
}

impl Policy {
    /// Every group, in the order they are checked.
    pub fn groups(&self) -> [&dyn PolicyGroup; 6] {
        [
            &self.modes,
            &self.prices,
            &self.return_urls,
            &self.promotion_codes,
            &self.payment_method_types,
            &self.metadata,
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
            Err(ApiError::forbidden(
                format!("Mode {mode} is not allowed."),
                Some("mode"),
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
    #[serde(default)]
    pub max_amount: BTreeMap<String, i64>,
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
            match &item.price {
                LineItemPrice::Price { id } => {
                    if !self.allowed.iter().any(|a| a == id) {
                        return Err(ApiError::forbidden(
                            format!("Price {id} is not sold through this app."),
                            Some(&format!("line_items[{i}][price]")),
                        ));
                    }
                }
                LineItemPrice::Inline {
                    currency, unit_amount, ..
                } => {
                    let field = format!("line_items[{i}][price_data]");
                    if !self.allow_inline {
                        return Err(ApiError::forbidden(
                            "Inline prices are not allowed; use a configured price ID.",
                            Some(&field),
                        ));
                    }
                    // Stripe takes currency codes in any case; compare lowercase.
                    let key = currency.to_ascii_lowercase();
                    let Some((code, _)) = self.max_amount.get_key_value(&key) else {
                        return Err(ApiError::forbidden(
                            format!("Currency {currency} is not allowed."),
                            Some(&format!("{field}[currency]")),
                        ));
                    };
                    let total = totals.entry(code.as_str()).or_insert(0);
                    // An amount or quantity the policy cannot read counts as over any cap.
                    *total = unit_amount
                        .zip(item.quantity)
                        .and_then(|(a, q)| a.checked_mul(q))
                        .and_then(|t| t.checked_add(*total))
                        .unwrap_or(i64::MAX);
                }
            }
        }
        for (currency, total) in totals {
            let max = self.max_amount.get(currency).copied().unwrap_or(0);
            if total > max {
                return Err(ApiError::forbidden(
                    format!("The total of inline-priced items in {currency} exceeds the maximum of {max} minor units."),
                    Some("line_items"),
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
    /// Parsed bases (see [`crate::return_urls`] for how they match).
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
                crate::return_urls::check(&self.allowed, url)
                    .map_err(|why| ApiError::forbidden(format!("{field} {why}."), Some(field)))?;
            }
        }
        Ok(())
    }
}

/// `[policy.promotion_codes]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionCodePolicy {
    /// Whether apps may set `allow_promotion_codes=true` (default false: codes lower what the
    /// customer pays below what the price rules checked).
    #[serde(default)]
    pub allow: bool,
}

impl PolicyGroup for PromotionCodePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        if p.allow_promotion_codes == Some(true) && !self.allow {
            return Err(ApiError::forbidden(
                "Promotion codes are not allowed.",
                Some("allow_promotion_codes"),
            ));
        }
        Ok(())
    }
}

/// `[policy.payment_method_types]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethodTypePolicy {
    /// Types apps may list in `payment_method_types` (e.g. `card`, `link`). Default empty: apps
    /// may not choose, and Stripe offers what the Dashboard enables (dynamic payment methods).
    #[serde(default)]
    pub allowed: Vec<String>,
}

impl PolicyGroup for PaymentMethodTypePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        for (i, t) in p.payment_method_types.iter().enumerate() {
            if !self.allowed.iter().any(|a| a == t) {
                return Err(ApiError::forbidden(
                    format!("Payment method type {t} is not allowed."),
                    Some(&format!("payment_method_types[{i}]")),
                ));
            }
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

impl PolicyGroup for MetadataPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), ApiError> {
        for (k, v) in &p.metadata {
            let field = format!("metadata[{k}]");
            if k == APP_REFERENCE_KEY || !self.allowed_keys.contains(k) {
                return Err(ApiError::forbidden(
                    format!("Metadata key {k} is not allowed."),
                    Some(&field),
                ));
            }
            if v.chars().count() > self.max_value_length.min(STRIPE_MAX_METADATA_VALUE) {
                return Err(ApiError::forbidden(
                    format!("Metadata value longer than {} characters.", self.max_value_length),
                    Some(&field),
                ));
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
        self.prices.validate()
    }
}

/// Checks `p` against every group of `policy` and forces the fields the server owns. On
/// success the params are ready to forward.
///
/// # Errors
///
/// The first refusal.
pub fn enforce(policy: &Policy, user: &str, p: &mut CreateSessionParams) -> Result<(), ApiError> {
    for group in policy.groups() {
        group.check(p)?;
    }
    if p.customer.is_some() {
        // A customer ID from the app could attach another customer's saved payment methods.
        return Err(ApiError::forbidden(
            "customer cannot be chosen by the app.",
            Some("customer"),
        ));
    }
    if let Some(own) = p.client_reference_id.take() {
        p.metadata.insert(APP_REFERENCE_KEY.to_owned(), own);
    }
    p.client_reference_id = Some(user.to_owned());
    Ok(())
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
        enforce(policy, "alice", p).err().and_then(|e| e.param)
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
    fn return_url_bases_are_parsed_at_load() {
        assert!(toml::from_str::<Policy>("[return_urls]\nallowed = [\"https://u@shop.example/\"]\n").is_err());
        assert!(
            toml::from_str::<Policy>("allowed_prices = [\"price_1\"]\n").is_err(),
            "old flat keys are refused"
        );
    }
}
