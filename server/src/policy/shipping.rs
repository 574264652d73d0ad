//! `[policy.shipping]`: shipping address collection and the shipping rates a customer
//! chooses from, with a cap on the amount of rates an app defines inline.

use std::collections::{BTreeMap, BTreeSet};

use checkout_bridge::{CreateSessionParams, ShippingOption};
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

/// `[policy.shipping]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingPolicy {
    /// Countries (`US`, `DE`, …) apps may list in `shipping_address_collection`. Default
    /// empty: apps may not ask for a shipping address.
    #[serde(default)]
    pub allowed_countries: BTreeSet<String>,
    /// Shipping Rate IDs (`shr_…`) apps may offer (`shipping_options[N][shipping_rate]`).
    #[serde(default)]
    pub allowed_rates: BTreeSet<String>,
    /// Whether apps may define rates inline (`shipping_rate_data`). The app then chooses the
    /// amount, from 0 up to `max_inline_amount`: prefer `allowed_rates` when shipping has a
    /// price of its own.
    #[serde(default)]
    pub allow_inline_rates: bool,
    /// Per currency (lowercase ISO code), the largest amount in minor units of one inline
    /// rate; inline rates in a currency not listed are refused.
    #[serde(default)]
    pub max_inline_amount: BTreeMap<String, i64>,
}

impl ShippingPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (currency, max) in &self.max_inline_amount {
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) || *max < 0 {
                return Err(ConfigError::setting(
                    "policy.shipping.max_inline_amount",
                    format!("`{currency}` must be a lowercase three-letter currency code with a non-negative amount"),
                ));
            }
        }
        Ok(())
    }
}

impl PolicyGroup for ShippingPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if let Some(s) = &p.shipping_address_collection {
            for (i, c) in s.allowed_countries.iter().enumerate() {
                if !self.allowed_countries.contains(c) {
                    return Err(refuse(
                        &format!("shipping_address_collection[allowed_countries][{i}]"),
                        "policy.shipping.allowed_countries",
                        format!("Shipping to {c} is not allowed"),
                    ));
                }
            }
        }
        for (i, o) in p.shipping_options.iter().enumerate() {
            match o {
                ShippingOption::Rate { id } => {
                    if !self.allowed_rates.contains(id) {
                        return Err(refuse(
                            &format!("shipping_options[{i}][shipping_rate]"),
                            "policy.shipping.allowed_rates",
                            format!("Shipping rate {id} is not allowed"),
                        ));
                    }
                }
                ShippingOption::Inline { amount, currency, .. } => {
                    let field = format!("shipping_options[{i}][shipping_rate_data]");
                    if !self.allow_inline_rates {
                        return Err(refuse(
                            &field,
                            "policy.shipping.allow_inline_rates",
                            "Inline shipping rates are not allowed",
                        ));
                    }
                    let max = self.max_inline_amount.get(&currency.to_ascii_lowercase());
                    if max.is_none_or(|m| amount > m) {
                        return Err(refuse(
                            &format!("{field}[fixed_amount][amount]"),
                            "policy.shipping.max_inline_amount",
                            format!("An inline shipping rate of {amount} {currency} is over the maximum"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
