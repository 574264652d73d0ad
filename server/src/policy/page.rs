//! `[policy.page]` (consent collection, custom text and the pay button's word on the
//! Checkout page) and `[policy.locale]` (its language).

use checkout_bridge::CreateSessionParams;
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

/// `custom_text[…][message]`: "Text can be up to 1200 characters in length" (stripe-node
/// `SessionCreateParams.CustomText`).
const STRIPE_MAX_CUSTOM_TEXT: usize = 1200;

/// `[policy.page]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagePolicy {
    /// Whether apps may send `consent_collection` (promotional email, terms of service,
    /// payment method reuse agreement).
    #[serde(default)]
    pub allow_consent_collection: bool,
    /// Whether apps may send `custom_text` (text the merchant shows on its page).
    #[serde(default)]
    pub allow_custom_text: bool,
    /// Longest custom text message, in characters (default and most: Stripe's 1200).
    #[serde(default = "default_custom_text")]
    pub max_custom_text_length: usize,
    /// Whether apps may choose the pay button's word (`submit_type`).
    #[serde(default)]
    pub allow_submit_type: bool,
}

fn default_custom_text() -> usize {
    STRIPE_MAX_CUSTOM_TEXT
}

impl Default for PagePolicy {
    fn default() -> Self {
        PagePolicy {
            allow_consent_collection: false,
            allow_custom_text: false,
            max_custom_text_length: STRIPE_MAX_CUSTOM_TEXT,
            allow_submit_type: false,
        }
    }
}

impl PagePolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_custom_text_length > STRIPE_MAX_CUSTOM_TEXT {
            return Err(ConfigError::setting(
                "policy.page.max_custom_text_length",
                format!("must be at most Stripe's {STRIPE_MAX_CUSTOM_TEXT}"),
            ));
        }
        Ok(())
    }
}

impl PolicyGroup for PagePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if p.consent_collection.is_some() && !self.allow_consent_collection {
            return Err(refuse(
                "consent_collection",
                "policy.page.allow_consent_collection",
                "Apps may not choose the consents collected",
            ));
        }
        if let Some(t) = &p.custom_text {
            if !self.allow_custom_text {
                return Err(refuse(
                    "custom_text",
                    "policy.page.allow_custom_text",
                    "Apps may not add text to the page",
                ));
            }
            for (name, text) in [
                ("after_submit", &t.after_submit),
                ("shipping_address", &t.shipping_address),
                ("submit", &t.submit),
                ("terms_of_service_acceptance", &t.terms_of_service_acceptance),
            ] {
                if text
                    .as_ref()
                    .is_some_and(|m| m.chars().count() > self.max_custom_text_length)
                {
                    return Err(refuse(
                        &format!("custom_text[{name}][message]"),
                        "policy.page.max_custom_text_length",
                        format!("Custom text longer than {} characters", self.max_custom_text_length),
                    ));
                }
            }
        }
        if p.submit_type.is_some() && !self.allow_submit_type {
            return Err(refuse(
                "submit_type",
                "policy.page.allow_submit_type",
                "Apps may not choose the pay button's word",
            ));
        }
        Ok(())
    }
}

/// `[policy.locale]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalePolicy {
    /// Locales apps may ask for (`auto`, `fr`, `pt-BR`, …); `"*"` (the default) allows any
    /// locale Stripe has: the page's language changes nothing the merchant is paid.
    #[serde(default = "any_locale")]
    pub allowed: Vec<String>,
}

fn any_locale() -> Vec<String> {
    vec!["*".into()]
}

impl Default for LocalePolicy {
    fn default() -> Self {
        LocalePolicy { allowed: any_locale() }
    }
}

impl PolicyGroup for LocalePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        if let Some(l) = &p.locale {
            if !self.allowed.iter().any(|a| a == "*" || a == l) {
                return Err(refuse(
                    "locale",
                    "policy.locale.allowed",
                    format!("Locale {l} is not offered"),
                ));
            }
        }
        Ok(())
    }
}
