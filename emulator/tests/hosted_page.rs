//! The hosted page (Pay, Pay later, Cancel) and the session control endpoints.

mod common;

use checkout_bridge_emulator::Emulator;
use common::*;
use serde_json::json;

async fn page(emu: &Emulator, id: &str) -> Reply {
    reply(
        client()
            .get(format!("{}/pay/{id}", emu.base_url()))
            .send()
            .await
            .expect("page"),
    )
    .await
}

async fn press(emu: &Emulator, id: &str, action: &str) -> Reply {
    reply(
        client()
            .post(format!("{}/pay/{id}/{action}", emu.base_url()))
            .send()
            .await
            .expect("press"),
    )
    .await
}

fn location(r: &Reply) -> Option<&str> {
    r.headers.get("location").and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn pay_redirects_with_substitution() {
    let emu = Emulator::start().await.expect("start");
    let s = create(&emu, &payment_pairs()).await;
    let id = s["id"].as_str().expect("id");
    let p = page(&emu, id).await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains("T-shirt") && p.text.contains("USD 30.00"), "{}", p.text);
    for (action, label) in [("pay", "Pay"), ("pay_later", "Pay later"), ("cancel", "Cancel")] {
        let form = format!(
            "<form method=\"post\" action=\"/pay/{id}/{action}\"><button type=\"submit\">{label}</button></form>"
        );
        assert!(p.text.contains(&form), "missing {form}");
    }
    let r = press(&emu, id, "pay").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        location(&r),
        Some(format!("myapp://checkout/success?session_id={id}&state=abc").as_str())
    );
    let s = get(&emu, &format!("/v1/checkout/sessions/{id}")).await.json;
    assert_eq!(
        (s["status"].as_str(), s["payment_status"].as_str()),
        (Some("complete"), Some("paid"))
    );
    assert!(s["payment_intent"].as_str().is_some_and(|p| p.starts_with("pi_")));
    assert!(s["url"].is_null());
    // Not open any more: no forms, and pressing again is refused.
    let p = page(&emu, id).await;
    assert!(!p.text.contains("<form"));
    assert_eq!(press(&emu, id, "pay").await.status, 400);
    assert_eq!(page(&emu, "cs_test_unknown").await.status, 404);
}

#[tokio::test]
async fn pay_later_and_cancel() {
    let emu = Emulator::start().await.expect("start");
    let id = create(&emu, &payment_pairs()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = press(&emu, &id, "cancel").await;
    assert_eq!(r.status, 303);
    assert_eq!(location(&r), Some("myapp://checkout/cancel?state=abc"));
    assert_eq!(emu.session_json(&id).expect("s")["status"], "open");

    let r = press(&emu, &id, "pay_later").await;
    assert_eq!(r.status, 303);
    assert!(location(&r).is_some_and(|l| l.contains(&id) && !l.contains("{CHECKOUT_SESSION_ID}")));
    let s = emu.session_json(&id).expect("s");
    assert_eq!(
        (s["status"].as_str(), s["payment_status"].as_str()),
        (Some("complete"), Some("unpaid"))
    );

    // Cancel URL without substitution, and sessions without URLs.
    let id2 = create(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", "price_test_usd_1000"),
            ("line_items[0][quantity]", "1"),
            ("cancel_url", "https://shop.example/cancel?sid={CHECKOUT_SESSION_ID}"),
        ],
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = press(&emu, &id2, "cancel").await;
    assert_eq!(
        location(&r),
        Some("https://shop.example/cancel?sid={CHECKOUT_SESSION_ID}")
    );
    assert_eq!(press(&emu, &id2, "pay").await.status, 400, "no success_url");
    assert_eq!(emu.session_json(&id2).expect("s")["status"], "open");
}

#[tokio::test]
async fn session_control_endpoints() {
    let emu = Emulator::start().await.expect("start");
    let c = client();
    let base = format!("{}/_emulator", emu.base_url());
    let id = create(&emu, &payment_pairs()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = reply(c.get(format!("{base}/sessions")).send().await.expect("send")).await;
    assert_eq!(r.json, json!({"count": 1}));

    let r = reply(
        c.post(format!("{base}/sessions/{id}/complete"))
            .body(r#"{"paid": false}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["payment_status"], "unpaid");
    let r = reply(
        c.post(format!("{base}/sessions/{id}/async_fail"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((r.status, r.json["payment_status"].as_str()), (200, Some("unpaid")));
    let r = reply(
        c.post(format!("{base}/sessions/{id}/async_succeed"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((r.status, r.json["payment_status"].as_str()), (200, Some("paid")));
    let r = reply(
        c.post(format!("{base}/sessions/{id}/async_succeed"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = reply(
        c.post(format!("{base}/sessions/{id}/expire"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 400, "complete sessions cannot expire");

    let r = reply(
        c.post(format!("{base}/sessions/{id}/tamper"))
            .body(r#"{"amount_total": 1, "currency": "eur", "status": "weird"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.json["amount_total"].as_i64(),
            r.json["currency"].as_str(),
            r.json["status"].as_str()
        ),
        (Some(1), Some("eur"), Some("weird"))
    );
    let r = reply(
        c.post(format!("{base}/sessions/{id}/tamper"))
            .body(r#"{"amount_total": "x"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(!emu.tamper_session(&id, json!({"id": "other"})));
    assert!(emu.tamper_session(
        &id,
        json!({"livemode": true, "mode": "subscription", "payment_status": "no_payment_required"})
    ));
    assert_eq!(emu.session_json(&id).expect("s")["livemode"], true);

    let r = reply(
        c.post(format!("{base}/sessions/cs_nope/complete"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    assert!(!emu.expire_session("cs_nope"));

    let id = create(&emu, &payment_pairs()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = reply(
        c.post(format!("{base}/sessions/{id}/expire"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("expired")));

    // Lazy expiry once expires_at has passed.
    let id = create(&emu, &payment_pairs()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(emu.tamper_session(&id, json!({"expires_at": 1})));
    assert_eq!(
        get(&emu, &format!("/v1/checkout/sessions/{id}")).await.json["status"],
        "expired"
    );

    let r = reply(c.post(format!("{base}/prices")).body(r#"{"id":"price_gbp","currency":"gbp","unit_amount":250,"product_name":"Tea","recurring_interval":null}"#).send().await.expect("send")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = create(
        &emu,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", "price_gbp"),
            ("line_items[0][quantity]", "3"),
        ],
    )
    .await;
    assert_eq!(
        (s["amount_total"].as_i64(), s["currency"].as_str()),
        (Some(750), Some("gbp"))
    );
    let r = reply(c.get(format!("{base}/nothing")).send().await.expect("send")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn dropping_the_emulator_stops_the_server() {
    let emu = Emulator::start().await.expect("start");
    let addr = emu.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(emu);
    assert!(std::net::TcpStream::connect(addr).is_err());
}
