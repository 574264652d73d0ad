//! `[policy.subscription_data]`, `[policy.payment_intent_data]`,
//! `[policy.setup_intent_data]` and `[policy.setup_future_usage]`: what an app may pass on to
//! the Subscription, PaymentIntent or SetupIntent, and a statement descriptor suffix the
//! merchant forces. Their metadata is `[policy.metadata]`'s. Connect fields
//! (`application_fee_amount`, `transfer_data`, `on_behalf_of`, …) are refused before any
//! policy, by the form parser, whatever this says.

use checkout_bridge::{CheckoutMode, CreateSessionParams, PaymentIntentData};
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{known_values, refuse, PolicyGroup};

/// "The trial period must be 730 days (2 years) or less"
/// (https://stripe.com/docs/subscriptions/trials).
const STRIPE_MAX_TRIAL_DAYS: i64 = 730;

/// `[policy.subscription_data]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDataPolicy {
    /// The longest free trial apps may ask for, in days (at most Stripe's 730). Default 0: no
    /// trials.
    #[serde(default)]
    pub max_trial_days: i64,
    /// Whether apps may set the subscription's `description`.
    #[serde(default)]
    pub allow_description: bool,
}

impl SubscriptionDataPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !(0..=STRIPE_MAX_TRIAL_DAYS).contains(&self.max_trial_days) {
            return Err(ConfigError::setting(
                "policy.subscription_data.max_trial_days",
                format!("must be 0 to {STRIPE_MAX_TRIAL_DAYS}"),
            ));
        }
        Ok(())
    }
}

impl PolicyGroup for SubscriptionDataPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        let Some(s) = &p.subscription_data else {
            return Ok(());
        };
        if let Some(days) = s.trial_period_days {
            if days > self.max_trial_days {
                return Err(refuse(
                    "subscription_data[trial_period_days]",
                    "policy.subscription_data.max_trial_days",
                    format!("A trial of {days} days is longer than allowed"),
                ));
            }
        }
        if s.description.is_some() && !self.allow_description {
            return Err(refuse(
                "subscription_data[description]",
                "policy.subscription_data.allow_description",
                "Apps may not describe the subscription",
            ));
        }
        Ok(())
    }
}

const PAYMENT_INTENT_FIELDS: [&str; 3] = ["description", "receipt_email", "statement_descriptor_suffix"];

/// `[policy.payment_intent_data]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentIntentDataPolicy {
    /// Fields apps may set: `description`, `receipt_email`, `statement_descriptor_suffix`.
    /// Default empty. (`setup_future_usage` and `metadata` have their own tables.)
    #[serde(default)]
    pub allowed_fields: Vec<String>,
    /// A suffix forced onto every payment session's card statement descriptor, replacing any
    /// the app sent. Stripe's rules: Latin characters, at least one letter, none of
    /// `< > \ ' " *`, and prefix + `* ` + suffix at most 22 characters
    /// (https://docs.stripe.com/get-started/account/statement-descriptors).
    #[serde(default)]
    pub statement_descriptor_suffix: Option<String>,
}

impl PaymentIntentDataPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        known_values(
            "policy.payment_intent_data.allowed_fields",
            &self.allowed_fields,
            &PAYMENT_INTENT_FIELDS,
        )?;
        if let Some(s) = &self.statement_descriptor_suffix {
            let ok = !s.is_empty()
                && s.chars().count() <= 22
                && s.chars().any(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii() && !c.is_ascii_control() && !"<>\\'\"*".contains(c));
            if !ok {
                return Err(ConfigError::setting(
                    "policy.payment_intent_data.statement_descriptor_suffix",
                    "must be 1 to 22 Latin characters with a letter and none of < > \\ ' \" *",
                ));
            }
        }
        Ok(())
    }
}

impl PolicyGroup for PaymentIntentDataPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        let Some(d) = &p.payment_intent_data else {
            return Ok(());
        };
        for (name, set) in [
            ("description", d.description.is_some()),
            ("receipt_email", d.receipt_email.is_some()),
            ("statement_descriptor_suffix", d.statement_descriptor_suffix.is_some()),
        ] {
            if set && !self.allowed_fields.iter().any(|f| f == name) {
                return Err(refuse(
                    &format!("payment_intent_data[{name}]"),
                    "policy.payment_intent_data.allowed_fields",
                    format!("Apps may not set the payment's {name}"),
                ));
            }
        }
        Ok(())
    }

    fn force(&self, p: &mut CreateSessionParams) {
        // payment_intent_data exists in payment mode only.
        if let (Some(s), CheckoutMode::Payment) = (&self.statement_descriptor_suffix, &p.mode) {
            p.payment_intent_data
                .get_or_insert_with(PaymentIntentData::default)
                .statement_descriptor_suffix = Some(s.clone());
        }
    }
}

/// `[policy.setup_intent_data]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupIntentDataPolicy {
    /// Fields apps may set: `description`. Default empty.
    #[serde(default)]
    pub allowed_fields: Vec<String>,
}

impl SetupIntentDataPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        known_values(
            "policy.setup_intent_data.allowed_fields",
            &self.allowed_fields,
            &["description"],
        )
    }
}

impl PolicyGroup for SetupIntentDataPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if p.setup_intent_data.as_ref().is_some_and(|d| d.description.is_some())
            && !self.allowed_fields.iter().any(|f| f == "description")
        {
            return Err(refuse(
                "setup_intent_data[description]",
                "policy.setup_intent_data.allowed_fields",
                "Apps may not describe the setup",
            ));
        }
        Ok(())
    }
}

/// `[policy.setup_future_usage]`: saving the payment method of a payment for later charges.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupFutureUsagePolicy {
    /// Values apps may send in `payment_intent_data[setup_future_usage]` (`on_session`,
    /// `off_session`). Default empty.
    #[serde(default)]
    pub allowed: Vec<String>,
}

impl SetupFutureUsagePolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        known_values(
            "policy.setup_future_usage.allowed",
            &self.allowed,
            &["off_session", "on_session"],
        )
    }
}

impl PolicyGroup for SetupFutureUsagePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if let Some(u) = p
            .payment_intent_data
            .as_ref()
            .and_then(|d| d.setup_future_usage.as_ref())
        {
            if !self.allowed.iter().any(|a| a == u.as_str()) {
                return Err(refuse(
                    "payment_intent_data[setup_future_usage]",
                    "policy.setup_future_usage.allowed",
                    format!("setup_future_usage={u} is not allowed"),
                ));
            }
        }
        Ok(())
    }
}
