//! Create / retrieve / expire / line items, auth, versions and idempotency over real HTTP.

mod common;

use checkout_bridge_emulator::{Emulator, Price};
use common::*;
use serde_json::Value;

const FIXTURE_KEYS: &[&str] = &[
    "adaptive_pricing",
    "after_expiration",
    "allow_promotion_codes",
    "amount_subtotal",
    "amount_total",
    "automatic_tax",
    "billing_address_collection",
    "cancel_url",
    "client_reference_id",
    "client_secret",
    "collected_information",
    "consent",
    "consent_collection",
    "created",
    "currency",
    "currency_conversion",
    "custom_fields",
    "custom_text",
    "customer",
    "customer_account",
    "customer_creation",
    "customer_details",
    "customer_email",
    "discounts",
    "expires_at",
    "id",
    "integration_identifier",
    "invoice",
    "invoice_creation",
    "livemode",
    "locale",
    "managed_payments",
    "metadata",
    "mode",
    "object",
    "origin_context",
    "payment_intent",
    "payment_link",
    "payment_method_collection",
    "payment_method_configuration_details",
    "payment_method_options",
    "payment_method_types",
    "payment_status",
    "permissions",
    "phone_number_collection",
    "recovered_from",
    "saved_payment_method_options",
    "setup_intent",
    "shipping_address_collection",
    "shipping_cost",
    "shipping_options",
    "status",
    "submit_type",
    "subscription",
    "success_url",
    "total_details",
    "ui_mode",
    "url",
    "wallet_options",
];

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[tokio::test]
async fn create_retrieve_expire_and_shape() {
    let emu = Emulator::start().await.expect("start");
    let mut pairs = payment_pairs();
    pairs.extend([
        ("customer_email", "jo@example.com"),
        ("client_reference_id", "cart_42"),
        ("metadata[order]", "42"),
        ("locale", "fr"),
        ("allowed_payment_method_types[]", "card"),
        ("allowed_payment_method_types[]", "link"),
        ("allow_promotion_codes", "true"),
        ("origin_context", "mobile_app"),
    ]);
    let s = create(&emu, &pairs).await;
    let obj = s.as_object().expect("object");
    for key in FIXTURE_KEYS {
        assert!(obj.contains_key(*key), "missing key {key}");
    }
    // The fixture file, when the shared reference data sits beside the repository.
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/stripe-reference/checkout_session_fixture.json"
    );
    if let Ok(text) = std::fs::read_to_string(fixture) {
        let fx: Value = serde_json::from_str(&text).expect("fixture");
        for key in fx.as_object().expect("fixture object").keys() {
            assert!(obj.contains_key(key), "missing fixture key {key}");
        }
    }
    let id = s["id"].as_str().expect("id");
    assert!(id.starts_with("cs_test_") && id.len() == 8 + 58, "{id}");
    assert_eq!(s["object"], "checkout.session");
    assert_eq!(s["url"], format!("{}/pay/{id}", emu.base_url()));
    assert_eq!(
        (s["status"].as_str(), s["payment_status"].as_str()),
        (Some("open"), Some("unpaid"))
    );
    assert_eq!(
        (s["amount_total"].as_i64(), s["amount_subtotal"].as_i64()),
        (Some(3000), Some(3000))
    );
    assert_eq!(s["currency"], "usd");
    assert_eq!(s["customer_email"], "jo@example.com");
    assert_eq!(s["client_reference_id"], "cart_42");
    assert_eq!(s["metadata"]["order"], "42");
    assert_eq!(s["payment_method_types"], serde_json::json!(["card", "link"]));
    assert_eq!(s["allowed_payment_method_types"], serde_json::json!(["card", "link"]));
    assert_eq!(s["allow_promotion_codes"], true);
    assert_eq!(s["origin_context"], "mobile_app");
    assert_eq!(s["locale"], "fr");
    assert_eq!(s["livemode"], false);
    assert!(s["payment_intent"].is_null() && s["customer_details"].is_null());
    let created = s["created"].as_i64().expect("created");
    assert!((created - now()).abs() < 5);
    assert_eq!(s["expires_at"].as_i64(), Some(created + 86_400));

    let r = get(&emu, &format!("/v1/checkout/sessions/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, s);
    assert!(r
        .headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("req_")));

    let r = get(&emu, &format!("/v1/checkout/sessions/{id}/line_items")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["object"], "list");
    assert_eq!(r.json["has_more"], false);
    assert_eq!(r.json["url"], format!("/v1/checkout/sessions/{id}/line_items"));
    let li = &r.json["data"][0];
    assert!(li["id"].as_str().is_some_and(|i| i.starts_with("li_")));
    assert_eq!(
        (li["amount_total"].as_i64(), li["quantity"].as_i64()),
        (Some(3000), Some(2))
    );
    assert_eq!(li["description"], "T-shirt");
    assert_eq!(li["price"]["type"], "one_time");
    assert_eq!(li["price"]["unit_amount"], 1500);

    let r = post(&emu, &format!("/v1/checkout/sessions/{id}/expire"), "", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "expired");
    assert!(r.json["url"].is_null());
    let r = post(&emu, &format!("/v1/checkout/sessions/{id}/expire"), "", None).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"]["message"],
        "Only Checkout Sessions with a status in [\"open\"] can be expired."
    );

    let r = get(&emu, "/v1/checkout/sessions/cs_test_nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["error"]["code"], "resource_missing");
    assert_eq!(r.json["error"]["param"], "id");
    assert_eq!(r.json["error"]["message"], "No such checkout.session: 'cs_test_nope'");
    assert_eq!(
        post(&emu, "/v1/checkout/sessions/cs_test_nope/expire", "", None)
            .await
            .status,
        404
    );
    assert_eq!(emu.session_count(), 1);
}

#[tokio::test]
async fn catalogue_subscription_setup_and_paging() {
    let emu = Emulator::start().await.expect("start");
    let s = create(
        &emu,
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", "price_test_usd_monthly_900"),
            ("line_items[0][quantity]", "1"),
            ("success_url", "https://shop.example/ok"),
        ],
    )
    .await;
    assert_eq!(s["amount_total"], 900);
    let id = s["id"].as_str().expect("id");
    assert!(emu.complete_session(id, true));
    let s = emu.session_json(id).expect("session");
    assert_eq!(
        (s["status"].as_str(), s["payment_status"].as_str()),
        (Some("complete"), Some("paid"))
    );
    assert!(s["subscription"].as_str().is_some_and(|v| v.starts_with("sub_")));
    assert_eq!(s["customer_details"]["email"], "customer@example.com");
    assert!(s["url"].is_null());
    assert!(!emu.complete_session(id, true));

    let s = create(
        &emu,
        &[
            ("mode", "setup"),
            ("currency", "eur"),
            ("success_url", "https://shop.example/ok"),
        ],
    )
    .await;
    assert!(s["amount_total"].is_null());
    assert!(s["setup_intent"].as_str().is_some_and(|v| v.starts_with("seti_")));
    let id = s["id"].as_str().expect("id");
    assert!(emu.complete_session(id, false));
    assert_eq!(
        emu.session_json(id).expect("s")["payment_status"],
        "no_payment_required"
    );

    emu.add_price(Price {
        id: "price_eur_5".into(),
        currency: "eur".into(),
        unit_amount: 500,
        product_name: "Coffee".into(),
        ..Price::default()
    });
    let mut pairs: Vec<(String, String)> = vec![("mode".into(), "payment".into())];
    for i in 0..12 {
        pairs.push((format!("line_items[{i}][price]"), "price_eur_5".into()));
        pairs.push((format!("line_items[{i}][quantity]"), "1".into()));
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let s = create(&emu, &refs).await;
    assert_eq!(s["amount_total"], 6000);
    let id = s["id"].as_str().expect("id");
    let page1 = get(&emu, &format!("/v1/checkout/sessions/{id}/line_items")).await.json;
    assert_eq!(page1["data"].as_array().map(Vec::len), Some(10));
    assert_eq!(page1["has_more"], true);
    let last = page1["data"][9]["id"].as_str().expect("li id");
    let page2 = get(
        &emu,
        &format!("/v1/checkout/sessions/{id}/line_items?limit=5&starting_after={last}"),
    )
    .await
    .json;
    assert_eq!(page2["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(page2["has_more"], false);
    let r = get(&emu, &format!("/v1/checkout/sessions/{id}/line_items?limit=101")).await;
    assert_eq!((r.status, r.json["error"]["param"].as_str()), (400, Some("limit")));
    let r = get(
        &emu,
        &format!("/v1/checkout/sessions/{id}/line_items?starting_after=li_nope"),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn validation_errors() {
    let emu = Emulator::start().await.expect("start");
    let base = payment_pairs();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut p = base.clone();
        p.extend_from_slice(extra);
        p
    };
    let without = |key: &str| base.iter().copied().filter(|(k, _)| *k != key).collect::<Vec<_>>();
    let replace = |key: &'static str, v: &'static str| {
        base.iter()
            .map(|(k, old)| if *k == key { (*k, v) } else { (*k, *old) })
            .collect::<Vec<_>>()
    };

    let e = expect_error(&emu, &with(&[("bogus", "1")]), Some("parameter_unknown"), Some("bogus")).await;
    assert_eq!(e["message"], "Received unknown parameter: bogus");
    expect_error(
        &emu,
        &with(&[("line_items[0][price_data][product_data][colour]", "red")]),
        Some("parameter_unknown"),
        Some("line_items[0][price_data][product_data][colour]"),
    )
    .await;
    expect_error(
        &emu,
        &with(&[("line_items[0][sku]", "x")]),
        Some("parameter_unknown"),
        Some("line_items[0][sku]"),
    )
    .await;
    expect_error(&emu, &without("mode"), Some("parameter_missing"), Some("mode")).await;
    expect_error(&emu, &replace("mode", "donation"), None, Some("mode")).await;
    expect_error(
        &emu,
        &replace("line_items[0][price_data][currency]", "USD"),
        Some("invalid_currency"),
        Some("line_items[0][price_data][currency]"),
    )
    .await;
    let e = expect_error(
        &emu,
        &with(&[("allow_promotion_codes", "yes")]),
        Some("parameter_invalid_boolean"),
        Some("allow_promotion_codes"),
    )
    .await;
    assert_eq!(e["message"], "Invalid boolean: yes");
    expect_error(
        &emu,
        &replace("line_items[0][quantity]", "0"),
        Some("parameter_invalid_integer"),
        Some("line_items[0][quantity]"),
    )
    .await;
    expect_error(
        &emu,
        &replace("line_items[0][quantity]", "two"),
        Some("parameter_invalid_integer"),
        Some("line_items[0][quantity]"),
    )
    .await;
    expect_error(
        &emu,
        &without("line_items[0][quantity]"),
        Some("parameter_missing"),
        Some("line_items[0][quantity]"),
    )
    .await;
    expect_error(
        &emu,
        &replace("line_items[0][price_data][unit_amount]", "20"),
        Some("amount_too_small"),
        None,
    )
    .await;
    let e = expect_error(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", "price_nope"),
            ("line_items[0][quantity]", "1"),
        ],
        Some("resource_missing"),
        Some("line_items[0][price]"),
    )
    .await;
    assert_eq!(e["message"], "No such price: 'price_nope'");
    expect_error(
        &emu,
        &replace("success_url", "not a url"),
        Some("url_invalid"),
        Some("success_url"),
    )
    .await;
    expect_error(
        &emu,
        &replace("cancel_url", "https:///nohost"),
        Some("url_invalid"),
        Some("cancel_url"),
    )
    .await;
    let soon = (now() + 60).to_string();
    let late = (now() + 90_000).to_string();
    let ok = (now() + 3600).to_string();
    let p = |v: &str| {
        let mut p = base
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>();
        p.push(("expires_at".into(), v.to_owned()));
        p
    };
    for bad in [&soon, &late] {
        let pairs = p(bad);
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        expect_error(&emu, &refs, Some("parameter_invalid_integer"), Some("expires_at")).await;
    }
    let pairs = p(&ok);
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(create(&emu, &refs).await["expires_at"].as_i64(), ok.parse().ok());

    let long_key = "k".repeat(41);
    let pairs = [(format!("metadata[{long_key}]"), "v".to_owned())];
    let mut refs: Vec<(&str, &str)> = base.clone();
    refs.extend(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    expect_error(&emu, &refs, None, Some(&format!("metadata[{long_key}]"))).await;
    let long_val = "v".repeat(501);
    let mut refs: Vec<(&str, &str)> = base.clone();
    refs.push(("metadata[k]", &long_val));
    expect_error(&emu, &refs, None, Some("metadata[k]")).await;
    let many: Vec<(String, String)> = (0..51).map(|i| (format!("metadata[k{i}]"), "v".to_owned())).collect();
    let mut refs: Vec<(&str, &str)> = base.clone();
    refs.extend(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    expect_error(&emu, &refs, None, Some("metadata")).await;

    expect_error(
        &emu,
        &with(&[("customer", "cus_123"), ("customer_email", "a@b.c")]),
        Some("parameters_exclusive"),
        Some("customer_email"),
    )
    .await;
    expect_error(
        &emu,
        &[("mode", "payment")],
        Some("parameter_missing"),
        Some("line_items"),
    )
    .await;
    expect_error(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", "price_test_usd_monthly_900"),
            ("line_items[0][quantity]", "1"),
        ],
        None,
        Some("line_items[0][price]"),
    )
    .await;
    expect_error(
        &emu,
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", "price_test_usd_1000"),
            ("line_items[0][quantity]", "1"),
        ],
        None,
        Some("line_items"),
    )
    .await;
    expect_error(
        &emu,
        &with(&[("line_items[0][price]", "price_test_usd_1000")]),
        Some("parameters_exclusive"),
        Some("line_items[0][price]"),
    )
    .await;
    let r = post(
        &emu,
        "/v1/checkout/sessions",
        "mode=payment&line_items[0[price]=x",
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    // Custom scheme and placeholder accepted; no session was created by any failure above.
    assert_eq!(emu.session_count(), 1);

    // Content type and auth.
    let url = format!("{}/v1/checkout/sessions", emu.base_url());
    let r = reply(
        client()
            .post(&url)
            .bearer_auth(KEY)
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = reply(
        client()
            .post(&url)
            .body(form(&base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(r.json["error"]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("You did not provide an API key.")));
    let r = reply(
        client()
            .get(&url)
            .bearer_auth("sk_test_1234567890abcd-x")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json["error"]["message"],
        "Invalid API Key provided: sk_test_************cd-x"
    );
    let r = reply(
        client()
            .get(format!("{url}/cs_x"))
            .bearer_auth(KEY)
            .header("Stripe-Version", "yesterday")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = reply(
        client()
            .get(format!("{url}/cs_x"))
            .bearer_auth(KEY)
            .header("Stripe-Version", "2026-07-29.dahlia")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = reply(
        client()
            .get(format!("{}/v1/customers", emu.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.headers.contains_key("request-id"));
}

#[tokio::test]
async fn live_keys_make_live_sessions() {
    let emu = Emulator::start().await.expect("start");
    let r = reply(
        client()
            .post(format!("{}/v1/checkout/sessions", emu.base_url()))
            .bearer_auth("rk_live_abc")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&payment_pairs()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["livemode"], true);
    assert!(r.json["id"].as_str().is_some_and(|i| i.starts_with("cs_live_")));
}

#[tokio::test]
async fn idempotency_replay_conflict_and_in_flight() {
    let emu = Emulator::start().await.expect("start");
    let body = form(&payment_pairs());
    let first = post(&emu, "/v1/checkout/sessions", &body, Some("key-1")).await;
    assert_eq!(first.status, 200);
    assert!(!first.headers.contains_key("idempotent-replayed"));
    // Same params in another order: still the same request.
    let mut reordered = payment_pairs();
    reordered.reverse();
    let again = post(&emu, "/v1/checkout/sessions", &form(&reordered), Some("key-1")).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(again.json["id"], first.json["id"]);
    assert_eq!(emu.session_count(), 1);

    let mut other = payment_pairs();
    other.push(("client_reference_id", "different"));
    let conflict = post(&emu, "/v1/checkout/sessions", &form(&other), Some("key-1")).await;
    assert_eq!(conflict.status, 400);
    assert_eq!(conflict.json["error"]["type"], "idempotency_error");
    assert!(conflict.json["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("'key-1'")));

    // Validation failures are not stored: the key can then be used with good params.
    let bad = post(&emu, "/v1/checkout/sessions", "mode=payment", Some("key-2")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &body, Some("key-2")).await.status,
        200
    );

    let too_long = "k".repeat(256);
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &body, Some(&too_long)).await.status,
        400
    );

    // A request still executing (held by a delay fault) makes a concurrent twin get 409.
    emu.inject_fault(checkout_bridge_emulator::Fault {
        kind: checkout_bridge_emulator::FaultKind::Delay,
        delay_ms: Some(600),
        ..Default::default()
    });
    let slow = {
        let body = body.clone();
        let base = emu.base_url();
        tokio::spawn(async move {
            client()
                .post(format!("{base}/v1/checkout/sessions"))
                .bearer_auth(KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Idempotency-Key", "key-3")
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let twin = post(&emu, "/v1/checkout/sessions", &body, Some("key-3")).await;
    assert_eq!(twin.status, 409, "{}", twin.text);
    assert_eq!(twin.json["error"]["type"], "idempotency_error");
    assert_eq!(slow.await.expect("join").expect("slow request"), 200);
    assert_eq!(emu.session_count(), 3);
}

#[tokio::test]
async fn requests_are_recorded_without_keys() {
    let emu = Emulator::start().await.expect("start");
    let resp = client()
        .post(format!("{}/v1/checkout/sessions?x=1", emu.base_url()))
        .bearer_auth(KEY)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Idempotency-Key", "idem-9")
        .header("Stripe-Version", "2026-07-29.dahlia")
        .header("Stripe-Account", "acct_123")
        .header("User-Agent", "checkout-bridge/0.1.0")
        .body(form(&payment_pairs()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/checkout/sessions?x=1")
    );
    assert_eq!(r.idempotency_key.as_deref(), Some("idem-9"));
    assert_eq!(r.stripe_version.as_deref(), Some("2026-07-29.dahlia"));
    assert_eq!(r.stripe_account.as_deref(), Some("acct_123"));
    assert_eq!(r.user_agent.as_deref(), Some("checkout-bridge/0.1.0"));
    assert_eq!(r.authorization_scheme.as_deref(), Some("Bearer"));
    assert!(r.api_key_valid);
    assert!(r.body.contains("mode=payment"));
    assert!(r.faulted.is_none());
    assert!(!serde_json::to_string(&log).expect("json").contains(KEY));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}
