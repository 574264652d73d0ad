//! The merchant's rules, applied to typed params before anything reaches Stripe.
//!
//! The policy is a set of groups, one struct per group of create parameters, each its own
//! table under `[policy]` in the configuration and each implementing [`PolicyGroup`]. A new
//! group of parameters adds one struct, one field in [`Policy`] and one entry in
//! [`Policy::groups`]; the defaults allow nothing beyond a one-time payment at configured
//! prices. The groups of this file cover what every checkout has (mode, prices, return URLs,
//! discounts, payment method types, metadata); each lives in its own file here.
//!
//! A refusal is a 403 `policy_violation` whose `param` is the parameter and whose message
//! names the policy key that would allow it ([`refuse`]).

pub mod customer;
pub mod discounts;
pub mod group;
pub mod intents;
pub mod metadata;
pub mod minimums;
pub mod modes;
pub mod page;
pub mod payment_methods;
pub mod prices;
pub mod return_urls;
pub mod shipping;
pub mod tax;

use checkout_bridge::CreateSessionParams;
use serde::Deserialize;

pub use self::customer::{CollectionPolicy, CustomerPolicy};
pub use self::discounts::PromotionCodePolicy;
pub use self::group::{refuse, PolicyGroup, APP_REFERENCE_KEY};
pub use self::intents::{
    PaymentIntentDataPolicy, SetupFutureUsagePolicy, SetupIntentDataPolicy, SubscriptionDataPolicy,
};
pub use self::metadata::MetadataPolicy;
pub use self::modes::ModePolicy;
pub use self::page::{LocalePolicy, PagePolicy};
pub use self::payment_methods::PaymentMethodTypePolicy;
pub use self::prices::PricePolicy;
pub use self::return_urls::ReturnUrlPolicy;
pub use self::shipping::ShippingPolicy;
pub use self::tax::TaxPolicy;
use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;

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
    /// `[policy.tax]`
    #[serde(default)]
    pub tax: TaxPolicy,
    /// `[policy.shipping]`
    #[serde(default)]
    pub shipping: ShippingPolicy,
    /// `[policy.collection]`
    #[serde(default)]
    pub collection: CollectionPolicy,
    /// `[policy.customer]`
    #[serde(default)]
    pub customer: CustomerPolicy,
    /// `[policy.subscription_data]`
    #[serde(default)]
    pub subscription_data: SubscriptionDataPolicy,
    /// `[policy.payment_intent_data]`
    #[serde(default)]
    pub payment_intent_data: PaymentIntentDataPolicy,
    /// `[policy.setup_intent_data]`
    #[serde(default)]
    pub setup_intent_data: SetupIntentDataPolicy,
    /// `[policy.setup_future_usage]`
    #[serde(default)]
    pub setup_future_usage: SetupFutureUsagePolicy,
    /// `[policy.page]`
    #[serde(default)]
    pub page: PagePolicy,
    /// `[policy.locale]`
    #[serde(default)]
    pub locale: LocalePolicy,
}

impl Policy {
    /// Every group, in the order they are checked.
    pub fn groups(&self) -> [&dyn PolicyGroup; 16] {
        [
            &self.modes,
            &self.prices,
            &self.return_urls,
            &self.promotion_codes,
            &self.payment_method_types,
            &self.metadata,
            &self.tax,
            &self.shipping,
            &self.collection,
            &self.customer,
            &self.subscription_data,
            &self.payment_intent_data,
            &self.setup_intent_data,
            &self.setup_future_usage,
            &self.page,
            &self.locale,
        ]
    }
}

impl Policy {
    /// Checks what the groups cannot check alone, after parsing the configuration.
    ///
    /// # Errors
    ///
    /// A message naming the offending setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.prices.validate()?;
        self.shipping.validate()?;
        self.subscription_data.validate()?;
        self.payment_intent_data.validate()?;
        self.setup_intent_data.validate()?;
        self.setup_future_usage.validate()?;
        self.customer.validate()?;
        self.page.validate()
    }
}

/// Checks `p` against every group of `policy`, then forces what the merchant and the server
/// own: each group's forced values, the user's Customer (`[[app_tokens]] customer`) and
/// `client_reference_id` (the app's own moves to `metadata[app_client_reference_id]`). On
/// success the params are ready to forward.
///
/// # Errors
///
/// The first refusal.
pub fn enforce(
    policy: &Policy,
    user: &str,
    customer: Option<&str>,
    p: &mut CreateSessionParams,
) -> Result<(), Refusal> {
    if p.customer.is_some() {
        // A customer ID from the app could attach another customer's saved payment methods.
        return Err(refuse(
            "customer",
            "app_tokens.customer",
            "customer cannot be chosen by the app; the server sets the user's own",
        ));
    }
    if customer.is_some() && p.customer_email.is_some() {
        // Stripe takes one of the two; the server's Customer wins, and saying so beats a
        // silent drop of what the app sent.
        return Err(refuse(
            "customer_email",
            "app_tokens.customer",
            "This user's Customer is set by the server, which already knows the email",
        ));
    }
    for group in policy.groups() {
        group.check(p)?;
    }
    if customer.is_none() && (p.customer_update.is_some() || p.saved_payment_method_options.is_some()) {
        let param = if p.customer_update.is_some() {
            "customer_update"
        } else {
            "saved_payment_method_options"
        };
        return Err(refuse(
            param,
            "app_tokens.customer",
            format!("{param} needs a Customer, and this user has none"),
        ));
    }
    for group in policy.groups() {
        group.force(p);
    }
    p.customer = customer.map(str::to_owned);
    if let Some(own) = p.client_reference_id.take() {
        p.metadata.insert(APP_REFERENCE_KEY.to_owned(), own);
    }
    p.client_reference_id = Some(user.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkout_bridge::{CheckoutMode, LineItemParams, LineItemPrice};

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
allow_product_data = true
max_amount = { usd = 10000, eur = 5000 }
[return_urls]
allowed = ["myapp://checkout"]
"#;

    fn refused(policy: &Policy, p: &mut CreateSessionParams) -> Option<String> {
        enforce(policy, "alice", None, p)
            .err()
            .and_then(|e| e.param().map(str::to_owned))
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
    fn an_overflowed_total_cannot_be_brought_back_under_the_cap() {
        // fuzz/corpus/server_create_form/overflow: 2^62 × 4 overflows (counted as i64::MAX),
        // then a negative item brought the sum back to 808 minor units, under the usd cap.
        let pol = policy(BASE);
        let mut p = params(CheckoutMode::Payment);
        p.line_items.push(inline("usd", 1 << 62, 4));
        p.line_items.push(inline("USD", -9_223_372_036_854_775_000, 1));
        // Refused: by the floor (a negative unit amount is under any minimum) or by the cap.
        assert!(refused(&pol, &mut p).is_some_and(|param| param.starts_with("line_items")));
        for (amount, quantity) in [(-1, 1), (100, -1)] {
            let mut n = params(CheckoutMode::Payment);
            n.line_items.push(inline("usd", 5_000, 1));
            n.line_items.push(inline("usd", amount, quantity));
            let param = refused(&pol, &mut n);
            assert!(
                param.as_deref().is_some_and(|param| param.starts_with("line_items")),
                "{amount} × {quantity}: {param:?}"
            );
        }
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
        assert!(bad
            .map_err(|e| e.to_string())
            .and_then(|p| p.validate().map_err(|e| e.to_string()))
            .is_err());
    }

    #[test]
    fn settings_stripe_would_refuse_stop_the_server_at_load() {
        for bad in [
            "[payment_intent_data]\nstatement_descriptor_suffix = \"TEA*SHOP\"\n",
            "[payment_intent_data]\nstatement_descriptor_suffix = \"12345\"\n",
            "[payment_intent_data]\nstatement_descriptor_suffix = \"ABCDEFGHIJKLMNOPQRSTUVW\"\n",
            "[payment_intent_data]\nallowed_fields = [\"application_fee_amount\"]\n",
            "[subscription_data]\nmax_trial_days = 731\n",
            "[subscription_data]\nmax_trial_days = -1\n",
            "[page]\nmax_custom_text_length = 1201\n",
            "[customer]\nallowed_creation = [\"sometimes\"]\n",
            "[setup_future_usage]\nallowed = [\"later\"]\n",
            "[setup_intent_data]\nallowed_fields = [\"on_behalf_of\"]\n",
            "[shipping]\nmax_inline_amount = { USD = 1 }\n",
            "[tax]\nforce = true\n",
        ] {
            let parsed: Result<Policy, _> = toml::from_str(bad);
            assert!(
                parsed
                    .map_err(|e| e.to_string())
                    .and_then(|p| p.validate().map_err(|e| e.to_string()))
                    .is_err(),
                "{bad}"
            );
        }
        let ok = policy("[payment_intent_data]\nstatement_descriptor_suffix = \"TEA SHOP 42\"\n");
        assert_eq!(
            ok.payment_intent_data.statement_descriptor_suffix.as_deref(),
            Some("TEA SHOP 42")
        );
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
