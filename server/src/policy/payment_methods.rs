//! `[policy.payment_method_types]`.

use checkout_bridge::CreateSessionParams;
use serde::Deserialize;

use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

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
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
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
