//! `[policy.prices]`: configured price IDs, and inline prices an app cannot invent: within a
//! cap and above a floor per currency, only for products the merchant lists (or new ones, when
//! `allow_product_data` says so).
//!
//! Without these, a modified app can name a real product (`price_data[product]=prod_…`) at any
//! amount down to zero; Stripe's Checkout accepts no-cost orders (`unit_amount=0` included,
//! since API 2023-08-16) and completes them with `payment_status=no_payment_required`.

use std::collections::{BTreeMap, BTreeSet};

use checkout_bridge::{CreateSessionParams, LineItemPrice};
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};
use crate::policy::minimums::stripe_minimum;

/// Stripe's default `adjustable_quantity[maximum]`: "By default this value is 99"
/// (https://stripe.com/docs/payments/checkout/adjustable-quantity).
const STRIPE_DEFAULT_ADJUSTABLE_MAXIMUM: i64 = 99;

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
    /// Per currency, the smallest unit amount (minor units) of an inline price. Default, and
    /// the lowest allowed: Stripe's minimum charge in that currency ([`crate::policy::minimums`]);
    /// required for inline currencies Stripe publishes no minimum for.
    #[serde(default)]
    pub min_amount: BTreeMap<String, i64>,
    /// Existing products (`prod_…`) inline prices may name in `price_data[product]`.
    #[serde(default)]
    pub allowed_products: BTreeSet<String>,
    /// Whether inline prices may describe a new product (`price_data[product_data]`: a name,
    /// description, images) instead of naming a listed one.
    #[serde(default)]
    pub allow_product_data: bool,
    /// Whether apps may let the customer change quantities (`adjustable_quantity`).
    #[serde(default)]
    pub allow_adjustable_quantity: bool,
    /// Whether a payment-mode session with nothing to pay is fulfilled although the zero does
    /// not come from a discount (a configured price of 0, say). Default false: such a session
    /// is recorded as refused, never delivered. A 100 % discount the policy allowed (a
    /// promotion code, `allowed_discounts`) is a real order and is fulfilled either way.
    #[serde(default)]
    pub allow_free_orders: bool,
}

/// `decimal` (`unit_amount_decimal`, at most 12 decimal places) as whole minor units and whether
/// a non-zero fraction is left over; `None` when it is not a plain non-negative decimal.
fn minor_units(decimal: &str) -> Option<(i64, bool)> {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((whole.parse().ok()?, fraction.bytes().any(|b| b != b'0')))
}

/// The smallest whole number of minor units not below a decimal split by [`minor_units`].
fn ceil((units, fraction): (i64, bool)) -> Option<i64> {
    units.checked_add(i64::from(fraction))
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
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (key, map) in [
            ("policy.prices.max_amount", &self.max_amount),
            ("policy.prices.min_amount", &self.min_amount),
        ] {
            for (currency, amount) in map {
                if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) || *amount < 0 {
                    return Err(ConfigError::setting(
                        key,
                        format!(
                            "`{currency}` must be a lowercase three-letter currency code with a non-negative amount"
                        ),
                    ));
                }
            }
        }
        for (currency, min) in &self.min_amount {
            if let Some(stripe) = stripe_minimum(currency).filter(|s| min < s) {
                return Err(ConfigError::setting(
                    "policy.prices.min_amount",
                    format!("`{currency}` {min} is below Stripe's minimum charge of {stripe} (https://docs.stripe.com/currencies)"),
                ));
            }
            if !self.max_amount.contains_key(currency) {
                return Err(ConfigError::setting(
                    "policy.prices.min_amount",
                    format!("`{currency}` has no policy.prices.max_amount, so no inline price can use it"),
                ));
            }
        }
        if !self.allow_inline {
            return Ok(());
        }
        if self.allowed_products.is_empty() && !self.allow_product_data {
            return Err(ConfigError::setting(
                "policy.prices.allow_inline",
                "inline prices need policy.prices.allowed_products (the products they may name) or allow_product_data = true",
            ));
        }
        for product in &self.allowed_products {
            if !product.starts_with("prod_") {
                return Err(ConfigError::setting(
                    "policy.prices.allowed_products",
                    format!("`{product}` is not a Product ID (prod_…)"),
                ));
            }
        }
        for (currency, max) in &self.max_amount {
            let min = self
                .minimum(currency)
                .ok_or_else(|| ConfigError::setting(
                    "policy.prices.min_amount",
                    format!("Stripe publishes no minimum charge in `{currency}`: give one (min_amount = {{ {currency} = … }})"),
                ))?;
            if min > *max {
                return Err(ConfigError::setting(
                    "policy.prices.min_amount",
                    format!("`{currency}` {min} is above its max_amount {max}"),
                ));
            }
        }
        Ok(())
    }

    /// The smallest inline unit amount in `currency`: the configured one, else Stripe's.
    pub fn minimum(&self, currency: &str) -> Option<i64> {
        self.min_amount
            .get(currency)
            .copied()
            .or_else(|| stripe_minimum(currency))
    }
}

impl PolicyGroup for PricePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
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
                    product,
                    product_name,
                    description,
                    images,
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
                    match product {
                        Some(id) if !self.allowed_products.contains(id) => {
                            return Err(refuse(
                                &format!("{field}[product]"),
                                "policy.prices.allowed_products",
                                format!("Product {id} is not sold with inline prices through this app"),
                            ));
                        }
                        None if (product_name.is_some() || description.is_some() || !images.is_empty())
                            && !self.allow_product_data =>
                        {
                            return Err(refuse(
                                &format!("{field}[product_data]"),
                                "policy.prices.allow_product_data",
                                "Inline prices may not describe a new product; name a listed one in price_data[product]",
                            ));
                        }
                        _ => {}
                    }
                    // The floor: an app cannot name its own price below the merchant's (or
                    // Stripe's) minimum, zero included. Unreadable amounts are refused here too.
                    let parsed = unit_amount_decimal.as_deref().and_then(minor_units);
                    let floor = unit_amount.or(parsed.map(|(units, _)| units));
                    let min = self.minimum(code).unwrap_or(i64::MAX);
                    if floor.is_none_or(|f| f < min) {
                        return Err(refuse(
                            &format!("{field}[unit_amount]"),
                            "policy.prices.min_amount",
                            format!("Inline unit amounts in {code} must be at least {min} minor units"),
                        ));
                    }
                    let unit = unit_amount.or(parsed.and_then(ceil));
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

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(minor_units(d).and_then(ceil), want, "{d}");
        }
    }
}
