//! What every policy group shares: the [`PolicyGroup`] trait, the refusal that names the policy
//! key, and the small rules several groups use.

use checkout_bridge::{CheckoutMode, CreateSessionParams};

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;

/// Metadata key that keeps an app's own `client_reference_id`, since the server forces that
/// field to the authenticated user. Apps cannot set it themselves.
pub const APP_REFERENCE_KEY: &str = "app_client_reference_id";

/// One group of create parameters and the rules for it.
pub trait PolicyGroup {
    /// Refuses, with a 403 `policy_violation` naming the parameter and the policy key, what
    /// the group does not allow.
    ///
    /// # Errors
    ///
    /// The refusal.
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal>;

    /// Sets the values the merchant forces whatever the app sent (after every check passed).
    fn force(&self, _p: &mut CreateSessionParams) {}
}

/// The 403 for `param`, naming the policy key (`policy.tax.allow_automatic_tax`) that would
/// allow it, so the developer who reads the error knows which line of the server's
/// configuration decides.
pub fn refuse(param: &str, policy_key: &str, why: impl std::fmt::Display) -> Refusal {
    Refusal::policy(
        format!("{why} ({param} is refused by the server's policy: see {policy_key})."),
        param,
    )
}

/// Checks that every entry of `values` (a policy setting named `key`) is one of `known`.
pub(crate) fn known_values(key: &str, values: &[String], known: &[&str]) -> Result<(), ConfigError> {
    match values.iter().find(|v| !known.contains(&v.as_str())) {
        Some(v) => Err(ConfigError::setting(
            key,
            format!("`{v}` is not one of {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Whether the session takes a payment now or later (automatic tax and a PaymentIntent's
/// statement descriptor only exist then).
pub(crate) fn charges(mode: &CheckoutMode) -> bool {
    matches!(mode, CheckoutMode::Payment | CheckoutMode::Subscription)
}
