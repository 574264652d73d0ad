//! Decodes the create-session form an app sends into [`CreateSessionParams`], so policy can be
//! checked on typed values and the request re-sent through the core client. Every key the
//! library encodes is read back (backend mode at parity with direct mode); anything else is
//! `parameter_unknown`, as Stripe would say, and a few Connect fields are refused outright.

use std::collections::{BTreeMap, HashMap};

use checkout_bridge::{
    AdjustableQuantity, AllowRedisplay, AutomaticTax, BillingAddressCollection, CheckoutMode, ConsentCollection,
    CreateSessionParams, CustomText, CustomerCreation, CustomerUpdate, CustomerUpdateMode, DeliveryBound,
    DeliveryEstimate, DeliveryUnit, Discount, LineItemParams, LineItemPrice, OriginContext, PaymentIntentData,
    PromotionsConsent, Recurring, RecurringInterval, ReuseAgreementPosition, SavedPaymentMethodOptions,
    SetupFutureUsage, SetupIntentData, ShippingAddressCollection, ShippingOption, SubmitType, SubscriptionData,
    TaxBehavior, TaxIdCollection, TaxIdRequirement, TermsOfServiceConsent,
};

use crate::base::refusal::Refusal;

/// Splits `a[b][c]` into `["a", "b", "c"]`; `None` for malformed brackets.
fn segments(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    let mut out = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        out.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    Some(out)
}

#[derive(Default)]
struct Item {
    price: Option<String>,
    quantity: Option<i64>,
    currency: Option<String>,
    unit_amount: Option<i64>,
    unit_amount_decimal: Option<String>,
    product: Option<String>,
    name: Option<String>,
    description: Option<String>,
    images: BTreeMap<usize, String>,
    interval: Option<String>,
    interval_count: Option<i64>,
    tax_behavior: Option<String>,
    adjustable: Option<bool>,
    adjustable_min: Option<i64>,
    adjustable_max: Option<i64>,
    tax_rates: BTreeMap<usize, String>,
    metadata: HashMap<String, String>,
}

#[derive(Default)]
struct Rate {
    id: Option<String>,
    display_name: Option<String>,
    kind: Option<String>,
    amount: Option<i64>,
    currency: Option<String>,
    tax_behavior: Option<String>,
    tax_code: Option<String>,
    bounds: [(Option<String>, Option<i64>); 2],
}

#[derive(Default)]
struct Parts {
    mode: Option<CheckoutMode>,
    items: BTreeMap<usize, Item>,
    pm_types: BTreeMap<usize, String>,
    allowed_pm: BTreeMap<usize, String>,
    excluded_pm: BTreeMap<usize, String>,
    tax_enabled: Option<bool>,
    liability_type: Option<String>,
    liability_account: Option<String>,
    countries: BTreeMap<usize, String>,
    rates: BTreeMap<usize, Rate>,
    tax_id_enabled: Option<bool>,
    tax_id_required: Option<String>,
    discounts: BTreeMap<usize, (Option<String>, Option<String>)>,
    redisplay: BTreeMap<usize, String>,
}

fn unknown(key: &str) -> Refusal {
    Refusal::invalid(
        format!("Received unknown parameter: {key}"),
        Some(key),
        Some("parameter_unknown"),
    )
}

fn missing(field: &str) -> Refusal {
    Refusal::invalid(
        format!("Missing required param: {field}."),
        Some(field),
        Some("parameter_missing"),
    )
}

fn int<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, Refusal> {
    v.parse().map_err(|_| {
        Refusal::invalid(
            format!("Invalid integer: {v}"),
            Some(key),
            Some("parameter_invalid_integer"),
        )
    })
}

/// `true`/`false`, as the library writes booleans.
fn boolean(key: &str, v: &str) -> Result<bool, Refusal> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Refusal::invalid(
            format!("Invalid boolean: {v}"),
            Some(key),
            Some("parameter_invalid_boolean"),
        )),
    }
}

/// `enabled`/`disabled` (`saved_payment_method_options[payment_method_save|remove]`).
fn enabled(key: &str, v: &str) -> Result<bool, Refusal> {
    match v {
        "enabled" => Ok(true),
        "disabled" => Ok(false),
        _ => Err(Refusal::invalid(
            format!("Invalid {key}: must be one of enabled, disabled"),
            Some(key),
            Some("parameter_invalid_string"),
        )),
    }
}

fn index(key: &str, v: &str) -> Result<usize, Refusal> {
    let i: usize = int(key, v)?;
    if i >= 1000 {
        return Err(Refusal::invalid("Array index too large", Some(key), None));
    }
    Ok(i)
}

/// Parameters Stripe has but an app may never send through this server, whatever the
/// policy: they move money to other accounts (Connect) or act for another account, so only
/// the merchant's own backend may set them. Refused with 403 rather than "unknown", so the
/// developer learns why.
fn never_from_an_app(key: &str) -> Option<Refusal> {
    let segs = segments(key)?;
    let forbidden = matches!(
        segs.as_slice(),
        [
            "payment_intent_data",
            "application_fee_amount" | "transfer_data" | "on_behalf_of" | "transfer_group",
            ..
        ] | [
            "subscription_data",
            "application_fee_percent" | "transfer_data" | "on_behalf_of",
            ..
        ]
    );
    forbidden.then(|| {
        Refusal::policy(format!("{key} can never be set by an app: it moves funds or acts for another account (server rule, not configurable)."), key)
    })
}

/// Parses a form body into create params (and the `Idempotency-Key` is added by the caller).
///
/// It reads every key [`checkout_bridge::encode_create_params`] writes, so backend mode
/// accepts what direct mode sends (`server/tests/parity.rs` proves it key by key); any other
/// key is `parameter_unknown`.
pub fn parse_create_form(body: &[u8]) -> Result<CreateSessionParams, Refusal> {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    let mut parts = Parts::default();
    for (k, v) in form_urlencoded::parse(body) {
        let (key, v) = (k.as_ref(), v.into_owned());
        if let Some(refusal) = never_from_an_app(key) {
            return Err(refusal);
        }
        let segs =
            segments(key).ok_or_else(|| Refusal::invalid(format!("Invalid parameter name: {key}"), Some(key), None))?;
        field(&mut p, &mut parts, key, &segs, v)?;
    }
    assemble(p, parts)
}

/// One `key=value` of the form.
fn field(p: &mut CreateSessionParams, parts: &mut Parts, key: &str, segs: &[&str], v: String) -> Result<(), Refusal> {
    match segs {
        ["mode"] => parts.mode = Some(CheckoutMode::from_wire(&v)),
        ["success_url"] => p.success_url = Some(v),
        ["cancel_url"] => p.cancel_url = Some(v),
        ["customer_email"] => p.customer_email = Some(v),
        ["customer"] => p.customer = Some(v),
        ["client_reference_id"] => p.client_reference_id = Some(v),
        ["locale"] => p.locale = Some(v),
        ["currency"] => p.currency = Some(v),
        ["expires_at"] => p.expires_at = Some(int(key, &v)?),
        ["allow_promotion_codes"] => p.allow_promotion_codes = Some(boolean(key, &v)?),
        ["origin_context"] => p.origin_context = Some(OriginContext::from_wire(&v)),
        ["metadata", k] => {
            p.metadata.insert((*k).to_owned(), v);
        }
        ["payment_method_types", i] => {
            parts.pm_types.insert(index(key, i)?, v);
        }
        ["allowed_payment_method_types", i] => {
            parts.allowed_pm.insert(index(key, i)?, v);
        }
        ["excluded_payment_method_types", i] => {
            parts.excluded_pm.insert(index(key, i)?, v);
        }
        ["automatic_tax", "enabled"] => parts.tax_enabled = Some(boolean(key, &v)?),
        ["automatic_tax", "liability", "type"] => parts.liability_type = Some(v),
        ["automatic_tax", "liability", "account"] => parts.liability_account = Some(v),
        ["billing_address_collection"] => {
            p.billing_address_collection = Some(BillingAddressCollection::from_wire(&v));
        }
        ["shipping_address_collection", "allowed_countries", i] => {
            parts.countries.insert(index(key, i)?, v);
        }
        ["shipping_options", i, rest @ ..] => rate(parts.rates.entry(index(key, i)?).or_default(), key, rest, v)?,
        ["phone_number_collection", "enabled"] => p.phone_number_collection = Some(boolean(key, &v)?),
        ["customer_creation"] => p.customer_creation = Some(CustomerCreation::from_wire(&v)),
        ["customer_update", what] => {
            let u = p.customer_update.get_or_insert_with(CustomerUpdate::default);
            let mode = Some(CustomerUpdateMode::from_wire(&v));
            match *what {
                "address" => u.address = mode,
                "name" => u.name = mode,
                "shipping" => u.shipping = mode,
                _ => return Err(unknown(key)),
            }
        }
        ["tax_id_collection", "enabled"] => parts.tax_id_enabled = Some(boolean(key, &v)?),
        ["tax_id_collection", "required"] => parts.tax_id_required = Some(v),
        ["discounts", i, kind] => {
            let d = parts.discounts.entry(index(key, i)?).or_default();
            match *kind {
                "coupon" => d.0 = Some(v),
                "promotion_code" => d.1 = Some(v),
                _ => return Err(unknown(key)),
            }
        }
        ["submit_type"] => p.submit_type = Some(SubmitType::from_wire(&v)),
        ["subscription_data", rest @ ..] => {
            let s = p.subscription_data.get_or_insert_with(SubscriptionData::default);
            match rest {
                ["trial_period_days"] => s.trial_period_days = Some(int(key, &v)?),
                ["description"] => s.description = Some(v),
                ["metadata", k] => {
                    s.metadata.insert((*k).to_owned(), v);
                }
                _ => return Err(unknown(key)),
            }
        }
        ["payment_intent_data", rest @ ..] => {
            let d = p.payment_intent_data.get_or_insert_with(PaymentIntentData::default);
            match rest {
                ["setup_future_usage"] => d.setup_future_usage = Some(SetupFutureUsage::from_wire(&v)),
                ["description"] => d.description = Some(v),
                ["receipt_email"] => d.receipt_email = Some(v),
                ["statement_descriptor_suffix"] => d.statement_descriptor_suffix = Some(v),
                ["metadata", k] => {
                    d.metadata.insert((*k).to_owned(), v);
                }
                _ => return Err(unknown(key)),
            }
        }
        ["setup_intent_data", rest @ ..] => {
            let d = p.setup_intent_data.get_or_insert_with(SetupIntentData::default);
            match rest {
                ["description"] => d.description = Some(v),
                ["metadata", k] => {
                    d.metadata.insert((*k).to_owned(), v);
                }
                _ => return Err(unknown(key)),
            }
        }
        ["consent_collection", rest @ ..] => {
            let c = p.consent_collection.get_or_insert_with(ConsentCollection::default);
            match rest {
                ["promotions"] => c.promotions = Some(PromotionsConsent::from_wire(&v)),
                ["terms_of_service"] => c.terms_of_service = Some(TermsOfServiceConsent::from_wire(&v)),
                ["payment_method_reuse_agreement", "position"] => {
                    c.payment_method_reuse_agreement = Some(ReuseAgreementPosition::from_wire(&v));
                }
                _ => return Err(unknown(key)),
            }
        }
        ["custom_text", what, "message"] => {
            let t = p.custom_text.get_or_insert_with(CustomText::default);
            let slot = match *what {
                "after_submit" => &mut t.after_submit,
                "shipping_address" => &mut t.shipping_address,
                "submit" => &mut t.submit,
                "terms_of_service_acceptance" => &mut t.terms_of_service_acceptance,
                _ => return Err(unknown(key)),
            };
            *slot = Some(v);
        }
        ["saved_payment_method_options", rest @ ..] => {
            let s = p
                .saved_payment_method_options
                .get_or_insert_with(SavedPaymentMethodOptions::default);
            match rest {
                ["allow_redisplay_filters", i] => {
                    parts.redisplay.insert(index(key, i)?, v);
                }
                ["payment_method_save"] => s.payment_method_save = Some(enabled(key, &v)?),
                ["payment_method_remove"] => s.payment_method_remove = Some(enabled(key, &v)?),
                _ => return Err(unknown(key)),
            }
        }
        ["line_items", i, rest @ ..] => item(parts.items.entry(index(key, i)?).or_default(), key, rest, v)?,
        _ => return Err(unknown(key)),
    }
    Ok(())
}

/// One key under `line_items[N]`.
fn item(it: &mut Item, key: &str, rest: &[&str], v: String) -> Result<(), Refusal> {
    match rest {
        ["price"] => it.price = Some(v),
        ["quantity"] => it.quantity = Some(int(key, &v)?),
        ["price_data", "currency"] => it.currency = Some(v),
        ["price_data", "unit_amount"] => it.unit_amount = Some(int(key, &v)?),
        ["price_data", "unit_amount_decimal"] => it.unit_amount_decimal = Some(v),
        ["price_data", "product"] => it.product = Some(v),
        ["price_data", "tax_behavior"] => it.tax_behavior = Some(v),
        ["price_data", "product_data", "name"] => it.name = Some(v),
        ["price_data", "product_data", "description"] => it.description = Some(v),
        ["price_data", "product_data", "images", j] => {
            it.images.insert(index(key, j)?, v);
        }
        ["price_data", "recurring", "interval"] => it.interval = Some(v),
        ["price_data", "recurring", "interval_count"] => it.interval_count = Some(int(key, &v)?),
        ["adjustable_quantity", "enabled"] => it.adjustable = Some(boolean(key, &v)?),
        ["adjustable_quantity", "minimum"] => it.adjustable_min = Some(int(key, &v)?),
        ["adjustable_quantity", "maximum"] => it.adjustable_max = Some(int(key, &v)?),
        ["tax_rates", j] => {
            it.tax_rates.insert(index(key, j)?, v);
        }
        ["metadata", k] => {
            it.metadata.insert((*k).to_owned(), v);
        }
        _ => return Err(unknown(key)),
    }
    Ok(())
}

/// One key under `shipping_options[N]`.
fn rate(r: &mut Rate, key: &str, rest: &[&str], v: String) -> Result<(), Refusal> {
    match rest {
        ["shipping_rate"] => r.id = Some(v),
        ["shipping_rate_data", "display_name"] => r.display_name = Some(v),
        ["shipping_rate_data", "type"] => r.kind = Some(v),
        ["shipping_rate_data", "fixed_amount", "amount"] => r.amount = Some(int(key, &v)?),
        ["shipping_rate_data", "fixed_amount", "currency"] => r.currency = Some(v),
        ["shipping_rate_data", "tax_behavior"] => r.tax_behavior = Some(v),
        ["shipping_rate_data", "tax_code"] => r.tax_code = Some(v),
        ["shipping_rate_data", "delivery_estimate", end, leaf] => {
            let b = match *end {
                "minimum" => &mut r.bounds[0],
                "maximum" => &mut r.bounds[1],
                _ => return Err(unknown(key)),
            };
            match *leaf {
                "unit" => b.0 = Some(v),
                "value" => b.1 = Some(int(key, &v)?),
                _ => return Err(unknown(key)),
            }
        }
        _ => return Err(unknown(key)),
    }
    Ok(())
}

/// Builds the parts that need all their keys before they exist.
fn assemble(mut p: CreateSessionParams, parts: Parts) -> Result<CreateSessionParams, Refusal> {
    p.mode = parts.mode.ok_or_else(|| missing("mode"))?;
    p.payment_method_types = parts.pm_types.into_values().collect();
    p.allowed_payment_method_types = parts.allowed_pm.into_values().collect();
    p.excluded_payment_method_types = parts.excluded_pm.into_values().collect();
    if parts.tax_enabled.is_some() || parts.liability_type.is_some() || parts.liability_account.is_some() {
        let enabled = parts.tax_enabled.ok_or_else(|| missing("automatic_tax[enabled]"))?;
        // The library writes only `type=account` with an account (Connect liability).
        let liable_account = match (parts.liability_type.as_deref(), parts.liability_account) {
            (None, None) => None,
            (Some("account"), Some(a)) => Some(a),
            (Some("account"), None) => return Err(missing("automatic_tax[liability][account]")),
            _ => {
                return Err(Refusal::invalid(
                    "automatic_tax[liability] must be type=account with an account.",
                    Some("automatic_tax[liability][type]"),
                    Some("parameter_invalid_string"),
                ))
            }
        };
        p.automatic_tax = Some(AutomaticTax {
            enabled,
            liable_account,
        });
    }
    if !parts.countries.is_empty() {
        p.shipping_address_collection = Some(ShippingAddressCollection {
            allowed_countries: parts.countries.into_values().collect(),
        });
    }
    for (i, r) in parts.rates {
        p.shipping_options.push(shipping_option(i, r)?);
    }
    if parts.tax_id_enabled.is_some() || parts.tax_id_required.is_some() {
        p.tax_id_collection = Some(TaxIdCollection {
            enabled: parts
                .tax_id_enabled
                .ok_or_else(|| missing("tax_id_collection[enabled]"))?,
            required: parts.tax_id_required.as_deref().map(TaxIdRequirement::from_wire),
        });
    }
    for (i, d) in parts.discounts {
        p.discounts.push(match d {
            (Some(id), None) => Discount::Coupon { id },
            (None, Some(id)) => Discount::PromotionCode { id },
            _ => {
                let f = format!("discounts[{i}]");
                return Err(Refusal::invalid(
                    "Each discount needs exactly one of coupon or promotion_code.",
                    Some(&f),
                    None,
                ));
            }
        });
    }
    if let Some(s) = &mut p.saved_payment_method_options {
        s.allow_redisplay_filters = parts.redisplay.values().map(|v| AllowRedisplay::from_wire(v)).collect();
    }
    for (i, it) in parts.items {
        p.line_items.push(line_item(i, it)?);
    }
    Ok(p)
}

fn line_item(i: usize, it: Item) -> Result<LineItemParams, Refusal> {
    let price = match (it.price, it.currency) {
        (Some(id), None) => LineItemPrice::Price { id },
        (None, Some(currency)) => LineItemPrice::Inline {
            currency,
            // Which of unit_amount / unit_amount_decimal and product_name / product must be
            // set is the library's rule (`validate_create_params`), checked when it forwards.
            unit_amount: it.unit_amount,
            product_name: it.name,
            description: it.description,
            images: it.images.into_values().collect(),
            recurring: match it.interval {
                Some(iv) => Some(Recurring {
                    interval: RecurringInterval::from_wire(&iv),
                    interval_count: it.interval_count,
                }),
                None if it.interval_count.is_some() => {
                    return Err(missing(&format!("line_items[{i}][price_data][recurring][interval]")))
                }
                None => None,
            },
            unit_amount_decimal: it.unit_amount_decimal,
            product: it.product,
            tax_behavior: it.tax_behavior.as_deref().map(TaxBehavior::from_wire),
        },
        _ => {
            let f = format!("line_items[{i}]");
            return Err(Refusal::invalid(
                "Each line item needs exactly one of price or price_data.",
                Some(&f),
                None,
            ));
        }
    };
    let adjustable_quantity = match it.adjustable {
        Some(enabled) => Some(AdjustableQuantity {
            enabled,
            minimum: it.adjustable_min,
            maximum: it.adjustable_max,
        }),
        None if it.adjustable_min.is_some() || it.adjustable_max.is_some() => {
            return Err(missing(&format!("line_items[{i}][adjustable_quantity][enabled]")))
        }
        None => None,
    };
    Ok(LineItemParams {
        price,
        // `None` only for a metered Price; the library decides whether that is allowed.
        quantity: it.quantity,
        adjustable_quantity,
        tax_rates: it.tax_rates.into_values().collect(),
        metadata: it.metadata,
    })
}

fn shipping_option(i: usize, r: Rate) -> Result<ShippingOption, Refusal> {
    let field = |k: &str| format!("shipping_options[{i}][shipping_rate_data]{k}");
    if let Some(id) = r.id {
        if r.display_name.is_some() || r.amount.is_some() || r.currency.is_some() {
            let f = format!("shipping_options[{i}]");
            return Err(Refusal::invalid(
                "Each shipping option needs exactly one of shipping_rate or shipping_rate_data.",
                Some(&f),
                None,
            ));
        }
        return Ok(ShippingOption::Rate { id });
    }
    if r.kind.as_deref().is_some_and(|k| k != "fixed_amount") {
        return Err(Refusal::invalid(
            "Only fixed_amount shipping rates are supported.",
            Some(&field("[type]")),
            Some("parameter_invalid_string"),
        ));
    }
    let mut bounds = r.bounds.into_iter().enumerate().map(|(n, (unit, value))| {
        let end = if n == 0 { "minimum" } else { "maximum" };
        match (unit, value) {
            (None, None) => Ok(None),
            (Some(u), Some(value)) => Ok(Some(DeliveryBound {
                unit: DeliveryUnit::from_wire(&u),
                value,
            })),
            (None, _) => Err(missing(&field(&format!("[delivery_estimate][{end}][unit]")))),
            (_, None) => Err(missing(&field(&format!("[delivery_estimate][{end}][value]")))),
        }
    });
    let minimum = bounds.next().transpose()?.flatten();
    let maximum = bounds.next().transpose()?.flatten();
    Ok(ShippingOption::Inline {
        display_name: r.display_name.ok_or_else(|| missing(&field("[display_name]")))?,
        amount: r.amount.ok_or_else(|| missing(&field("[fixed_amount][amount]")))?,
        currency: r.currency.ok_or_else(|| missing(&field("[fixed_amount][currency]")))?,
        tax_behavior: r.tax_behavior.as_deref().map(TaxBehavior::from_wire),
        tax_code: r.tax_code,
        delivery_estimate: (minimum.is_some() || maximum.is_some()).then_some(DeliveryEstimate { minimum, maximum }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_the_client_encodes() {
        let mut p = CreateSessionParams::new(CheckoutMode::Subscription);
        p.line_items
            .push(LineItemParams::new(LineItemPrice::Price { id: "price_1".into() }, 2));
        let mut plan = LineItemPrice::inline("eur", 900, "Plan & more");
        if let LineItemPrice::Inline {
            description,
            images,
            recurring,
            ..
        } = &mut plan
        {
            *description = Some("d".into());
            *images = vec!["https://i.example/a.png".into()];
            *recurring = Some(Recurring {
                interval: RecurringInterval::Month,
                interval_count: Some(3),
            });
        }
        p.line_items.push(LineItemParams::new(plan, 1));
        p.success_url = Some("myapp://c/success?session_id={CHECKOUT_SESSION_ID}&state=x".into());
        p.metadata.insert("a b".into(), "c=d".into());
        p.allow_promotion_codes = Some(true);
        p.origin_context = Some(OriginContext::MobileApp);
        p.payment_method_types = vec!["card".into(), "link".into()];
        p.expires_at = Some(1_800_000_000);
        let body = checkout_bridge::encode_create_params(&p);
        assert_eq!(parse_create_form(body.as_bytes()).expect("parses"), p);
    }

    #[test]
    fn connect_fields_are_forbidden_not_unknown() {
        for key in [
            "payment_intent_data[application_fee_amount]",
            "payment_intent_data[transfer_data][destination]",
            "payment_intent_data[on_behalf_of]",
            "subscription_data[transfer_data][amount_percent]",
        ] {
            let e = parse_create_form(format!("mode=payment&{key}=1").as_bytes()).err();
            assert!(
                matches!(&e, Some(Refusal::Policy { param, .. }) if param == key),
                "{key}: {e:?}"
            );
        }
    }

    #[test]
    fn unknown_and_malformed_keys_are_refused() {
        for body in [
            "mode=payment&foo=1",
            "mode=payment&line_items[0][price_data][recurring][usage_type]=x",
            "mode=payment&line_items[0=x",
            "line_items[0][price]=p",
            // Shapes an attacker writes by hand: both or neither of a pair, a sub-key without
            // its object's required field, values the library never writes.
            "mode=payment&shipping_options[0][shipping_rate]=shr_1&shipping_options[0][shipping_rate_data][display_name]=x",
            "mode=payment&shipping_options[0][shipping_rate_data][display_name]=x&shipping_options[0][shipping_rate_data][fixed_amount][amount]=1",
            "mode=payment&shipping_options[0][shipping_rate_data][type]=delivery_estimate",
            "mode=payment&shipping_options[0][shipping_rate_data][delivery_estimate][minimum][value]=1",
            "mode=payment&automatic_tax[liability][type]=self",
            "mode=payment&automatic_tax[liability][type]=account&automatic_tax[enabled]=true",
            "mode=payment&automatic_tax[liability][account]=acct_1",
            "mode=payment&discounts[0][coupon]=a&discounts[0][promotion_code]=b",
            "mode=payment&discounts[0][amount]=100",
            "mode=payment&saved_payment_method_options[payment_method_save]=yes",
            "mode=payment&line_items[0][price]=p&line_items[0][adjustable_quantity][maximum]=5",
            "mode=payment&line_items[0][price]=p&line_items[0][price_data][currency]=usd",
            "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][recurring][interval_count]=2",
            "mode=payment&tax_id_collection[required]=never",
            "mode=payment&phone_number_collection[enabled]=maybe",
            "mode=payment&allow_promotion_codes=1",
            "mode=payment&expires_at=99999999999999999999",
            "mode=payment&metadata[a][b]=c",
            "mode=payment&custom_text[footer][message]=x",
            "mode=payment&customer_update[email]=auto",
            "mode=payment&allowed_payment_method_types[1000]=card",
        ] {
            assert!(parse_create_form(body.as_bytes()).is_err(), "{body}");
        }
    }
}
