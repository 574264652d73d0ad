//! The create parameters a mobile checkout uses, against the emulator: each of Stripe's limits
//! refused on the device with a typed `InvalidInput` naming Stripe's bracketed parameter before
//! anything is sent (and refused by the emulator too when the same body is sent anyway), what
//! Stripe accepts accepted, and the API-version rules (endive's `payment_method_types`).

mod common;

use std::collections::HashMap;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use common::scenarios::*;
use common::*;

/// Changes the first line item's inline price.
fn price(p: &mut CreateSessionParams, f: impl FnOnce(&mut LineItemPrice)) {
    f(&mut p.line_items[0].price)
}

fn inline_shipping(currency: &str) -> ShippingOption {
    ShippingOption::Inline {
        display_name: "Standard".into(),
        amount: 500,
        currency: currency.into(),
        tax_behavior: None,
        tax_code: None,
        delivery_estimate: None,
    }
}

/// What the emulator (standing in for Stripe) answers to `body` sent as the library would send
/// it at the pinned version: (status, `error.param`, `error.code`).
async fn emulator_answer(emu: &Emulator, body: &str) -> (u16, Option<String>, Option<String>) {
    let resp = browser()
        .post(format!("{}/v1/checkout/sessions", emu.base_url()))
        .header("authorization", format!("Bearer {TEST_KEY}"))
        .header("stripe-version", PINNED_STRIPE_VERSION)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("emulator answers");
    let status = resp.status().as_u16();
    let v: serde_json::Value = serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
    let s = |k: &str| v["error"][k].as_str().map(str::to_owned);
    (status, s("param"), s("code"))
}

/// Every limit the library enforces, as (Stripe's parameter, the params that break it).
fn refused() -> Vec<(&'static str, Build)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    vec![
        // Locale: a closed list.
        ("locale", with(payment, |p| p.locale = Some("en-US".into()))),
        ("locale", with(payment, |p| p.locale = Some("de-DE".into()))),
        ("locale", with(payment, |p| p.locale = Some("en-gb".into()))),
        // Line items by mode.
        (
            "line_items",
            with(payment, |p| p.line_items = vec![inline_item(100, "x", 1); 101]),
        ),
        (
            "line_items",
            with(subscription, |p| {
                p.line_items = vec![recurring_item(RecurringInterval::Month, None); 21]
            }),
        ),
        (
            "line_items",
            with(subscription, |p| {
                p.line_items.extend(vec![inline_item(100, "x", 1); 21])
            }),
        ),
        (
            "line_items",
            with(setup, |p| p.line_items.push(inline_item(100, "x", 1))),
        ),
        ("line_items", with(payment, |p| p.line_items.clear())),
        // Prices.
        (
            "line_items[0][price_data][unit_amount]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline { unit_amount, .. } = pr {
                        *unit_amount = Some(-1)
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][unit_amount]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline { unit_amount, .. } = pr {
                        *unit_amount = None
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][unit_amount_decimal]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline {
                        unit_amount_decimal, ..
                    } = pr
                    {
                        *unit_amount_decimal = Some("1.5".into())
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][unit_amount_decimal]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline {
                        unit_amount,
                        unit_amount_decimal,
                        ..
                    } = pr
                    {
                        *unit_amount = None;
                        *unit_amount_decimal = Some("0.1234567890123".into());
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][unit_amount_decimal]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline {
                        unit_amount,
                        unit_amount_decimal,
                        ..
                    } = pr
                    {
                        *unit_amount = None;
                        *unit_amount_decimal = Some("-1".into());
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][product]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline { product, .. } = pr {
                        *product = Some("prod_test_usd_1000".into())
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][product_data]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline { product_name, .. } = pr {
                        *product_name = None
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][tax_behavior]",
            with(payment, |p| {
                price(p, |pr| {
                    if let LineItemPrice::Inline { tax_behavior, .. } = pr {
                        *tax_behavior = Some(TaxBehavior::Unknown {
                            value: "sometimes".into(),
                        })
                    }
                })
            }),
        ),
        (
            "line_items[0][price_data][recurring][interval_count]",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Month, Some(37))
            }),
        ),
        (
            "line_items[0][price_data][recurring][interval_count]",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Year, Some(4))
            }),
        ),
        (
            "line_items[0][price_data][recurring][interval_count]",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Week, Some(157))
            }),
        ),
        (
            "line_items[0][price_data][recurring][interval_count]",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Day, Some(1096))
            }),
        ),
        (
            "line_items[0][price_data][recurring]",
            with(payment, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Month, None)
            }),
        ),
        // Quantities.
        (
            "line_items[0][quantity]",
            with(payment, |p| p.line_items[0].quantity = None),
        ),
        (
            "line_items[0][quantity]",
            with(payment, |p| p.line_items[0].quantity = Some(0)),
        ),
        (
            "line_items[0][quantity]",
            with(payment, |p| p.line_items[0].quantity = Some(1_000_000)),
        ),
        (
            "line_items[0][adjustable_quantity][minimum]",
            with(payment, |p| {
                p.line_items[0].adjustable_quantity = Some(AdjustableQuantity {
                    enabled: true,
                    minimum: Some(5),
                    maximum: Some(4),
                })
            }),
        ),
        (
            "line_items[0][adjustable_quantity][maximum]",
            with(payment, |p| {
                p.line_items[0].adjustable_quantity = Some(AdjustableQuantity {
                    enabled: true,
                    minimum: Some(3),
                    maximum: Some(10),
                })
            }),
        ),
        (
            "line_items[0][adjustable_quantity][maximum]",
            with(payment, |p| {
                p.line_items[0].quantity = Some(150);
                p.line_items[0].adjustable_quantity = Some(AdjustableQuantity {
                    enabled: true,
                    minimum: None,
                    maximum: None,
                })
            }),
        ),
        (
            "line_items[0][adjustable_quantity][maximum]",
            with(payment, |p| {
                p.line_items[0].adjustable_quantity = Some(AdjustableQuantity {
                    enabled: true,
                    minimum: None,
                    maximum: Some(1_000_000),
                })
            }),
        ),
        (
            "line_items[0][tax_rates][0]",
            with(payment, |p| p.line_items[0].tax_rates = vec!["../v1/charges".into()]),
        ),
        (
            "line_items[0][metadata][kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk]",
            with(payment, |p| {
                p.line_items[0].metadata.insert("k".repeat(41), "v".into());
            }),
        ),
        (
            "line_items[0][metadata]",
            with(payment, |p| {
                p.line_items[0].metadata = (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect();
            }),
        ),
        // Currency.
        ("currency", with(setup, |p| p.currency = None)),
        ("currency", with(payment, |p| p.currency = Some("USD".into()))),
        ("currency", with(payment, |p| p.currency = Some("eur".into()))),
        // Payment method types (endive).
        (
            "payment_method_types",
            with(payment, |p| p.payment_method_types = vec!["card".into()]),
        ),
        (
            "excluded_payment_method_types",
            with(payment, |p| {
                p.allowed_payment_method_types = vec!["card".into()];
                p.excluded_payment_method_types = vec!["klarna".into()];
            }),
        ),
        (
            "allowed_payment_method_types[0]",
            with(payment, |p| p.allowed_payment_method_types = vec!["Card!".into()]),
        ),
        // Type names per parameter, from Stripe's spec: `link` is not excludable, a misspelt
        // name is no type.
        (
            "excluded_payment_method_types[0]",
            with(payment, |p| p.excluded_payment_method_types = vec!["link".into()]),
        ),
        (
            "allowed_payment_method_types[1]",
            with(payment, |p| {
                p.allowed_payment_method_types = vec!["card".into(), "cards".into()]
            }),
        ),
        (
            "excluded_payment_method_types[0]",
            with(payment, |p| {
                p.excluded_payment_method_types = vec!["carrier_pigeon".into()]
            }),
        ),
        // Collection.
        (
            "shipping_address_collection[allowed_countries]",
            with(payment, |p| {
                p.shipping_address_collection = Some(ShippingAddressCollection {
                    allowed_countries: vec![],
                })
            }),
        ),
        (
            "shipping_address_collection[allowed_countries][1]",
            with(payment, |p| {
                p.shipping_address_collection = Some(ShippingAddressCollection {
                    allowed_countries: vec!["US".into(), "us".into()],
                })
            }),
        ),
        (
            "shipping_address_collection[allowed_countries][0]",
            with(payment, |p| {
                p.shipping_address_collection = Some(ShippingAddressCollection {
                    allowed_countries: vec!["AS".into()],
                })
            }),
        ),
        (
            "billing_address_collection",
            with(payment, |p| {
                p.billing_address_collection = Some(BillingAddressCollection::Unknown { value: "never".into() })
            }),
        ),
        (
            "phone_number_collection",
            with(setup, |p| p.phone_number_collection = Some(true)),
        ),
        (
            "customer_creation",
            with(subscription, |p| p.customer_creation = Some(CustomerCreation::Always)),
        ),
        (
            "customer_update",
            with(payment, |p| {
                p.customer_update = Some(CustomerUpdate {
                    name: Some(CustomerUpdateMode::Auto),
                    ..Default::default()
                })
            }),
        ),
        (
            "tax_id_collection[required]",
            with(payment, |p| {
                p.tax_id_collection = Some(TaxIdCollection {
                    enabled: true,
                    required: Some(TaxIdRequirement::Unknown { value: "always".into() }),
                })
            }),
        ),
        // Shipping options.
        (
            "shipping_options",
            with(payment, |p| p.shipping_options = vec![inline_shipping("usd"); 6]),
        ),
        (
            "shipping_options[0][shipping_rate_data][display_name]",
            with(payment, |p| {
                p.shipping_options = vec![ShippingOption::Inline {
                    display_name: "x".repeat(101),
                    amount: 500,
                    currency: "usd".into(),
                    tax_behavior: None,
                    tax_code: None,
                    delivery_estimate: None,
                }]
            }),
        ),
        (
            "shipping_options[0][shipping_rate_data][fixed_amount][amount]",
            with(payment, |p| {
                p.shipping_options = vec![ShippingOption::Inline {
                    display_name: "Standard".into(),
                    amount: -1,
                    currency: "usd".into(),
                    tax_behavior: None,
                    tax_code: None,
                    delivery_estimate: None,
                }]
            }),
        ),
        (
            "shipping_options[0][shipping_rate_data][delivery_estimate][maximum][value]",
            with(payment, |p| {
                p.shipping_options = vec![ShippingOption::Inline {
                    display_name: "Standard".into(),
                    amount: 500,
                    currency: "usd".into(),
                    tax_behavior: None,
                    tax_code: None,
                    delivery_estimate: Some(DeliveryEstimate {
                        minimum: None,
                        maximum: Some(DeliveryBound {
                            unit: DeliveryUnit::Day,
                            value: 0,
                        }),
                    }),
                }]
            }),
        ),
        // Discounts.
        (
            "discounts",
            with(payment, |p| {
                p.discounts = vec![
                    Discount::Coupon {
                        id: "coupon_test_10_percent".into(),
                    },
                    Discount::Coupon {
                        id: "coupon_test_5_usd".into(),
                    },
                ]
            }),
        ),
        (
            "discounts",
            with(payment, |p| {
                p.allow_promotion_codes = Some(true);
                p.discounts = vec![Discount::PromotionCode {
                    id: "promo_test_save10".into(),
                }];
            }),
        ),
        // Page.
        ("submit_type", with(setup, |p| p.submit_type = Some(SubmitType::Pay))),
        (
            "submit_type",
            with(payment, |p| {
                p.submit_type = Some(SubmitType::Unknown { value: "buy".into() })
            }),
        ),
        (
            "custom_text[submit][message]",
            with(payment, |p| {
                p.custom_text = Some(CustomText {
                    submit: Some("x".repeat(1201)),
                    ..Default::default()
                })
            }),
        ),
        (
            "consent_collection[promotions]",
            with(payment, |p| {
                p.consent_collection = Some(ConsentCollection {
                    promotions: Some(PromotionsConsent::Unknown { value: "always".into() }),
                    ..Default::default()
                })
            }),
        ),
        (
            "saved_payment_method_options",
            with(setup, |p| {
                p.saved_payment_method_options = Some(SavedPaymentMethodOptions {
                    payment_method_save: Some(true),
                    ..Default::default()
                })
            }),
        ),
        // Intent data, each in its mode.
        (
            "subscription_data",
            with(payment, |p| {
                p.subscription_data = Some(SubscriptionData {
                    trial_period_days: Some(7),
                    ..Default::default()
                })
            }),
        ),
        (
            "subscription_data[trial_period_days]",
            with(subscription, |p| {
                p.subscription_data = Some(SubscriptionData {
                    trial_period_days: Some(0),
                    ..Default::default()
                })
            }),
        ),
        (
            "subscription_data[trial_period_days]",
            with(subscription, |p| {
                p.subscription_data = Some(SubscriptionData {
                    trial_period_days: Some(731),
                    ..Default::default()
                })
            }),
        ),
        (
            "subscription_data[description]",
            with(subscription, |p| {
                p.subscription_data = Some(SubscriptionData {
                    description: Some("x".repeat(501)),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data",
            with(subscription, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    description: Some("Order 42".into()),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[receipt_email]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    receipt_email: Some("not an email".into()),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[description]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    description: Some("x".repeat(1001)),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[statement_descriptor_suffix]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    statement_descriptor_suffix: Some("ORDER*42".into()),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[statement_descriptor_suffix]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    statement_descriptor_suffix: Some("12345".into()),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[statement_descriptor_suffix]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    statement_descriptor_suffix: Some("A".repeat(23)),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[setup_future_usage]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    setup_future_usage: Some(SetupFutureUsage::Unknown {
                        value: "forever".into(),
                    }),
                    ..Default::default()
                })
            }),
        ),
        (
            "payment_intent_data[metadata]",
            with(payment, |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    metadata: (0..51)
                        .map(|i| (format!("k{i}"), "v".to_owned()))
                        .collect::<HashMap<_, _>>(),
                    ..Default::default()
                })
            }),
        ),
        (
            "setup_intent_data",
            with(payment, |p| {
                p.setup_intent_data = Some(SetupIntentData {
                    description: Some("Card on file".into()),
                    ..Default::default()
                })
            }),
        ),
        (
            "setup_intent_data[description]",
            with(setup, |p| {
                p.setup_intent_data = Some(SetupIntentData {
                    description: Some("x".repeat(1001)),
                    ..Default::default()
                })
            }),
        ),
        // Expiry: far outside the window on any clock.
        ("expires_at", {
            let t = now + 10 * 60;
            with(payment, move |p| p.expires_at = Some(t))
        }),
        ("expires_at", {
            let t = now + 25 * 3600;
            with(payment, move |p| p.expires_at = Some(t))
        }),
        ("expires_at", {
            let t = (now + 3600) * 1000;
            with(payment, move |p| p.expires_at = Some(t))
        }),
    ]
}

/// Cases only the library can refuse: an empty country list encodes to nothing at all, so the
/// app's "collect an address for no country" would silently become "collect no address".
const LIBRARY_ONLY: &[&str] = &["shipping_address_collection[allowed_countries]"];

/// Where Stripe documents the rule but not the parameter its error names, and the emulator
/// chose another name than the library: (library's name, emulator's name).
const PARAM_DIFFERS: &[(&str, &str)] = &[
    // A recurring inline price in payment mode: the emulator names the line's price (its
    // error comes from the executing endpoint), the library the field that makes it recurring.
    ("line_items[0][price_data][recurring]", "line_items[0][price]"),
];

#[tokio::test]
async fn every_limit_is_refused_on_the_device_with_stripes_parameter_and_by_the_emulator_too() {
    let emu = emulator().await;
    let c = client(&emu);
    let mut disagreements = Vec::new();
    for (want, build) in refused() {
        let p = build();
        match c.create_session(p.clone()).await {
            Err(CheckoutError::InvalidInput { field, reason }) => {
                assert_eq!(field, want, "{reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{want}: expected InvalidInput, got {other:?}"),
        }
        assert!(emu.requests().is_empty(), "{want}: nothing is sent");
        // The same body sent anyway: Stripe's stand-in refuses it too, naming the parameter.
        let (status, param, _) = emulator_answer(&emu, &encode_create_params(&p)).await;
        emu.clear_requests();
        if LIBRARY_ONLY.contains(&want) {
            continue;
        }
        let named = PARAM_DIFFERS
            .iter()
            .find(|(lib, _)| *lib == want)
            .map_or(want, |(_, emu)| *emu);
        if status != 400 || param.as_deref() != Some(named) {
            disagreements.push(format!("{want}: the emulator answers {status} naming {param:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[tokio::test]
async fn what_stripe_accepts_is_sent_and_created() {
    let emu = emulator().await;
    let c = client(&emu);
    for (name, build) in accepted() {
        let s = c
            .create_session(build())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.status, Some(SessionStatus::Open), "{name}");
    }
}

/// Every parameter of a payment-mode session at once: encoded as Stripe expects it (the
/// emulator parses it independently), created, and reflected on the session.
#[tokio::test]
async fn a_payment_session_with_every_mobile_parameter_is_created_and_reflected() {
    let emu = emulator().await;
    let c = client(&emu);
    let p = kitchen_sink_params();
    let s = c.create_session(p).await.expect("created");
    assert_eq!(s.allowed_payment_method_types, Some(vec!["card".into(), "link".into()]));
    assert_eq!(s.payment_method_types, vec!["card".to_owned(), "link".to_owned()]);
    assert_eq!(s.discounts.len(), 1);
    assert_eq!(s.discounts[0].promotion_code.as_deref(), Some("promo_test_save10"));
    assert_eq!(
        s.shipping_cost.as_ref().and_then(|c| c.shipping_rate.as_deref()),
        Some("shr_test_standard")
    );
    assert_eq!(s.automatic_tax.as_ref().map(|t| t.enabled), Some(true));
    let receipt = s.receipt().expect("amounts");
    // 2 × 12.50 + 10.00 (20 % VAT on top), 10 % off the items, standard shipping 5.00.
    assert_eq!((receipt.subtotal, receipt.discount, receipt.shipping), (3500, 350, 500));
    let json = emu.session_json(&s.id).expect("json");
    assert_eq!(json["submit_type"], "pay");
    assert_eq!(json["custom_text"]["submit"]["message"], "We ship within a day.");
    assert_eq!(json["tax_id_collection"]["required"], "if_supported");
    assert_eq!(json["phone_number_collection"]["enabled"], true);
    assert_eq!(json["shipping_options"].as_array().map(Vec::len), Some(3));
    let items = c.list_line_items(s.id).await.expect("items");
    assert_eq!(items[1].amount_tax, 180, "20 % VAT on the discounted 9.00");
}

#[tokio::test]
async fn the_library_leaves_to_stripe_what_only_stripe_knows() {
    let emu = emulator().await;
    let c = client(&emu);
    // A Price ID may be metered: the library cannot know, so a quantity goes out and Stripe
    // refuses it ("Quantity should not be defined when recurring.usage_type=metered").
    let mut metered = subscription();
    metered.line_items = vec![LineItemParams::new(
        LineItemPrice::Price {
            id: "price_test_usd_metered".into(),
        },
        1,
    )];
    match c.create_session(metered).await {
        Err(CheckoutError::Api { details }) => {
            assert_eq!(details.param.as_deref(), Some("line_items[0][quantity]"))
        }
        other => panic!("expected Stripe's 400, got {other:?}"),
    }
    // Minimum charge amounts depend on discounts, tax, shipping and the account's settlement
    // currency (docs.stripe.com/currencies): Stripe's `amount_too_small`, not a local rule.
    let mut small = payment();
    small.line_items = vec![inline_item(10, "Sticker", 1)];
    match c.create_session(small).await {
        Err(CheckoutError::Api { details }) => assert_eq!(details.code.as_deref(), Some("amount_too_small")),
        other => panic!("expected Stripe's amount_too_small, got {other:?}"),
    }
    assert_eq!(emu.requests().len(), 2, "both were sent");
}

#[tokio::test]
async fn expires_at_near_the_edges_is_left_to_stripes_clock() {
    let emu = emulator().await;
    let c = client(&emu);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    // A minute short of the 30 minutes on this clock: a device clock a minute behind Stripe's
    // would compute exactly this for "in 30 minutes", so it is sent, and Stripe (here the
    // emulator, on this machine's clock) judges it.
    let mut early = payment();
    early.expires_at = Some(now + MIN_EXPIRY_SECS - 60);
    match c.create_session(early).await {
        Err(CheckoutError::Api { details }) => assert_eq!(details.param.as_deref(), Some("expires_at")),
        other => panic!("expected Stripe's 400, got {other:?}"),
    }
    let mut late = payment();
    late.expires_at = Some(now + MAX_EXPIRY_SECS + 60);
    assert!(matches!(c.create_session(late).await, Err(CheckoutError::Api { .. })));
    assert_eq!(emu.requests().len(), 2, "both were sent");
    // Beyond the 5-minute allowance the device refuses it itself.
    let mut far = payment();
    far.expires_at = Some(now + MIN_EXPIRY_SECS - CLOCK_SKEW_MARGIN_SECS - 60);
    assert!(matches!(
        c.create_session(far).await,
        Err(CheckoutError::InvalidInput { ref field, .. }) if field == "expires_at"
    ));
    let mut ok = payment();
    ok.expires_at = Some(now + 3600);
    c.create_session(ok).await.expect("an hour is fine");
}

#[tokio::test]
async fn the_pinned_version_is_the_newest_endive_and_payment_method_types_migrate_clearly() {
    assert_eq!(PINNED_STRIPE_VERSION, "2026-11-18.endive");
    let emu = emulator().await;
    let c = client(&emu);
    let mut p = payment();
    p.allowed_payment_method_types = vec!["card".into()];
    let s = c.create_session(p).await.expect("created");
    assert_eq!(s.allowed_payment_method_types, Some(vec!["card".into()]));
    let log = emu.requests();
    assert_eq!(log[0].stripe_version.as_deref(), Some("2026-11-18.endive"));
    assert!(
        log[0].body.contains("allowed_payment_method_types[0]=card"),
        "{}",
        log[0].body
    );
    emu.clear_requests();

    // The removed parameter: refused before sending, naming the replacements.
    let mut old = payment();
    old.payment_method_types = vec!["card".into()];
    match c.create_session(old.clone()).await {
        Err(CheckoutError::InvalidInput { field, reason }) => {
            assert_eq!(field, "payment_method_types");
            for hint in [
                "2026-09-30.endive",
                "allowed_payment_method_types",
                "excluded_payment_method_types",
            ] {
                assert!(reason.contains(hint), "{reason}");
            }
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(emu.requests().is_empty());
    // Sent anyway, Stripe's endive answer (the emulator's model of it).
    let (status, param, code) = emulator_answer(&emu, &encode_create_params(&old)).await;
    assert_eq!(
        (status, param.as_deref(), code.as_deref()),
        (
            400,
            Some("payment_method_types"),
            Some("payment_method_types_no_longer_supported")
        )
    );

    // An app that pins a dahlia version while it migrates keeps the old parameter ...
    let dahlia = client_with(&emu, |cfg| cfg.stripe_version = Some("2026-07-29.dahlia".into()));
    let s = dahlia
        .create_session(old)
        .await
        .expect("dahlia takes payment_method_types");
    assert_eq!(s.payment_method_types, vec!["card".to_owned()]);
    // ... and cannot use the endive one.
    let mut new = payment();
    new.allowed_payment_method_types = vec!["card".into()];
    assert!(matches!(
        dahlia.create_session(new).await,
        Err(CheckoutError::InvalidInput { ref field, .. }) if field == "allowed_payment_method_types"
    ));
    // Setup mode at dahlia: payment method types stand in for the currency.
    let mut setup_dahlia = setup();
    setup_dahlia.currency = None;
    setup_dahlia.payment_method_types = vec!["card".into()];
    dahlia.create_session(setup_dahlia).await.expect("dahlia setup");
}

#[tokio::test]
async fn amounts_beyond_twelve_digits_are_refused_locally_and_the_rest_left_to_stripe() {
    // docs.stripe.com/currencies, "Maximum charge amounts": cards take up to 12 digits, most
    // other methods 8. The method is chosen on the page, so only the card cap is certain
    // before sending; below it Stripe (here the emulator's conservative 8-digit reading) decides.
    let emu = emulator().await;
    let c = client(&emu);
    for (unit, quantity) in [(1_000_000_000_000, 1), (500_000_000_000, 2), (i64::MAX, 2)] {
        let mut p = payment();
        p.line_items = vec![inline_item(unit, "Yacht", quantity)];
        match c.create_session(p).await {
            Err(CheckoutError::InvalidInput { field, .. }) => {
                assert_eq!(field, "line_items[0][price_data][unit_amount]", "{unit} × {quantity}")
            }
            other => panic!("{unit} × {quantity}: expected InvalidInput, got {other:?}"),
        }
    }
    assert!(emu.requests().is_empty(), "nothing was sent");
    let mut p = payment();
    p.line_items = vec![inline_item(99_999_999, "Yacht", 2)];
    match c.create_session(p).await {
        Err(CheckoutError::Api { details }) => assert_eq!(details.code.as_deref(), Some("amount_too_large")),
        other => panic!("expected Stripe's amount_too_large, got {other:?}"),
    }
}

/// Type names are checked per parameter and version against Stripe's lists (generated from its
/// spec, with endive's additions), and a version after the pinned one leaves them to Stripe.
#[tokio::test]
async fn payment_method_type_names_follow_stripes_list_for_the_parameter_and_version() {
    let emu = emulator().await;
    let pinned = client(&emu);
    let mut sequra = payment();
    sequra.allowed_payment_method_types = vec!["sequra".into(), "link".into()];
    pinned.create_session(sequra).await.expect("endive added sequra");
    let mut excluded = payment();
    excluded.excluded_payment_method_types = vec!["sequra".into(), "klarna".into()];
    pinned.create_session(excluded).await.expect("and it can be excluded");

    // Dahlia had no sequra: refused on the device, naming the entry.
    let dahlia = client_with(&emu, |cfg| cfg.stripe_version = Some("2026-08-26.dahlia".into()));
    let mut old = payment();
    old.payment_method_types = vec!["card".into(), "sequra".into()];
    match dahlia.create_session(old).await {
        Err(CheckoutError::InvalidInput { field, reason }) => {
            assert_eq!(field, "payment_method_types[1]");
            assert!(reason.contains("stripe_version"), "{reason}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    let mut link = payment();
    link.excluded_payment_method_types = vec!["link".into()];
    match pinned.create_session(link).await {
        Err(CheckoutError::InvalidInput { field, reason }) => {
            assert_eq!(field, "excluded_payment_method_types[0]");
            assert!(reason.contains("link cannot be excluded"), "{reason}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(emu.requests().len() == 2, "only the two valid ones were sent");

    // A release after the pinned one may have types the library does not know: sent, and
    // Stripe (here the emulator, which knows no such type either) judges them.
    let later = client_with(&emu, |cfg| cfg.stripe_version = Some("2027-01-27.endive".into()));
    let mut newer = payment();
    newer.allowed_payment_method_types = vec!["card".into(), "future_pay".into()];
    match later.create_session(newer).await {
        Err(CheckoutError::Api { details }) => {
            assert_eq!(details.param.as_deref(), Some("allowed_payment_method_types[1]"))
        }
        other => panic!("expected Stripe's 400, got {other:?}"),
    }
    assert_eq!(emu.requests().len(), 3, "the newer name was sent");
}
