//! Idempotency as Stripe does it: the first result is stored once the endpoint executes, errors
//! included, and replayed with `Idempotent-Replayed: true`; validation failures, 429s and
//! retry-able failures are not stored; a key still executing gets 409 `idempotency_key_in_use`.

mod common;

use checkout_bridge_emulator::{Emulator, Fault, FaultKind};
use common::*;

const CREATE: &str = "/v1/checkout/sessions";

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

fn unknown_price() -> String {
    form(&[
        ("mode", "payment"),
        ("line_items[0][price]", "price_does_not_exist"),
        ("line_items[0][quantity]", "1"),
    ])
}

#[tokio::test]
async fn an_error_of_the_executing_endpoint_is_stored_and_replayed() {
    let emu = Emulator::start().await.expect("start");
    let first = post(&emu, CREATE, &unknown_price(), Some("exec-err")).await;
    assert_eq!(first.status, 400, "{}", first.text);
    assert_eq!(first.json["error"]["code"], "resource_missing");
    assert_eq!(header(&first, "idempotency-key"), Some("exec-err"));
    assert!(header(&first, "idempotent-replayed").is_none());

    let again = post(&emu, CREATE, &unknown_price(), Some("exec-err")).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.text, first.text, "the stored body, byte for byte");
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&again, "original-request"), header(&first, "request-id"));

    // The key now belongs to that request: other parameters are a misuse of the key.
    let fixed = post(&emu, CREATE, &form(&payment_pairs()), Some("exec-err")).await;
    assert_eq!(fixed.status, 400);
    assert_eq!(fixed.json["error"]["type"], "idempotency_error");
    assert!(fixed.json["error"].get("code").is_none(), "{}", fixed.text);
    assert_eq!(emu.session_count(), 0);
}

#[tokio::test]
async fn parameter_validation_failures_are_not_stored() {
    let emu = Emulator::start().await.expect("start");
    for (key, body) in [
        ("unknown-param", form(&[("mode", "payment"), ("bogus", "1")])),
        ("bad-enum", form(&[("mode", "donation")])),
        ("missing", form(&[("mode", "payment")])),
    ] {
        let bad = post(&emu, CREATE, &body, Some(key)).await;
        assert_eq!(bad.status, 400, "{key}: {}", bad.text);
        let ok = post(&emu, CREATE, &form(&payment_pairs()), Some(key)).await;
        assert_eq!(ok.status, 200, "{key}: the key is free again: {}", ok.text);
        assert!(header(&ok, "idempotent-replayed").is_none());
    }
    assert_eq!(emu.session_count(), 3);
}

#[tokio::test]
async fn a_server_failure_is_stored_and_a_retry_with_the_same_key_replays_it() {
    let emu = Emulator::start().await.expect("start");
    emu.inject_fault(Fault {
        kind: FaultKind::Status,
        status: Some(500),
        method: Some("POST".into()),
        ..Default::default()
    });
    let body = form(&payment_pairs());
    let first = post(&emu, CREATE, &body, Some("srv-500")).await;
    assert_eq!(first.status, 500);
    assert_eq!(first.json["error"]["type"], "api_error");
    // Stripe tells the client that retrying a stored failure has no effect.
    assert_eq!(header(&first, "stripe-should-retry"), Some("false"));

    let retry = post(&emu, CREATE, &body, Some("srv-500")).await;
    assert_eq!(retry.status, 500, "the stored 500 is replayed, not re-executed");
    assert_eq!(retry.text, first.text);
    assert_eq!(header(&retry, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&retry, "stripe-should-retry"), Some("false"));
    assert_eq!(emu.session_count(), 0);

    // A new key executes for real.
    assert_eq!(post(&emu, CREATE, &body, Some("srv-500-new")).await.status, 200);
    // The failure went through auth like a real result: a bad key still gets 401 first.
    emu.inject_fault(Fault {
        kind: FaultKind::Status,
        status: Some(500),
        ..Default::default()
    });
    let r = reply(
        client()
            .post(format!("{}{CREATE}", emu.base_url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn failures_stripe_asks_to_retry_and_rate_limits_are_not_stored() {
    let emu = Emulator::start().await.expect("start");
    let body = form(&payment_pairs());
    for (key, fault) in [
        (
            "retry-true",
            Fault {
                status: Some(503),
                should_retry: Some(true),
                ..Default::default()
            },
        ),
        (
            "rate-limited",
            Fault {
                status: Some(429),
                ..Default::default()
            },
        ),
        (
            "conflict",
            Fault {
                status: Some(409),
                ..Default::default()
            },
        ),
    ] {
        emu.inject_fault(fault);
        let first = post(&emu, CREATE, &body, Some(key)).await;
        assert!(first.status >= 400, "{key}");
        let retry = post(&emu, CREATE, &body, Some(key)).await;
        assert_eq!(
            retry.status, 200,
            "{key}: nothing was stored, the retry executes: {}",
            retry.text
        );
        assert!(header(&retry, "idempotent-replayed").is_none());
    }
}

#[tokio::test]
async fn a_key_still_executing_gets_409_idempotency_key_in_use() {
    let emu = Emulator::start().await.expect("start");
    emu.inject_fault(Fault {
        kind: FaultKind::Delay,
        delay_ms: Some(600),
        ..Default::default()
    });
    let body = form(&payment_pairs());
    let slow = {
        let (body, base) = (body.clone(), emu.base_url());
        tokio::spawn(async move {
            client()
                .post(format!("{base}{CREATE}"))
                .bearer_auth(KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Idempotency-Key", "slow")
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let twin = post(&emu, CREATE, &body, Some("slow")).await;
    assert_eq!(twin.status, 409, "{}", twin.text);
    assert_eq!(twin.json["error"]["type"], "idempotency_error");
    assert_eq!(twin.json["error"]["code"], "idempotency_key_in_use");
    assert_eq!(slow.await.expect("join").expect("slow"), 200);
    // The in-flight conflict was not stored: the key replays the first request's success.
    let after = post(&emu, CREATE, &body, Some("slow")).await;
    assert_eq!(
        (after.status, header(&after, "idempotent-replayed")),
        (200, Some("true"))
    );
}
