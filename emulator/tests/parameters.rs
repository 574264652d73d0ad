//! The create parameters a mobile checkout uses: validated as Stripe does (enums, lengths, counts,
//! modes, exclusions, error codes) and reflected in the session JSON.

mod common;

use checkout_bridge_emulator::Emulator;
use common::*;
use serde_json::json;

/// (request pairs, expected code, expected param).
type Case = (Vec<(&'static str, &'static str)>, Option<&'static str>, &'static str);

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut p = payment_pairs();
    p.extend_from_slice(extra);
    p
}

fn subscription(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut p = vec![
        ("mode", "subscription"),
        ("line_items[0][price]", "price_test_usd_monthly_900"),
        ("line_items[0][quantity]", "1"),
        ("success_url", "https://shop.example/ok"),
    ];
    p.extend_from_slice(extra);
    p
}

fn setup(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut p = vec![
        ("mode", "setup"),
        ("currency", "usd"),
        ("success_url", "https://shop.example/ok"),
    ];
    p.extend_from_slice(extra);
    p
}

#[tokio::test]
async fn collection_and_customer_parameters_are_reflected() {
    let emu = Emulator::start().await.expect("start");
    let s = create(
        &emu,
        &with(&[
            ("automatic_tax[enabled]", "true"),
            ("billing_address_collection", "required"),
            ("shipping_address_collection[allowed_countries][0]", "US"),
            ("shipping_address_collection[allowed_countries][1]", "GB"),
            ("phone_number_collection[enabled]", "true"),
            ("customer_creation", "always"),
            ("tax_id_collection[enabled]", "true"),
            ("tax_id_collection[required]", "if_supported"),
            ("submit_type", "donate"),
            ("consent_collection[terms_of_service]", "required"),
            ("consent_collection[payment_method_reuse_agreement][position]", "hidden"),
            ("custom_text[submit][message]", "We ship in 2 days."),
            ("custom_text[after_submit]", ""),
            ("saved_payment_method_options[payment_method_save]", "enabled"),
            ("saved_payment_method_options[allow_redisplay_filters][0]", "always"),
        ]),
    )
    .await;
    assert_eq!(
        s["automatic_tax"],
        json!({"enabled": true, "liability": {"account": null, "type": "self"}, "provider": "stripe", "status": "requires_location_inputs"})
    );
    assert_eq!(s["billing_address_collection"], "required");
    assert_eq!(
        s["shipping_address_collection"],
        json!({"allowed_countries": ["US", "GB"]})
    );
    assert_eq!(s["phone_number_collection"], json!({"enabled": true}));
    assert_eq!(s["customer_creation"], "always");
    assert_eq!(
        s["tax_id_collection"],
        json!({"enabled": true, "required": "if_supported"})
    );
    assert_eq!(s["submit_type"], "donate");
    assert_eq!(
        s["consent_collection"],
        json!({"payment_method_reuse_agreement": {"position": "hidden"}, "promotions": null, "terms_of_service": "required"})
    );
    assert_eq!(
        s["custom_text"],
        json!({"after_submit": null, "shipping_address": null, "submit": {"message": "We ship in 2 days."}, "terms_of_service_acceptance": null})
    );
    assert_eq!(
        s["saved_payment_method_options"],
        json!({"allow_redisplay_filters": ["always"], "payment_method_remove": null, "payment_method_save": "enabled"})
    );
    // Defaults when absent.
    let s = create(&emu, &payment_pairs()).await;
    assert_eq!(s["automatic_tax"]["enabled"], false);
    assert_eq!(s["customer_creation"], "if_required");
    assert!(s["shipping_address_collection"].is_null() && s["shipping_cost"].is_null());
    assert_eq!(s["discounts"], json!([]));
}

#[tokio::test]
async fn enums_lengths_and_required_keys_are_checked() {
    let emu = Emulator::start().await.expect("start");
    let long_text: &'static str = Box::leak("x".repeat(1201).into_boxed_str());
    let long_desc: &'static str = Box::leak("d".repeat(1001).into_boxed_str());
    let cases: Vec<Case> = vec![
        (
            with(&[("billing_address_collection", "always")]),
            None,
            "billing_address_collection",
        ),
        (
            with(&[("automatic_tax[liability][type]", "self")]),
            Some("parameter_missing"),
            "automatic_tax[enabled]",
        ),
        (
            with(&[("automatic_tax[enabled]", "yes")]),
            Some("parameter_invalid_boolean"),
            "automatic_tax[enabled]",
        ),
        (
            with(&[
                ("automatic_tax[enabled]", "true"),
                ("automatic_tax[liability][type]", "account"),
            ]),
            Some("parameter_missing"),
            "automatic_tax[liability][account]",
        ),
        (
            with(&[("shipping_address_collection[allowed_countries][0]", "XX")]),
            None,
            "shipping_address_collection[allowed_countries][0]",
        ),
        (
            with(&[("shipping_address_collection[allowed_countries][0]", "us")]),
            None,
            "shipping_address_collection[allowed_countries][0]",
        ),
        (
            with(&[("shipping_address_collection[foo]", "US")]),
            Some("parameter_unknown"),
            "shipping_address_collection[foo]",
        ),
        (
            with(&[("phone_number_collection[enabled]", "maybe")]),
            Some("parameter_invalid_boolean"),
            "phone_number_collection[enabled]",
        ),
        (with(&[("customer_creation", "never")]), None, "customer_creation"),
        (with(&[("customer_update[address]", "auto")]), None, "customer_update"),
        (
            with(&[("customer", "cus_1"), ("customer_update[name]", "sometimes")]),
            None,
            "customer_update[name]",
        ),
        (
            with(&[("tax_id_collection[required]", "never")]),
            Some("parameter_missing"),
            "tax_id_collection[enabled]",
        ),
        (with(&[("submit_type", "buy")]), None, "submit_type"),
        (
            with(&[("consent_collection[promotions]", "always")]),
            None,
            "consent_collection[promotions]",
        ),
        (
            with(&[("consent_collection[payment_method_reuse_agreement][x]", "1")]),
            Some("parameter_unknown"),
            "consent_collection[payment_method_reuse_agreement][x]",
        ),
        (
            with(&[("custom_text[submit][message]", long_text)]),
            None,
            "custom_text[submit][message]",
        ),
        (
            with(&[("custom_text[footer][message]", "x")]),
            Some("parameter_unknown"),
            "custom_text[footer]",
        ),
        (
            with(&[("saved_payment_method_options[payment_method_save]", "always")]),
            None,
            "saved_payment_method_options[payment_method_save]",
        ),
        (
            with(&[("payment_intent_data[setup_future_usage]", "forever")]),
            None,
            "payment_intent_data[setup_future_usage]",
        ),
        (
            with(&[("payment_intent_data[description]", long_desc)]),
            None,
            "payment_intent_data[description]",
        ),
        (
            with(&[("payment_intent_data[receipt_email]", "not-an-email")]),
            Some("email_invalid"),
            "payment_intent_data[receipt_email]",
        ),
        (
            with(&[(
                "payment_intent_data[statement_descriptor_suffix]",
                "12345678901234567890123",
            )]),
            None,
            "payment_intent_data[statement_descriptor_suffix]",
        ),
        (
            with(&[("payment_intent_data[statement_descriptor_suffix]", "12345")]),
            None,
            "payment_intent_data[statement_descriptor_suffix]",
        ),
        (
            with(&[("payment_intent_data[statement_descriptor_suffix]", "SHOP*1")]),
            None,
            "payment_intent_data[statement_descriptor_suffix]",
        ),
        (
            with(&[("payment_intent_data[metadata][k]", long_desc)]),
            None,
            "payment_intent_data[metadata][k]",
        ),
        (
            with(&[("payment_intent_data[bogus]", "1")]),
            Some("parameter_unknown"),
            "payment_intent_data[bogus]",
        ),
        (
            subscription(&[("subscription_data[trial_period_days]", "0")]),
            Some("parameter_invalid_integer"),
            "subscription_data[trial_period_days]",
        ),
        (
            subscription(&[("subscription_data[trial_period_days]", "731")]),
            Some("parameter_invalid_integer"),
            "subscription_data[trial_period_days]",
        ),
        (
            subscription(&[("subscription_data[description]", long_desc)]),
            None,
            "subscription_data[description]",
        ),
        (
            subscription(&[("subscription_data[default_tax_rates][0]", "txr_nope")]),
            Some("resource_missing"),
            "subscription_data[default_tax_rates][0]",
        ),
        (
            setup(&[("setup_intent_data[description]", long_desc)]),
            None,
            "setup_intent_data[description]",
        ),
        (
            setup(&[("setup_intent_data[usage]", "x")]),
            Some("parameter_unknown"),
            "setup_intent_data[usage]",
        ),
        (
            with(&[("line_items[0][adjustable_quantity][maximum]", "5")]),
            Some("parameter_missing"),
            "line_items[0][adjustable_quantity][enabled]",
        ),
        (
            with(&[
                ("line_items[0][adjustable_quantity][enabled]", "true"),
                ("line_items[0][adjustable_quantity][maximum]", "1000000"),
            ]),
            Some("parameter_invalid_integer"),
            "line_items[0][adjustable_quantity][maximum]",
        ),
        (
            with(&[
                ("line_items[0][adjustable_quantity][enabled]", "true"),
                ("line_items[0][adjustable_quantity][maximum]", "1"),
            ]),
            None,
            "line_items[0][adjustable_quantity][maximum]",
        ),
        (
            with(&[
                ("line_items[0][adjustable_quantity][enabled]", "true"),
                ("line_items[0][adjustable_quantity][minimum]", "3"),
                ("line_items[0][adjustable_quantity][maximum]", "2"),
            ]),
            None,
            "line_items[0][adjustable_quantity][minimum]",
        ),
        (
            with(&[("line_items[0][tax_rates][0]", "txr_nope")]),
            Some("resource_missing"),
            "line_items[0][tax_rates][0]",
        ),
        (
            with(&[("line_items[0][metadata][k]", long_desc)]),
            None,
            "line_items[0][metadata][k]",
        ),
        (
            with(&[("line_items[0][price_data][tax_behavior]", "sometimes")]),
            None,
            "line_items[0][price_data][tax_behavior]",
        ),
        (
            with(&[("line_items[0][price_data][product]", "prod_test_usd_1000")]),
            Some("parameters_exclusive"),
            "line_items[0][price_data][product]",
        ),
        (
            with(&[("line_items[0][dynamic_tax_rates][0]", "txr_test_vat_20")]),
            Some("parameter_unknown"),
            "line_items[0][dynamic_tax_rates]",
        ),
        (
            with(&[("discounts[0][coupon]", "nope")]),
            Some("resource_missing"),
            "discounts[0][coupon]",
        ),
        (
            with(&[("discounts[0][promotion_code]", "promo_nope")]),
            Some("resource_missing"),
            "discounts[0][promotion_code]",
        ),
        (
            with(&[
                ("discounts[0][coupon]", "coupon_test_10_percent"),
                ("discounts[0][promotion_code]", "promo_test_save10"),
            ]),
            Some("parameters_exclusive"),
            "discounts[0][promotion_code]",
        ),
        (
            with(&[
                ("discounts[0][coupon]", "coupon_test_10_percent"),
                ("discounts[1][coupon]", "coupon_test_5_usd"),
            ]),
            None,
            "discounts",
        ),
        (
            with(&[
                ("discounts[0][coupon]", "coupon_test_10_percent"),
                ("allow_promotion_codes", "true"),
            ]),
            Some("parameters_exclusive"),
            "discounts",
        ),
        (
            with(&[("shipping_options[0][shipping_rate]", "shr_nope")]),
            Some("resource_missing"),
            "shipping_options[0][shipping_rate]",
        ),
        (
            with(&[
                ("shipping_options[0][shipping_rate_data][fixed_amount][amount]", "500"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][currency]", "usd"),
            ]),
            Some("parameter_missing"),
            "shipping_options[0][shipping_rate_data][display_name]",
        ),
        (
            with(&[("shipping_options[0][shipping_rate_data][display_name]", "Post")]),
            Some("parameter_missing"),
            "shipping_options[0][shipping_rate_data][fixed_amount]",
        ),
        (
            with(&[
                ("shipping_options[0][shipping_rate_data][display_name]", "Post"),
                ("shipping_options[0][shipping_rate_data][type]", "weight_based"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][amount]", "1"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][currency]", "usd"),
            ]),
            None,
            "shipping_options[0][shipping_rate_data][type]",
        ),
        (
            with(&[
                ("shipping_options[0][shipping_rate_data][display_name]", "Post"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][amount]", "100"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][currency]", "eur"),
            ]),
            None,
            "shipping_options[0]",
        ),
        (
            with(&[
                ("shipping_options[0][shipping_rate_data][display_name]", "Post"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][amount]", "100"),
                ("shipping_options[0][shipping_rate_data][fixed_amount][currency]", "usd"),
                (
                    "shipping_options[0][shipping_rate_data][delivery_estimate][minimum][unit]",
                    "day",
                ),
                (
                    "shipping_options[0][shipping_rate_data][delivery_estimate][minimum][value]",
                    "0",
                ),
            ]),
            Some("parameter_invalid_integer"),
            "shipping_options[0][shipping_rate_data][delivery_estimate][minimum][value]",
        ),
    ];
    for (pairs, code, param) in cases {
        expect_error(&emu, &pairs, code, Some(param)).await;
    }
    // Six shipping options are one too many.
    let mut six = payment_pairs();
    let keys: Vec<String> = (0..6)
        .map(|i| format!("shipping_options[{i}][shipping_rate]"))
        .collect();
    for k in &keys {
        six.push((k.as_str(), "shr_test_standard"));
    }
    expect_error(&emu, &six, None, Some("shipping_options")).await;
    assert_eq!(emu.session_count(), 0);
}

#[tokio::test]
async fn parameters_belong_to_their_modes() {
    let emu = Emulator::start().await.expect("start");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            subscription(&[("payment_intent_data[description]", "x")]),
            "payment_intent_data",
        ),
        (
            with(&[("subscription_data[trial_period_days]", "7")]),
            "subscription_data",
        ),
        (with(&[("setup_intent_data[description]", "x")]), "setup_intent_data"),
        (
            setup(&[("phone_number_collection[enabled]", "true")]),
            "phone_number_collection",
        ),
        (subscription(&[("customer_creation", "always")]), "customer_creation"),
        (setup(&[("submit_type", "pay")]), "submit_type"),
        (
            setup(&[("saved_payment_method_options[payment_method_save]", "enabled")]),
            "saved_payment_method_options",
        ),
        (
            with(&[("payment_method_collection", "if_required")]),
            "payment_method_collection",
        ),
        (
            setup(&[("shipping_options[0][shipping_rate]", "shr_test_standard")]),
            "shipping_options",
        ),
        (
            setup(&[("discounts[0][coupon]", "coupon_test_10_percent")]),
            "discounts",
        ),
    ];
    for (pairs, param) in cases {
        expect_error(&emu, &pairs, None, Some(param)).await;
    }
    // And are accepted where they belong.
    for pairs in [
        subscription(&[
            ("subscription_data[trial_period_days]", "14"),
            ("subscription_data[description]", "Pro"),
            ("subscription_data[metadata][plan]", "pro"),
            ("submit_type", "subscribe"),
            ("payment_method_collection", "if_required"),
        ]),
        with(&[
            ("payment_intent_data[setup_future_usage]", "off_session"),
            ("payment_intent_data[description]", "Order 42"),
            ("payment_intent_data[receipt_email]", "jo@example.com"),
            ("payment_intent_data[statement_descriptor_suffix]", "ORDER 42"),
            ("payment_intent_data[metadata][order]", "42"),
            ("payment_intent_data[capture_method]", "manual"),
            ("customer", "cus_123"),
            ("customer_update[address]", "auto"),
            ("customer_update[shipping]", "never"),
        ]),
        setup(&[
            ("setup_intent_data[description]", "Card on file"),
            ("setup_intent_data[metadata][k]", "v"),
            ("customer_creation", "always"),
        ]),
    ] {
        create(&emu, &pairs).await;
    }
}

#[tokio::test]
async fn line_item_extras_are_reflected() {
    let emu = Emulator::start().await.expect("start");
    let s = create(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1000"),
            ("line_items[0][price_data][product]", "prod_test_usd_1000"),
            ("line_items[0][price_data][tax_behavior]", "exclusive"),
            ("line_items[0][quantity]", "2"),
            ("line_items[0][adjustable_quantity][enabled]", "true"),
            ("line_items[0][adjustable_quantity][minimum]", "1"),
            ("line_items[0][adjustable_quantity][maximum]", "10"),
            ("line_items[0][tax_rates][0]", "txr_test_vat_20"),
            ("line_items[0][metadata][sku]", "TS-1"),
        ],
    )
    .await;
    assert_eq!(
        (s["amount_subtotal"].as_i64(), s["amount_total"].as_i64()),
        (Some(2000), Some(2400))
    );
    assert_eq!(
        s["total_details"],
        json!({"amount_discount": 0, "amount_shipping": 0, "amount_tax": 400})
    );
    let id = s["id"].as_str().expect("id");
    let li = &get(&emu, &format!("/v1/checkout/sessions/{id}/line_items")).await.json["data"][0];
    assert_eq!(
        li["adjustable_quantity"],
        json!({"enabled": true, "minimum": 1, "maximum": 10})
    );
    assert_eq!(li["metadata"], json!({"sku": "TS-1"}));
    assert_eq!(li["description"], "Test product", "the catalogue product's name");
    assert_eq!(li["price"]["product"], "prod_test_usd_1000");
    assert_eq!(li["price"]["tax_behavior"], "exclusive");
    assert_eq!(
        (
            li["amount_subtotal"].as_i64(),
            li["amount_tax"].as_i64(),
            li["amount_total"].as_i64()
        ),
        (Some(2000), Some(400), Some(2400))
    );
    expect_error(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1000"),
            ("line_items[0][price_data][product]", "prod_unknown"),
            ("line_items[0][quantity]", "1"),
        ],
        Some("resource_missing"),
        Some("line_items[0][price_data][product]"),
    )
    .await;
}

#[tokio::test]
async fn discounts_and_shipping_options_at_creation() {
    let emu = Emulator::start().await.expect("start");
    // 2 × 15.00 = 30.00; 10 % off = 3.00; first shipping option (inline, 4.00) preselected.
    let s = create(
        &emu,
        &with(&[
            ("discounts[0][coupon]", "coupon_test_10_percent"),
            ("shipping_options[0][shipping_rate_data][display_name]", "Post"),
            ("shipping_options[0][shipping_rate_data][fixed_amount][amount]", "400"),
            ("shipping_options[0][shipping_rate_data][fixed_amount][currency]", "usd"),
            (
                "shipping_options[0][shipping_rate_data][delivery_estimate][maximum][unit]",
                "business_day",
            ),
            (
                "shipping_options[0][shipping_rate_data][delivery_estimate][maximum][value]",
                "5",
            ),
            ("shipping_options[1][shipping_rate]", "shr_test_express"),
        ]),
    )
    .await;
    assert_eq!(
        s["discounts"],
        json!([{"coupon": "coupon_test_10_percent", "promotion_code": null}])
    );
    let inline = s["shipping_options"][0]["shipping_rate"].as_str().expect("shr id");
    assert!(inline.starts_with("shr_"));
    assert_eq!(
        s["shipping_options"][1],
        json!({"shipping_amount": 1500, "shipping_rate": "shr_test_express"})
    );
    assert_eq!(
        s["shipping_cost"],
        json!({"amount_subtotal": 400, "amount_tax": 0, "amount_total": 400, "shipping_rate": inline})
    );
    assert_eq!(
        s["total_details"],
        json!({"amount_discount": 300, "amount_shipping": 400, "amount_tax": 0})
    );
    assert_eq!(
        (s["amount_subtotal"].as_i64(), s["amount_total"].as_i64()),
        (Some(3000), Some(3100))
    );
    // A promotion code given by ID.
    let s = create(&emu, &with(&[("discounts[0][promotion_code]", "promo_test_save10")])).await;
    assert_eq!(
        s["discounts"],
        json!([{"coupon": null, "promotion_code": "promo_test_save10"}])
    );
    assert_eq!(s["amount_total"], 2700);
    // An amount-off coupon in another currency does not fit.
    let r = post(
        &emu,
        "/v1/checkout/sessions",
        &form(&[
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "eur"),
            ("line_items[0][price_data][unit_amount]", "1000"),
            ("line_items[0][price_data][product_data][name]", "x"),
            ("line_items[0][quantity]", "1"),
            ("discounts[0][coupon]", "coupon_test_5_usd"),
        ]),
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
}
