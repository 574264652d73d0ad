//! The create scenarios the library's tests build, shared by the emulator suite (`tests/params.rs`)
//! and the stripe-mock suite (`tests/stripe_mock.rs`): what Stripe accepts, and the session with
//! every mobile parameter at once.

use checkout_bridge::*;

use super::{discounted_taxed_shipped_params, inline_item, payment_params};

/// A scenario: params built afresh on each call.
pub type Build = Box<dyn Fn() -> CreateSessionParams>;

pub fn payment() -> CreateSessionParams {
    payment_params()
}

pub fn subscription() -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Subscription);
    p.line_items.push(recurring_item(RecurringInterval::Month, None));
    p.success_url = Some("https://shop.example/success?session_id={CHECKOUT_SESSION_ID}".into());
    p
}

pub fn setup() -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Setup);
    p.currency = Some("usd".into());
    p.success_url = Some("https://shop.example/success?session_id={CHECKOUT_SESSION_ID}".into());
    p
}

pub fn recurring_item(interval: RecurringInterval, count: Option<i64>) -> LineItemParams {
    let mut item = inline_item(900, "Plan", 1);
    if let LineItemPrice::Inline { recurring, .. } = &mut item.price {
        *recurring = Some(Recurring {
            interval,
            interval_count: count,
        });
    }
    item
}

pub fn with(base: fn() -> CreateSessionParams, f: impl Fn(&mut CreateSessionParams) + 'static) -> Build {
    Box::new(move || {
        let mut p = base();
        f(&mut p);
        p
    })
}

/// What Stripe accepts, the library accepts (each is created on the emulator and on stripe-mock).
pub fn accepted() -> Vec<(&'static str, Build)> {
    vec![
        // `unit_amount` 0 is allowed (a free item).
        (
            "unit_amount 0",
            with(payment, |p| p.line_items = vec![inline_item(0, "Free sample", 1)]),
        ),
        ("locale en-GB", with(payment, |p| p.locale = Some("en-GB".into()))),
        ("locale pt-BR", with(payment, |p| p.locale = Some("pt-BR".into()))),
        ("locale zh-TW", with(payment, |p| p.locale = Some("zh-TW".into()))),
        ("locale es-419", with(payment, |p| p.locale = Some("es-419".into()))),
        ("locale auto", with(payment, |p| p.locale = Some("auto".into()))),
        (
            "3 years",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Year, Some(3))
            }),
        ),
        (
            "36 months",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Month, Some(36))
            }),
        ),
        (
            "156 weeks",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Week, Some(156))
            }),
        ),
        (
            "1095 days",
            with(subscription, |p| {
                p.line_items[0] = recurring_item(RecurringInterval::Day, Some(1095))
            }),
        ),
        (
            "20 recurring and 20 one-time items",
            with(subscription, |p| {
                p.line_items = vec![recurring_item(RecurringInterval::Month, None); 20];
                p.line_items.extend(vec![inline_item(100, "Setup fee", 1); 20]);
            }),
        ),
        (
            "100 items in payment mode",
            with(payment, |p| p.line_items = vec![inline_item(100, "x", 1); 100]),
        ),
        (
            "a metered Price takes no quantity",
            with(subscription, |p| {
                p.line_items = vec![LineItemParams {
                    quantity: None,
                    ..LineItemParams::new(
                        LineItemPrice::Price {
                            id: "price_test_usd_metered".into(),
                        },
                        1,
                    )
                }]
            }),
        ),
        (
            "decimal amount of an existing product",
            with(payment, |p| {
                p.line_items[0].price = LineItemPrice::Inline {
                    currency: "usd".into(),
                    unit_amount: None,
                    product_name: None,
                    description: None,
                    images: vec![],
                    recurring: None,
                    unit_amount_decimal: Some("1234.5".into()),
                    product: Some("prod_test_usd_1000".into()),
                    tax_behavior: Some(TaxBehavior::Inclusive),
                }
            }),
        ),
        (
            "setup mode with allowed types instead of a currency",
            with(setup, |p| {
                p.currency = None;
                p.allowed_payment_method_types = vec!["card".into()];
            }),
        ),
        (
            "setup intent data",
            with(setup, |p| {
                p.setup_intent_data = Some(SetupIntentData {
                    description: Some("Card on file".into()),
                    metadata: [("user".to_owned(), "42".to_owned())].into(),
                });
                p.customer_creation = Some(CustomerCreation::Always);
            }),
        ),
        (
            "a trial with subscription data",
            with(subscription, |p| {
                p.subscription_data = Some(SubscriptionData {
                    trial_period_days: Some(730),
                    description: Some("Pro plan".into()),
                    metadata: [("plan".to_owned(), "pro".to_owned())].into(),
                });
                p.submit_type = Some(SubmitType::Subscribe);
                p.phone_number_collection = Some(true);
                p.saved_payment_method_options = Some(SavedPaymentMethodOptions {
                    allow_redisplay_filters: vec![AllowRedisplay::Always],
                    payment_method_save: Some(true),
                    payment_method_remove: None,
                });
            }),
        ),
        (
            // Endive added `sequra` (a Spanish buy-now-pay-later method); the library checks
            // type names for shape only, so a method newer than the app is not refused.
            "sequra among the allowed types",
            with(payment, |p| {
                p.allowed_payment_method_types = vec!["card".into(), "sequra".into()];
            }),
        ),
        ("a coupon up front", {
            with(payment, |p| {
                p.discounts = vec![Discount::Coupon {
                    id: "coupon_test_5_usd".into(),
                }]
            })
        }),
    ]
}

/// A payment-mode session with every parameter the library has at once (its values fit the
/// emulator's catalogue: `promo_test_save10`, `txr_test_vat_20`, `price_test_usd_1000`).
pub fn kitchen_sink_params() -> CreateSessionParams {
    let mut p = discounted_taxed_shipped_params();
    p.allow_promotion_codes = None;
    p.discounts = vec![Discount::PromotionCode {
        id: "promo_test_save10".into(),
    }];
    p.line_items[0].tax_rates = vec![];
    p.line_items[0].metadata.insert("sku".into(), "TEA-1".into());
    p.line_items.push(LineItemParams {
        tax_rates: vec!["txr_test_vat_20".into()],
        ..LineItemParams::new(
            LineItemPrice::Price {
                id: "price_test_usd_1000".into(),
            },
            1,
        )
    });
    p.shipping_options.push(ShippingOption::Inline {
        display_name: "Pickup".into(),
        amount: 0,
        currency: "usd".into(),
        tax_behavior: Some(TaxBehavior::Exclusive),
        tax_code: Some("txcd_92010001".into()),
        delivery_estimate: Some(DeliveryEstimate {
            minimum: Some(DeliveryBound {
                unit: DeliveryUnit::BusinessDay,
                value: 1,
            }),
            maximum: Some(DeliveryBound {
                unit: DeliveryUnit::BusinessDay,
                value: 3,
            }),
        }),
    });
    p.currency = Some("usd".into());
    p.allowed_payment_method_types = vec!["card".into(), "link".into()];
    p.billing_address_collection = Some(BillingAddressCollection::Required);
    p.phone_number_collection = Some(true);
    p.customer_creation = Some(CustomerCreation::Always);
    p.tax_id_collection = Some(TaxIdCollection {
        enabled: true,
        required: Some(TaxIdRequirement::IfSupported),
    });
    p.submit_type = Some(SubmitType::Pay);
    p.payment_intent_data = Some(PaymentIntentData {
        setup_future_usage: Some(SetupFutureUsage::OffSession),
        description: Some("Order 42".into()),
        receipt_email: Some("buyer@example.com".into()),
        statement_descriptor_suffix: Some("ORDER 42".into()),
        metadata: [("order".to_owned(), "42".to_owned())].into(),
    });
    p.consent_collection = Some(ConsentCollection {
        promotions: Some(PromotionsConsent::Auto),
        terms_of_service: Some(TermsOfServiceConsent::Required),
        payment_method_reuse_agreement: Some(ReuseAgreementPosition::Auto),
    });
    p.custom_text = Some(CustomText {
        submit: Some("We ship within a day.".into()),
        after_submit: Some("Thank you!".into()),
        ..Default::default()
    });
    p.saved_payment_method_options = Some(SavedPaymentMethodOptions {
        allow_redisplay_filters: vec![AllowRedisplay::Always, AllowRedisplay::Limited],
        payment_method_save: Some(true),
        payment_method_remove: Some(false),
    });
    p.locale = Some("de".into());
    p.origin_context = Some(OriginContext::MobileApp);
    p
}
