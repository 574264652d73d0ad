//! Money at completion: a promotion code, automatic tax for the customer's country (an emulator
//! convention: 10 % by default, GB 20 %, DE 19 %), the chosen shipping rate and adjusted
//! quantities, through the control API and through the hosted page; line items agree with the
//! totals.

mod common;

use checkout_bridge_emulator::{Completion, Emulator};
use common::*;
use serde_json::{json, Value};

/// 2 × T-shirt at 15.00 (adjustable 1–10), promotion codes allowed, automatic tax, two shipping
/// options (standard 5.00 catalogue rate first, express 15.00).
fn shop_pairs() -> Vec<(&'static str, &'static str)> {
    let mut p = payment_pairs();
    p.extend([
        ("allow_promotion_codes", "true"),
        ("automatic_tax[enabled]", "true"),
        ("line_items[0][adjustable_quantity][enabled]", "true"),
        ("line_items[0][adjustable_quantity][minimum]", "1"),
        ("line_items[0][adjustable_quantity][maximum]", "10"),
        ("line_items[1][price]", "price_test_usd_1000"),
        ("line_items[1][quantity]", "1"),
        ("shipping_address_collection[allowed_countries][0]", "US"),
        ("shipping_address_collection[allowed_countries][1]", "DE"),
        ("shipping_options[0][shipping_rate]", "shr_test_standard"),
        ("shipping_options[1][shipping_rate]", "shr_test_express"),
    ]);
    p
}

async fn control(emu: &Emulator, path: &str, body: &str) -> Reply {
    reply(
        client()
            .post(format!("{}/_emulator/{path}", emu.base_url()))
            .body(body.to_owned())
            .send()
            .await
            .expect("send"),
    )
    .await
}

fn amounts(s: &Value) -> (i64, i64, i64, i64, i64) {
    let n = |v: &Value| v.as_i64().unwrap_or(-1);
    (
        n(&s["amount_subtotal"]),
        n(&s["total_details"]["amount_discount"]),
        n(&s["total_details"]["amount_shipping"]),
        n(&s["total_details"]["amount_tax"]),
        n(&s["amount_total"]),
    )
}

async fn line_items(emu: &Emulator, id: &str) -> Vec<Value> {
    get(emu, &format!("/v1/checkout/sessions/{id}/line_items")).await.json["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_discounted_taxed_shipped_session_is_paid_through_the_control_api() {
    let emu = Emulator::start().await.expect("start");
    let s = create(&emu, &shop_pairs()).await;
    let id = s["id"].as_str().expect("id").to_owned();
    // At creation: 3000 + 1000, first shipping option, no tax location yet.
    assert_eq!(amounts(&s), (4000, 0, 500, 0, 4500));
    assert_eq!(s["automatic_tax"]["status"], "requires_location_inputs");

    // Three T-shirts, SAVE10, express shipping to Germany (19 %, an emulator convention).
    let r = control(
        &emu,
        &format!("sessions/{id}/complete"),
        r#"{"promotion_code": "save10", "shipping_rate": "shr_test_express", "quantities": [3], "country": "DE"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = get(&emu, &format!("/v1/checkout/sessions/{id}")).await.json;
    assert_eq!(r.json, s);
    assert_eq!(
        (s["status"].as_str(), s["payment_status"].as_str()),
        (Some("complete"), Some("paid"))
    );
    // subtotal 4500 + 1000 = 5500; 10 % off = 550; shipping 1500; tax 19 % of (4950 + 1500)
    // = 940.5 + 285 → 941 + 285 = 1226 (per line: 4050 → 769.5 → 770, 900 → 171); total
    // 5500 - 550 + 1500 + 1226 = 7676.
    assert_eq!(amounts(&s), (5500, 550, 1500, 770 + 171 + 285, 7676));
    assert_eq!(
        s["discounts"],
        json!([{"coupon": null, "promotion_code": "promo_test_save10"}])
    );
    assert_eq!(
        s["shipping_cost"],
        json!({"amount_subtotal": 1500, "amount_tax": 285, "amount_total": 1785, "shipping_rate": "shr_test_express"})
    );
    assert_eq!(s["automatic_tax"]["status"], "complete");
    assert_eq!(s["customer_details"]["address"]["country"], "DE");
    assert_eq!(
        s["collected_information"]["shipping_details"]["address"]["country"],
        "DE"
    );
    assert!(s["payment_intent"].as_str().is_some_and(|p| p.starts_with("pi_")));

    // Line items carry the same money, line by line.
    let li = line_items(&emu, &id).await;
    assert_eq!(li[0]["quantity"], 3);
    let sum = |k: &str| li.iter().map(|l| l[k].as_i64().unwrap_or(0)).sum::<i64>();
    assert_eq!(sum("amount_subtotal"), 5500);
    assert_eq!(sum("amount_discount"), 550);
    assert_eq!(sum("amount_tax") + 285, 1226);
    assert_eq!(sum("amount_total") + 1785, 7676);
    assert_eq!(
        (
            li[0]["amount_subtotal"].as_i64(),
            li[0]["amount_discount"].as_i64(),
            li[0]["amount_tax"].as_i64(),
            li[0]["amount_total"].as_i64()
        ),
        (Some(4500), Some(450), Some(770), Some(4820))
    );
}

#[tokio::test]
async fn choices_that_do_not_fit_the_session_are_refused_and_change_nothing() {
    let emu = Emulator::start().await.expect("start");
    let id = create(&emu, &shop_pairs()).await["id"].as_str().expect("id").to_owned();
    let path = format!("sessions/{id}/complete");
    for (body, param) in [
        (r#"{"promotion_code": "NOPE"}"#, "promotion_code"),
        (r#"{"shipping_rate": "shr_other"}"#, "shipping_rate"),
        (r#"{"quantities": [11]}"#, "quantities"),
        (r#"{"quantities": [null, 2]}"#, "quantities"),
        (r#"{"country": "FR"}"#, "country"),
        (r#"{"country": "Germany"}"#, "country"),
        (r#"{"colour": "red"}"#, "colour"),
        (r#"{"paid": "yes"}"#, "paid"),
    ] {
        let r = control(&emu, &path, body).await;
        assert_eq!(
            (r.status, r.json["error"]["param"].as_str()),
            (400, Some(param)),
            "{body}: {}",
            r.text
        );
    }
    let s = emu.session_json(&id).expect("session");
    assert_eq!(s["status"], "open");
    assert_eq!(amounts(&s), (4000, 0, 500, 0, 4500));
    // Promotion codes only where allowed.
    let plain = create(&emu, &payment_pairs()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = control(
        &emu,
        &format!("sessions/{plain}/complete"),
        r#"{"promotion_code": "SAVE10"}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    // The Rust API takes the same choices.
    let done = emu
        .complete_session_with(
            &id,
            &Completion {
                paid: false,
                promotion_code: Some("SAVE10".into()),
                country: Some("US".into()),
                ..Completion::default()
            },
        )
        .expect("completes");
    assert_eq!(done["payment_status"], "unpaid");
    // 4000 - 400 + 500 + 10 % of (3600 + 500) = 4510.
    assert_eq!(amounts(&done), (4000, 400, 500, 410, 4510));
    assert!(
        emu.complete_session_with(&id, &Completion::paid(true)).is_err(),
        "not open any more"
    );
}

#[tokio::test]
async fn the_hosted_page_offers_the_choices_and_applies_them() {
    let emu = Emulator::start().await.expect("start");
    let id = create(&emu, &shop_pairs()).await["id"].as_str().expect("id").to_owned();
    let page = reply(
        client()
            .get(format!("{}/pay/{id}", emu.base_url()))
            .send()
            .await
            .expect("page"),
    )
    .await;
    let html = &page.text;
    assert!(html.contains(&format!(
        "<form method=\"post\" action=\"/pay/{id}/pay\"><button type=\"submit\">Pay</button>"
    )));
    for field in [
        "name=\"promotion_code\"",
        "name=\"shipping_rate\" value=\"shr_test_standard\" checked",
        "name=\"shipping_rate\" value=\"shr_test_express\"",
        "name=\"quantity_0\" min=\"1\" max=\"10\" value=\"2\"",
        "name=\"country\"",
    ] {
        assert!(html.contains(field), "missing {field} in {html}");
    }
    assert!(!html.contains("quantity_1"), "the second item is not adjustable");
    // A wrong code keeps the session open.
    let press = |body: &'static str| {
        let url = format!("{}/pay/{id}/pay", emu.base_url());
        async move {
            reply(
                client()
                    .post(url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .expect("press"),
            )
            .await
        }
    };
    let r = press("promotion_code=WRONG&country=US").await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("This code is invalid."));
    assert_eq!(emu.session_json(&id).expect("s")["status"], "open");
    let r = press("promotion_code=SAVE10&shipping_rate=shr_test_standard&quantity_0=1&country=US").await;
    assert_eq!(r.status, 303, "{}", r.text);
    let s = emu.session_json(&id).expect("s");
    // 1500 + 1000 = 2500; -250; shipping 500; tax 10 % of (2250 + 500) = 275; total 3025.
    assert_eq!(amounts(&s), (2500, 250, 500, 275, 3025));
    assert_eq!(s["payment_status"], "paid");
}

#[tokio::test]
async fn inclusive_and_manual_tax_rates_and_free_orders() {
    let emu = Emulator::start().await.expect("start");
    // An inclusive tax rate is inside the price: reported, not added.
    let s = create(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1100"),
            ("line_items[0][price_data][product_data][name]", "Book"),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][tax_rates][0]", "txr_test_gst_10_inclusive"),
        ],
    )
    .await;
    assert_eq!(amounts(&s), (1100, 0, 0, 100, 1100));
    // An automatic tax on a tax-inclusive price likewise.
    let s = create(
        &emu,
        &[
            ("mode", "payment"),
            ("automatic_tax[enabled]", "true"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1200"),
            ("line_items[0][price_data][tax_behavior]", "inclusive"),
            ("line_items[0][price_data][product_data][name]", "Book"),
            ("line_items[0][quantity]", "1"),
        ],
    )
    .await;
    let id = s["id"].as_str().expect("id");
    let done = emu
        .complete_session_with(
            id,
            &Completion {
                paid: true,
                country: Some("GB".into()),
                ..Completion::default()
            },
        )
        .expect("completes");
    assert_eq!(amounts(&done), (1200, 0, 0, 200, 1200));
    // A 100 % discount leaves nothing to pay.
    let r = control(&emu, "coupons", r#"{"id": "FREE", "percent_off": 100}"#).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = create(&emu, &{
        let mut p = payment_pairs();
        p.push(("discounts[0][coupon]", "FREE"));
        p
    })
    .await;
    assert_eq!(s["amount_total"], 0);
    let id = s["id"].as_str().expect("id");
    assert!(emu.complete_session(id, true));
    let s = emu.session_json(id).expect("s");
    assert_eq!(s["payment_status"], "no_payment_required");
    assert!(s["payment_intent"].is_null());
    // A subscription with a trial owes nothing today.
    let s = create(
        &emu,
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", "price_test_usd_monthly_900"),
            ("line_items[0][quantity]", "1"),
            ("subscription_data[trial_period_days]", "14"),
        ],
    )
    .await;
    assert_eq!(s["amount_total"], 0);
    let id = s["id"].as_str().expect("id");
    assert!(emu.complete_session(id, true));
    assert_eq!(
        emu.session_json(id).expect("s")["payment_status"],
        "no_payment_required"
    );
}

#[tokio::test]
async fn catalogue_objects_can_be_added_over_the_control_api() {
    let emu = Emulator::start().await.expect("start");
    for (path, body) in [
        (
            "coupons",
            r#"{"id": "FIVER", "amount_off": 500, "currency": "usd", "name": "$5 off"}"#,
        ),
        (
            "promotion_codes",
            r#"{"id": "promo_fiver", "code": "FIVE", "coupon": "FIVER"}"#,
        ),
        (
            "shipping_rates",
            r#"{"id": "shr_pickup", "display_name": "Pickup", "amount": 0, "currency": "usd"}"#,
        ),
        (
            "tax_rates",
            r#"{"id": "txr_half", "display_name": "Half", "percentage": 5.0, "inclusive": false}"#,
        ),
        ("products", r#"{"id": "prod_mug", "name": "Mug"}"#),
    ] {
        let r = control(&emu, path, body).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    for (path, body) in [
        ("coupons", r#"{"id": "BAD", "percent_off": 150}"#),
        ("coupons", r#"{"id": "BAD", "amount_off": 5}"#),
        (
            "promotion_codes",
            r#"{"id": "promo_x", "code": "X", "coupon": "MISSING"}"#,
        ),
        (
            "shipping_rates",
            r#"{"id": "rate", "display_name": "x", "amount": 1, "currency": "usd"}"#,
        ),
        (
            "tax_rates",
            r#"{"id": "txr_x", "display_name": "x", "percentage": 101}"#,
        ),
        (
            "prices",
            r#"{"id": "price_m", "currency": "usd", "unit_amount": 1, "product_name": "m", "recurring_interval": null, "usage_type": "metered"}"#,
        ),
    ] {
        assert_eq!(control(&emu, path, body).await.status, 400, "{path} {body}");
    }
    let mut p = vec![
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount]", "2000"),
        ("line_items[0][price_data][product]", "prod_mug"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][tax_rates][0]", "txr_half"),
        ("shipping_options[0][shipping_rate]", "shr_pickup"),
        ("allow_promotion_codes", "true"),
    ];
    let s = create(&emu, &p).await;
    let id = s["id"].as_str().expect("id");
    let done = control(
        &emu,
        &format!("sessions/{id}/complete"),
        r#"{"promotion_code": "five"}"#,
    )
    .await;
    // 2000 - 500 = 1500; 5 % = 75; pickup 0.
    assert_eq!(amounts(&done.json), (2000, 500, 0, 75, 1575));
    p.truncate(5);
    assert_eq!(create(&emu, &p).await["line_items"], Value::Null);
}
