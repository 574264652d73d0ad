//! `[policy.promotion_codes]`: the promotion code field and discounts applied up front.

use std::collections::BTreeSet;

use checkout_bridge::{CreateSessionParams, Discount};
use serde::Deserialize;

use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

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
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
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
