//! `[policy.collection]` (what Checkout asks the customer for: phone, billing address, tax
//! ID) and `[policy.customer]` (creating Customers, updating the server-set one, its saved
//! payment methods).

use checkout_bridge::{BillingAddressCollection, CreateSessionParams};
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{known_values, refuse, PolicyGroup};

/// `[policy.collection]`: each flag lets apps turn one question on (turning it off, or
/// Stripe's `auto`, is always allowed).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionPolicy {
    /// `phone_number_collection[enabled]=true`.
    #[serde(default)]
    pub phone: bool,
    /// `billing_address_collection=required`.
    #[serde(default)]
    pub billing_address: bool,
    /// `tax_id_collection[enabled]=true`.
    #[serde(default)]
    pub tax_id: bool,
}

impl PolicyGroup for CollectionPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if p.phone_number_collection == Some(true) && !self.phone {
            return Err(refuse(
                "phone_number_collection[enabled]",
                "policy.collection.phone",
                "Apps may not ask for a phone number",
            ));
        }
        if p.billing_address_collection
            .as_ref()
            .is_some_and(|b| *b != BillingAddressCollection::Auto)
            && !self.billing_address
        {
            return Err(refuse(
                "billing_address_collection",
                "policy.collection.billing_address",
                "Apps may not require a billing address",
            ));
        }
        if p.tax_id_collection.as_ref().is_some_and(|t| t.enabled) && !self.tax_id {
            return Err(refuse(
                "tax_id_collection[enabled]",
                "policy.collection.tax_id",
                "Apps may not ask for a tax ID",
            ));
        }
        Ok(())
    }
}

/// `[policy.customer]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPolicy {
    /// `customer_creation` values apps may send (`always`, `if_required`). Default empty:
    /// Stripe's default applies.
    #[serde(default)]
    pub allowed_creation: Vec<String>,
    /// Whether apps may send `customer_update` (saving what the customer types onto the
    /// Customer the server set for the user).
    #[serde(default)]
    pub allow_update: bool,
    /// Whether apps may send `saved_payment_method_options` (offering, saving and removing
    /// the user's saved payment methods).
    #[serde(default)]
    pub allow_saved_payment_methods: bool,
}

impl CustomerPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        known_values(
            "policy.customer.allowed_creation",
            &self.allowed_creation,
            &["always", "if_required"],
        )
    }
}

impl PolicyGroup for CustomerPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if let Some(c) = &p.customer_creation {
            if !self.allowed_creation.iter().any(|a| a == c.as_str()) {
                return Err(refuse(
                    "customer_creation",
                    "policy.customer.allowed_creation",
                    format!("customer_creation={c} is not allowed"),
                ));
            }
        }
        if p.customer_update.is_some() && !self.allow_update {
            return Err(refuse(
                "customer_update",
                "policy.customer.allow_update",
                "Apps may not update the Customer",
            ));
        }
        if p.saved_payment_method_options.is_some() && !self.allow_saved_payment_methods {
            return Err(refuse(
                "saved_payment_method_options",
                "policy.customer.allow_saved_payment_methods",
                "Apps may not change how saved payment methods are offered",
            ));
        }
        Ok(())
    }
}
