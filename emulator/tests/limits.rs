//! Stripe's limits: per-currency minimum charges, the closed locale list, subscription item
//! limits, recurring interval limits, zero unit amounts, metered prices, setup-mode currency and
//! payment status, decimal unit amounts.

mod common;

use checkout_bridge_emulator::Emulator;
use common::*;

fn one_item(currency: &str, amount: &str) -> Vec<(String, String)> {
    [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", currency),
        ("line_items[0][price_data][unit_amount]", amount),
        ("line_items[0][price_data][product_data][name]", "Thing"),
        ("line_items[0][quantity]", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn create_owned(emu: &Emulator, pairs: &[(String, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post(emu, "/v1/checkout/sessions", &form(&refs), None).await
}

#[tokio::test]
async fn minimum_charge_depends_on_the_currency() {
    let emu = Emulator::start().await.expect("start");
    // (currency, below the minimum, the minimum) from docs.stripe.com/currencies; JPY is
    // zero-decimal, so its minimum is 50 yen, written 50.
    for (cur, below, min) in [
        ("usd", "49", "50"),
        ("gbp", "29", "30"),
        ("eur", "49", "50"),
        ("jpy", "49", "50"),
        ("huf", "17499", "17500"),
        ("mxn", "999", "1000"),
        ("hkd", "399", "400"),
    ] {
        let r = create_owned(&emu, &one_item(cur, below)).await;
        assert_eq!(r.status, 400, "{cur} {below}: {}", r.text);
        assert_eq!(r.json["error"]["code"], "amount_too_small", "{cur}");
        let r = create_owned(&emu, &one_item(cur, min)).await;
        assert_eq!(r.status, 200, "{cur} {min}: {}", r.text);
    }
    // GBP 0.40 is fine although it is below USD 0.50.
    assert_eq!(create_owned(&emu, &one_item("gbp", "40")).await.status, 200);
    // A free item is allowed (unit_amount 0): nothing is due.
    let r = create_owned(&emu, &one_item("usd", "0")).await;
    assert_eq!(
        (r.status, r.json["amount_total"].as_i64()),
        (200, Some(0)),
        "{}",
        r.text
    );
    // Eight digits at most.
    let r = create_owned(&emu, &one_item("usd", "100000000")).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn locale_is_a_closed_list() {
    let emu = Emulator::start().await.expect("start");
    for good in ["auto", "en", "en-GB", "pt-BR", "zh-TW", "es-419", "fr-CA", "zh-HK"] {
        let mut p = payment_pairs();
        p.push(("locale", good));
        assert_eq!(create(&emu, &p).await["locale"], good);
    }
    for bad in ["en-US", "de-DE", "pt-PT", "en-gb", "xx"] {
        let mut p = payment_pairs();
        p.push(("locale", bad));
        expect_error(&emu, &p, None, Some("locale")).await;
    }
}

fn recurring_items(n: usize, one_time: usize) -> Vec<(String, String)> {
    let mut p = vec![("mode".to_owned(), "subscription".to_owned())];
    for i in 0..n + one_time {
        let k = |s: &str| format!("line_items[{i}]{s}");
        p.push((k("[price_data][currency]"), "usd".into()));
        p.push((k("[price_data][unit_amount]"), "100".into()));
        p.push((k("[price_data][product_data][name]"), format!("Item {i}")));
        p.push((k("[quantity]"), "1".into()));
        if i < n {
            p.push((k("[price_data][recurring][interval]"), "month".into()));
        }
    }
    p
}

#[tokio::test]
async fn subscription_mode_takes_at_most_20_recurring_and_20_one_time_items() {
    let emu = Emulator::start().await.expect("start");
    let r = create_owned(&emu, &recurring_items(20, 20)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (n, one_time) in [(21, 0), (1, 21)] {
        let r = create_owned(&emu, &recurring_items(n, one_time)).await;
        assert_eq!(r.status, 400, "{n} + {one_time}: {}", r.text);
        assert_eq!(r.json["error"]["param"], "line_items");
    }
}

#[tokio::test]
async fn recurring_intervals_are_limited_to_three_years() {
    let emu = Emulator::start().await.expect("start");
    for (interval, max) in [("year", 3), ("month", 36), ("week", 156), ("day", 1095)] {
        for (count, ok) in [(max, true), (max + 1, false)] {
            let mut p = recurring_items(1, 0);
            p.push(("line_items[0][price_data][recurring][interval]".into(), interval.into()));
            p.push((
                "line_items[0][price_data][recurring][interval_count]".into(),
                count.to_string(),
            ));
            let r = create_owned(&emu, &p).await;
            assert_eq!(r.status == 200, ok, "{interval} × {count}: {}", r.text);
            if !ok {
                assert_eq!(
                    r.json["error"]["param"],
                    "line_items[0][price_data][recurring][interval_count]"
                );
            }
        }
    }
}

#[tokio::test]
async fn metered_prices_take_no_quantity() {
    let emu = Emulator::start().await.expect("start");
    let with_qty = [
        ("mode", "subscription"),
        ("line_items[0][price]", "price_test_usd_metered"),
        ("line_items[0][quantity]", "1"),
    ];
    expect_error(&emu, &with_qty, None, Some("line_items[0][quantity]")).await;
    let s = create(
        &emu,
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", "price_test_usd_metered"),
            ("line_items[1][price]", "price_test_usd_monthly_900"),
            ("line_items[1][quantity]", "1"),
        ],
    )
    .await;
    assert_eq!(s["amount_total"], 900, "usage is billed later");
    let id = s["id"].as_str().expect("id");
    let li = get(&emu, &format!("/v1/checkout/sessions/{id}/line_items")).await.json;
    assert!(li["data"][0]["quantity"].is_null());
    assert_eq!(li["data"][0]["price"]["recurring"]["usage_type"], "metered");
    // A price added over the control API can be metered too.
    let r = reply(
        client()
            .post(format!("{}/_emulator/prices", emu.base_url()))
            .body(r#"{"id":"price_sms","currency":"usd","unit_amount":2,"product_name":"SMS","recurring_interval":"month","usage_type":"metered"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    expect_error(
        &emu,
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", "price_sms"),
            ("line_items[0][quantity]", "5"),
        ],
        None,
        Some("line_items[0][quantity]"),
    )
    .await;
}

#[tokio::test]
async fn setup_mode_needs_a_currency_and_reports_no_payment_required() {
    let emu = Emulator::start().await.expect("start");
    expect_error(
        &emu,
        &[("mode", "setup"), ("success_url", "https://shop.example/ok")],
        Some("parameter_missing"),
        Some("currency"),
    )
    .await;
    let s = create(
        &emu,
        &[
            ("mode", "setup"),
            ("currency", "eur"),
            ("success_url", "https://shop.example/ok"),
        ],
    )
    .await;
    assert_eq!(s["currency"], "eur");
    assert_eq!(s["payment_status"], "no_payment_required", "an open setup session");
    assert!(s["amount_total"].is_null() && s["total_details"].is_null());
    // Endive: listing allowed payment methods replaces `currency`.
    let s = create(
        &emu,
        &[
            ("mode", "setup"),
            ("allowed_payment_method_types[0]", "card"),
            ("success_url", "https://shop.example/ok"),
        ],
    )
    .await;
    assert!(s["currency"].is_null());
    // Setup mode takes no line items, amounts or payment-only parameters.
    expect_error(
        &emu,
        &[
            ("mode", "setup"),
            ("currency", "eur"),
            ("payment_intent_data[description]", "x"),
        ],
        None,
        Some("payment_intent_data"),
    )
    .await;
}

#[tokio::test]
async fn decimal_unit_amounts() {
    let emu = Emulator::start().await.expect("start");
    let pairs = [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount_decimal]", "33.335"),
        ("line_items[0][price_data][product_data][name]", "Fuel"),
        ("line_items[0][quantity]", "3"),
    ];
    let s = create(&emu, &pairs).await;
    assert_eq!(s["amount_total"], 100, "3 × 33.335 = 100.005, rounded to 100");
    let id = s["id"].as_str().expect("id");
    let li = &get(&emu, &format!("/v1/checkout/sessions/{id}/line_items")).await.json["data"][0];
    assert_eq!(li["price"]["unit_amount_decimal"], "33.335");
    assert!(li["price"]["unit_amount"].is_null());
    let mut both = pairs.to_vec();
    both.push(("line_items[0][price_data][unit_amount]", "33"));
    expect_error(
        &emu,
        &both,
        Some("parameters_exclusive"),
        Some("line_items[0][price_data][unit_amount_decimal]"),
    )
    .await;
    let mut precise = pairs.to_vec();
    precise[2].1 = "1.0000000000001";
    expect_error(
        &emu,
        &precise,
        None,
        Some("line_items[0][price_data][unit_amount_decimal]"),
    )
    .await;
}
