//! Stripe's form encoding: `application/x-www-form-urlencoded` with nested keys in brackets
//! (`line_items[0][price_data][currency]=usd`), arrays indexed, booleans `true`/`false`, unset
//! fields omitted.
//!
//! Brackets in keys are written literally, as Stripe's official SDKs do; every key segment and
//! value is percent-encoded, so user text can never add or change a key.

use std::collections::HashMap;

use url::form_urlencoded::byte_serialize;

use crate::params::{CreateSessionParams, Discount, LineItemParams, LineItemPrice, ShippingOption};

/// Builds a form body one field at a time.
pub struct FormBody {
    out: String,
}

impl Default for FormBody {
    fn default() -> Self {
        Self::new()
    }
}

impl FormBody {
    /// An empty body.
    pub fn new() -> Self {
        FormBody {
            out: String::with_capacity(512),
        }
    }

    /// Appends `key=value`, where `key` is given as its path segments
    /// (`["line_items", "0", "quantity"]` becomes `line_items[0][quantity]`).
    pub fn push(&mut self, key: &[&str], value: &str) {
        if !self.out.is_empty() {
            self.out.push('&');
        }
        for (i, seg) in key.iter().enumerate() {
            if i > 0 {
                self.out.push('[');
            }
            self.out.extend(byte_serialize(seg.as_bytes()));
            if i > 0 {
                self.out.push(']');
            }
        }
        self.out.push('=');
        self.out.extend(byte_serialize(value.as_bytes()));
    }

    /// Appends the field only when `value` is set.
    pub fn push_opt(&mut self, key: &[&str], value: Option<&str>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    /// The encoded body.
    pub fn finish(self) -> String {
        self.out
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Encodes the body of `POST /v1/checkout/sessions`. Metadata keys are emitted in sorted order
/// so that the same params always give the same body (idempotent replays compare bodies).
pub fn encode_create_params(p: &CreateSessionParams) -> String {
    let mut f = FormBody::new();
    let mut num = itoa_buf();
    f.push(&["mode"], p.mode.as_str());
    for (i, item) in p.line_items.iter().enumerate() {
        let idx = i.to_string();
        line_item(&mut f, &mut num, &idx, item);
    }
    f.push_opt(&["success_url"], p.success_url.as_deref());
    f.push_opt(&["cancel_url"], p.cancel_url.as_deref());
    f.push_opt(&["customer_email"], p.customer_email.as_deref());
    f.push_opt(&["customer"], p.customer.as_deref());
    f.push_opt(&["client_reference_id"], p.client_reference_id.as_deref());
    metadata(&mut f, &["metadata"], &p.metadata);
    if let Some(t) = p.expires_at {
        f.push(&["expires_at"], fmt_i64(&mut num, t));
    }
    f.push_opt(&["locale"], p.locale.as_deref());
    list(&mut f, "payment_method_types", &p.payment_method_types);
    if let Some(b) = p.allow_promotion_codes {
        f.push(&["allow_promotion_codes"], bool_str(b));
    }
    if let Some(o) = &p.origin_context {
        f.push(&["origin_context"], o.as_str());
    }
    f.push_opt(&["currency"], p.currency.as_deref());
    list(&mut f, "allowed_payment_method_types", &p.allowed_payment_method_types);
    list(
        &mut f,
        "excluded_payment_method_types",
        &p.excluded_payment_method_types,
    );
    if let Some(t) = &p.automatic_tax {
        f.push(&["automatic_tax", "enabled"], bool_str(t.enabled));
        if let Some(acct) = &t.liable_account {
            f.push(&["automatic_tax", "liability", "type"], "account");
            f.push(&["automatic_tax", "liability", "account"], acct);
        }
    }
    if let Some(b) = &p.billing_address_collection {
        f.push(&["billing_address_collection"], b.as_str());
    }
    if let Some(s) = &p.shipping_address_collection {
        for (i, c) in s.allowed_countries.iter().enumerate() {
            f.push(&["shipping_address_collection", "allowed_countries", &i.to_string()], c);
        }
    }
    for (i, o) in p.shipping_options.iter().enumerate() {
        shipping_option(&mut f, &mut num, &i.to_string(), o);
    }
    if let Some(b) = p.phone_number_collection {
        f.push(&["phone_number_collection", "enabled"], bool_str(b));
    }
    if let Some(c) = &p.customer_creation {
        f.push(&["customer_creation"], c.as_str());
    }
    if let Some(u) = &p.customer_update {
        for (k, v) in [("address", &u.address), ("name", &u.name), ("shipping", &u.shipping)] {
            f.push_opt(&["customer_update", k], v.as_ref().map(|m| m.as_str()));
        }
    }
    if let Some(t) = &p.tax_id_collection {
        f.push(&["tax_id_collection", "enabled"], bool_str(t.enabled));
        f.push_opt(
            &["tax_id_collection", "required"],
            t.required.as_ref().map(|r| r.as_str()),
        );
    }
    for (i, d) in p.discounts.iter().enumerate() {
        let i = i.to_string();
        match d {
            Discount::Coupon { id } => f.push(&["discounts", &i, "coupon"], id),
            Discount::PromotionCode { id } => f.push(&["discounts", &i, "promotion_code"], id),
        }
    }
    if let Some(s) = &p.submit_type {
        f.push(&["submit_type"], s.as_str());
    }
    if let Some(s) = &p.subscription_data {
        let k = "subscription_data";
        f.push_opt(&[k, "description"], s.description.as_deref());
        metadata(&mut f, &[k, "metadata"], &s.metadata);
        if let Some(d) = s.trial_period_days {
            f.push(&[k, "trial_period_days"], fmt_i64(&mut num, d));
        }
    }
    if let Some(pi) = &p.payment_intent_data {
        let k = "payment_intent_data";
        f.push_opt(&[k, "description"], pi.description.as_deref());
        metadata(&mut f, &[k, "metadata"], &pi.metadata);
        f.push_opt(&[k, "receipt_email"], pi.receipt_email.as_deref());
        f.push_opt(
            &[k, "setup_future_usage"],
            pi.setup_future_usage.as_ref().map(|u| u.as_str()),
        );
        f.push_opt(
            &[k, "statement_descriptor_suffix"],
            pi.statement_descriptor_suffix.as_deref(),
        );
    }
    if let Some(si) = &p.setup_intent_data {
        f.push_opt(&["setup_intent_data", "description"], si.description.as_deref());
        metadata(&mut f, &["setup_intent_data", "metadata"], &si.metadata);
    }
    if let Some(c) = &p.consent_collection {
        let k = "consent_collection";
        if let Some(pos) = &c.payment_method_reuse_agreement {
            f.push(&[k, "payment_method_reuse_agreement", "position"], pos.as_str());
        }
        f.push_opt(&[k, "promotions"], c.promotions.as_ref().map(|v| v.as_str()));
        f.push_opt(
            &[k, "terms_of_service"],
            c.terms_of_service.as_ref().map(|v| v.as_str()),
        );
    }
    if let Some(t) = &p.custom_text {
        for (k, v) in [
            ("after_submit", &t.after_submit),
            ("shipping_address", &t.shipping_address),
            ("submit", &t.submit),
            ("terms_of_service_acceptance", &t.terms_of_service_acceptance),
        ] {
            f.push_opt(&["custom_text", k, "message"], v.as_deref());
        }
    }
    if let Some(s) = &p.saved_payment_method_options {
        let k = "saved_payment_method_options";
        for (i, r) in s.allow_redisplay_filters.iter().enumerate() {
            f.push(&[k, "allow_redisplay_filters", &i.to_string()], r.as_str());
        }
        f.push_opt(&[k, "payment_method_remove"], s.payment_method_remove.map(enabled_str));
        f.push_opt(&[k, "payment_method_save"], s.payment_method_save.map(enabled_str));
    }
    f.finish()
}

fn line_item(f: &mut FormBody, num: &mut String, idx: &str, item: &LineItemParams) {
    let li = |k: &'static str| ["line_items", idx, k];
    match &item.price {
        LineItemPrice::Price { id } => f.push(&li("price"), id),
        LineItemPrice::Inline {
            currency,
            unit_amount,
            product_name,
            description,
            images,
            recurring,
            unit_amount_decimal,
            product,
            tax_behavior,
        } => {
            let pd = |k: &'static str| ["line_items", idx, "price_data", k];
            f.push(&pd("currency"), currency);
            if let Some(a) = unit_amount {
                f.push(&pd("unit_amount"), fmt_i64(num, *a));
            }
            f.push_opt(&pd("unit_amount_decimal"), unit_amount_decimal.as_deref());
            f.push_opt(&pd("product"), product.as_deref());
            let prod = |k: &'static str| ["line_items", idx, "price_data", "product_data", k];
            f.push_opt(&prod("name"), product_name.as_deref());
            f.push_opt(&prod("description"), description.as_deref());
            for (j, img) in images.iter().enumerate() {
                let j = j.to_string();
                f.push(&["line_items", idx, "price_data", "product_data", "images", &j], img);
            }
            if let Some(r) = recurring {
                f.push(
                    &["line_items", idx, "price_data", "recurring", "interval"],
                    r.interval.as_str(),
                );
                if let Some(c) = r.interval_count {
                    f.push(
                        &["line_items", idx, "price_data", "recurring", "interval_count"],
                        fmt_i64(num, c),
                    );
                }
            }
            f.push_opt(&pd("tax_behavior"), tax_behavior.as_ref().map(|t| t.as_str()));
        }
    }
    if let Some(q) = item.quantity {
        f.push(&li("quantity"), fmt_i64(num, q));
    }
    if let Some(a) = &item.adjustable_quantity {
        let aq = |k: &'static str| ["line_items", idx, "adjustable_quantity", k];
        f.push(&aq("enabled"), bool_str(a.enabled));
        if let Some(m) = a.minimum {
            f.push(&aq("minimum"), fmt_i64(num, m));
        }
        if let Some(m) = a.maximum {
            f.push(&aq("maximum"), fmt_i64(num, m));
        }
    }
    for (j, t) in item.tax_rates.iter().enumerate() {
        f.push(&["line_items", idx, "tax_rates", &j.to_string()], t);
    }
    metadata(f, &["line_items", idx, "metadata"], &item.metadata);
}

fn shipping_option(f: &mut FormBody, num: &mut String, idx: &str, o: &ShippingOption) {
    match o {
        ShippingOption::Rate { id } => f.push(&["shipping_options", idx, "shipping_rate"], id),
        ShippingOption::Inline {
            display_name,
            amount,
            currency,
            tax_behavior,
            tax_code,
            delivery_estimate,
        } => {
            let d = |k: &'static str| ["shipping_options", idx, "shipping_rate_data", k];
            f.push(&d("display_name"), display_name);
            f.push(&d("type"), "fixed_amount");
            f.push(
                &["shipping_options", idx, "shipping_rate_data", "fixed_amount", "amount"],
                fmt_i64(num, *amount),
            );
            f.push(
                &[
                    "shipping_options",
                    idx,
                    "shipping_rate_data",
                    "fixed_amount",
                    "currency",
                ],
                currency,
            );
            f.push_opt(&d("tax_behavior"), tax_behavior.as_ref().map(|t| t.as_str()));
            f.push_opt(&d("tax_code"), tax_code.as_deref());
            if let Some(est) = delivery_estimate {
                for (k, bound) in [("minimum", &est.minimum), ("maximum", &est.maximum)] {
                    if let Some(b) = bound {
                        let key = |leaf: &'static str| {
                            [
                                "shipping_options",
                                idx,
                                "shipping_rate_data",
                                "delivery_estimate",
                                k,
                                leaf,
                            ]
                        };
                        f.push(&key("unit"), b.unit.as_str());
                        f.push(&key("value"), fmt_i64(num, b.value));
                    }
                }
            }
        }
    }
}

/// `key[0]=a&key[1]=b`.
fn list(f: &mut FormBody, key: &str, values: &[String]) {
    for (i, v) in values.iter().enumerate() {
        f.push(&[key, &i.to_string()], v);
    }
}

/// `prefix[k]=v` for each key in sorted order.
fn metadata(f: &mut FormBody, prefix: &[&str], m: &HashMap<String, String>) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_unstable();
    for k in keys {
        let mut key: Vec<&str> = prefix.to_vec();
        key.push(k);
        f.push(&key, &m[k]);
    }
}

fn enabled_str(b: bool) -> &'static str {
    if b {
        "enabled"
    } else {
        "disabled"
    }
}

/// A small reusable buffer for integer formatting on the hot path.
fn itoa_buf() -> String {
    String::with_capacity(20)
}

fn fmt_i64(buf: &mut String, v: i64) -> &str {
    use std::fmt::Write;
    buf.clear();
    let _ = write!(buf, "{v}");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::params::*;

    #[test]
    fn brackets_indexes_and_escaping() {
        let mut p = CreateSessionParams::new(CheckoutMode::Subscription);
        p.line_items
            .push(LineItemParams::new(LineItemPrice::Price { id: "price_1".into() }, 2));
        let mut inline = LineItemPrice::inline("eur", 1250, "Tea & cake=good");
        if let LineItemPrice::Inline {
            description,
            images,
            recurring,
            ..
        } = &mut inline
        {
            *description = Some("50% off [today]".into());
            *images = vec!["https://img.example/a.png".into()];
            *recurring = Some(Recurring {
                interval: RecurringInterval::Month,
                interval_count: Some(3),
            });
        }
        p.line_items.push(LineItemParams::new(inline, 1));
        p.success_url = Some("myapp://c/success?session_id={CHECKOUT_SESSION_ID}&state=ab".into());
        p.metadata.insert("order".into(), "42".into());
        p.metadata.insert("a&b".into(), "x=y".into());
        p.allow_promotion_codes = Some(false);
        p.payment_method_types = vec!["card".into(), "sepa_debit".into()];
        p.origin_context = Some(OriginContext::MobileApp);
        let body = encode_create_params(&p);
        let expected = [
            "mode=subscription",
            "line_items[0][price]=price_1",
            "line_items[0][quantity]=2",
            "line_items[1][price_data][currency]=eur",
            "line_items[1][price_data][unit_amount]=1250",
            "line_items[1][price_data][product_data][name]=Tea+%26+cake%3Dgood",
            "line_items[1][price_data][product_data][description]=50%25+off+%5Btoday%5D",
            "line_items[1][price_data][product_data][images][0]=https%3A%2F%2Fimg.example%2Fa.png",
            "line_items[1][price_data][recurring][interval]=month",
            "line_items[1][price_data][recurring][interval_count]=3",
            "line_items[1][quantity]=1",
            "success_url=myapp%3A%2F%2Fc%2Fsuccess%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26state%3Dab",
            "metadata[a%26b]=x%3Dy",
            "metadata[order]=42",
            "payment_method_types[0]=card",
            "payment_method_types[1]=sepa_debit",
            "allow_promotion_codes=false",
            "origin_context=mobile_app",
        ]
        .join("&");
        assert_eq!(body, expected);
    }

    #[test]
    fn every_mobile_parameter_is_encoded_in_stripes_bracket_form() {
        let mut p = CreateSessionParams::new(CheckoutMode::Payment);
        let mut decimal = LineItemPrice::inline("usd", 0, "ignored");
        if let LineItemPrice::Inline {
            unit_amount,
            unit_amount_decimal,
            product_name,
            product,
            tax_behavior,
            ..
        } = &mut decimal
        {
            *unit_amount = None;
            *unit_amount_decimal = Some("0.5".into());
            *product_name = None;
            *product = Some("prod_1".into());
            *tax_behavior = Some(TaxBehavior::Exclusive);
        }
        let mut item = LineItemParams::new(decimal, 3);
        item.adjustable_quantity = Some(AdjustableQuantity {
            enabled: true,
            minimum: Some(1),
            maximum: Some(10),
        });
        item.tax_rates = vec!["txr_1".into()];
        item.metadata.insert("sku".into(), "A-1".into());
        p.line_items.push(item);
        p.line_items.push(LineItemParams {
            quantity: None,
            ..LineItemParams::new(
                LineItemPrice::Price {
                    id: "price_metered".into(),
                },
                1,
            )
        });
        p.currency = Some("usd".into());
        p.allowed_payment_method_types = vec!["card".into(), "link".into()];
        p.automatic_tax = Some(AutomaticTax {
            enabled: true,
            liable_account: Some("acct_1".into()),
        });
        p.billing_address_collection = Some(BillingAddressCollection::Required);
        p.shipping_address_collection = Some(ShippingAddressCollection {
            allowed_countries: vec!["US".into(), "DE".into()],
        });
        p.shipping_options = vec![
            ShippingOption::Rate { id: "shr_1".into() },
            ShippingOption::Inline {
                display_name: "Express & fast".into(),
                amount: 1500,
                currency: "usd".into(),
                tax_behavior: Some(TaxBehavior::Inclusive),
                tax_code: Some("txcd_92010001".into()),
                delivery_estimate: Some(DeliveryEstimate {
                    minimum: Some(DeliveryBound {
                        unit: DeliveryUnit::BusinessDay,
                        value: 1,
                    }),
                    maximum: None,
                }),
            },
        ];
        p.phone_number_collection = Some(true);
        p.customer_creation = Some(CustomerCreation::Always);
        p.customer_update = Some(CustomerUpdate {
            address: Some(CustomerUpdateMode::Auto),
            ..Default::default()
        });
        p.tax_id_collection = Some(TaxIdCollection {
            enabled: true,
            required: Some(TaxIdRequirement::IfSupported),
        });
        p.discounts = vec![Discount::PromotionCode { id: "promo_1".into() }];
        p.submit_type = Some(SubmitType::Donate);
        p.payment_intent_data = Some(PaymentIntentData {
            setup_future_usage: Some(SetupFutureUsage::OffSession),
            description: Some("Order 42".into()),
            receipt_email: Some("a@b.example".into()),
            statement_descriptor_suffix: Some("ORDER 42".into()),
            metadata: [("order".to_owned(), "42".to_owned())].into(),
        });
        p.consent_collection = Some(ConsentCollection {
            promotions: Some(PromotionsConsent::NotCollected),
            terms_of_service: Some(TermsOfServiceConsent::Required),
            payment_method_reuse_agreement: Some(ReuseAgreementPosition::Hidden),
        });
        p.custom_text = Some(CustomText {
            submit: Some("Thanks!".into()),
            ..Default::default()
        });
        p.saved_payment_method_options = Some(SavedPaymentMethodOptions {
            allow_redisplay_filters: vec![AllowRedisplay::Always, AllowRedisplay::Limited],
            payment_method_save: Some(true),
            payment_method_remove: Some(false),
        });
        let expected = [
            "mode=payment",
            "line_items[0][price_data][currency]=usd",
            "line_items[0][price_data][unit_amount_decimal]=0.5",
            "line_items[0][price_data][product]=prod_1",
            "line_items[0][price_data][tax_behavior]=exclusive",
            "line_items[0][quantity]=3",
            "line_items[0][adjustable_quantity][enabled]=true",
            "line_items[0][adjustable_quantity][minimum]=1",
            "line_items[0][adjustable_quantity][maximum]=10",
            "line_items[0][tax_rates][0]=txr_1",
            "line_items[0][metadata][sku]=A-1",
            "line_items[1][price]=price_metered",
            "currency=usd",
            "allowed_payment_method_types[0]=card",
            "allowed_payment_method_types[1]=link",
            "automatic_tax[enabled]=true",
            "automatic_tax[liability][type]=account",
            "automatic_tax[liability][account]=acct_1",
            "billing_address_collection=required",
            "shipping_address_collection[allowed_countries][0]=US",
            "shipping_address_collection[allowed_countries][1]=DE",
            "shipping_options[0][shipping_rate]=shr_1",
            "shipping_options[1][shipping_rate_data][display_name]=Express+%26+fast",
            "shipping_options[1][shipping_rate_data][type]=fixed_amount",
            "shipping_options[1][shipping_rate_data][fixed_amount][amount]=1500",
            "shipping_options[1][shipping_rate_data][fixed_amount][currency]=usd",
            "shipping_options[1][shipping_rate_data][tax_behavior]=inclusive",
            "shipping_options[1][shipping_rate_data][tax_code]=txcd_92010001",
            "shipping_options[1][shipping_rate_data][delivery_estimate][minimum][unit]=business_day",
            "shipping_options[1][shipping_rate_data][delivery_estimate][minimum][value]=1",
            "phone_number_collection[enabled]=true",
            "customer_creation=always",
            "customer_update[address]=auto",
            "tax_id_collection[enabled]=true",
            "tax_id_collection[required]=if_supported",
            "discounts[0][promotion_code]=promo_1",
            "submit_type=donate",
            "payment_intent_data[description]=Order+42",
            "payment_intent_data[metadata][order]=42",
            "payment_intent_data[receipt_email]=a%40b.example",
            "payment_intent_data[setup_future_usage]=off_session",
            "payment_intent_data[statement_descriptor_suffix]=ORDER+42",
            "consent_collection[payment_method_reuse_agreement][position]=hidden",
            "consent_collection[promotions]=none",
            "consent_collection[terms_of_service]=required",
            "custom_text[submit][message]=Thanks%21",
            "saved_payment_method_options[allow_redisplay_filters][0]=always",
            "saved_payment_method_options[allow_redisplay_filters][1]=limited",
            "saved_payment_method_options[payment_method_remove]=disabled",
            "saved_payment_method_options[payment_method_save]=enabled",
        ]
        .join("&");
        assert_eq!(encode_create_params(&p), expected);

        let mut s = CreateSessionParams::new(CheckoutMode::Subscription);
        s.subscription_data = Some(SubscriptionData {
            trial_period_days: Some(14),
            description: Some("Pro".into()),
            metadata: [("plan".to_owned(), "pro".to_owned())].into(),
        });
        assert_eq!(
            encode_create_params(&s),
            "mode=subscription&subscription_data[description]=Pro&subscription_data[metadata][plan]=pro&subscription_data[trial_period_days]=14"
        );
        let mut setup = CreateSessionParams::new(CheckoutMode::Setup);
        setup.setup_intent_data = Some(SetupIntentData {
            description: Some("Card on file".into()),
            metadata: Default::default(),
        });
        setup.discounts = vec![Discount::Coupon { id: "c_1".into() }];
        assert_eq!(
            encode_create_params(&setup),
            "mode=setup&discounts[0][coupon]=c_1&setup_intent_data[description]=Card+on+file"
        );
    }

    #[test]
    fn unset_fields_are_omitted() {
        assert_eq!(
            encode_create_params(&CreateSessionParams::new(CheckoutMode::Setup)),
            "mode=setup"
        );
    }
}
