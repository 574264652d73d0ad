//! `[policy.prices]`: configured price IDs, and inline prices within a cap per currency.

use std::collections::BTreeMap;

use checkout_bridge::{CreateSessionParams, LineItemPrice};
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

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
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (currency, max) in &self.max_amount {
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) || *max < 0 {
                return Err(ConfigError::setting(
                    "policy.prices.max_amount",
                    format!("`{currency}` must be a lowercase three-letter currency code with a non-negative amount"),
                ));
            }
        }
        Ok(())
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
            assert_eq!(ceil_minor_units(d), want, "{d}");
        }
    }
}
