//! Stripe's error bodies (unset fields omitted) and the API keys the emulator accepts: bound keys,
//! revoked keys, the default of any well-formed key.

mod common;

use checkout_bridge_emulator::Emulator;
use common::*;
use serde_json::{json, Value};

async fn get_with(emu: &Emulator, key: Option<&str>, path: &str) -> Reply {
    let mut req = client().get(format!("{}{path}", emu.base_url()));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    reply(req.send().await.expect("send")).await
}

fn keys(v: &Value) -> Vec<String> {
    v["error"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn error_bodies_carry_only_the_fields_stripe_sends() {
    let emu = Emulator::start().await.expect("start");
    // No key: message and type only.
    let r = get_with(&emu, None, "/v1/checkout/sessions/cs_test_x").await;
    assert_eq!(r.status, 401);
    assert_eq!(keys(&r.json), ["message", "type"], "{}", r.text);
    assert_eq!(r.json["error"]["message"], "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.");
    // A coded error: code, doc_url, message, param, type — no nulls anywhere.
    let r = get(&emu, "/v1/checkout/sessions/cs_test_nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(keys(&r.json), ["code", "doc_url", "message", "param", "type"]);
    assert_eq!(
        r.json["error"]["doc_url"],
        "https://stripe.com/docs/error-codes/resource-missing"
    );
    // A parameter error without a code: no `code` and no `doc_url`.
    let r = post(&emu, "/v1/checkout/sessions", &form(&[("mode", "donation")]), None).await;
    assert_eq!(r.status, 400);
    assert_eq!(keys(&r.json), ["message", "param", "type"], "{}", r.text);
    assert_eq!(
        r.json["error"]["message"],
        "Invalid mode: must be one of payment, setup, or subscription"
    );
    assert!(!r.text.contains("null"), "{}", r.text);
    // Errors from faults and the control API follow the same rule.
    let r = reply(
        client()
            .post(format!("{}/_emulator/sessions/cs_nope/complete", emu.base_url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert!(!r.text.contains("null"), "{}", r.text);
}

#[tokio::test]
async fn a_bound_emulator_refuses_other_keys_with_stripes_401() {
    let emu = Emulator::builder()
        .api_key("sk_test_bound_key_1234")
        .api_key("rk_live_second_key_9876")
        .start()
        .await
        .expect("start");
    let ok = get_with(&emu, Some("sk_test_bound_key_1234"), "/v1/checkout/sessions/cs_test_x").await;
    assert_eq!(ok.status, 404, "the bound key passes auth: {}", ok.text);
    let ok = get_with(&emu, Some("rk_live_second_key_9876"), "/v1/checkout/sessions/cs_test_x").await;
    assert_eq!(ok.status, 404);
    let r = get_with(&emu, Some("sk_test_other_key_abcd"), "/v1/checkout/sessions/cs_test_x").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json,
        json!({"error": {"message": "Invalid API Key provided: sk_test_**********abcd", "type": "invalid_request_error"}})
    );
    assert!(!format!("{emu:?}").contains("bound_key"));
    let builder = Emulator::builder().api_key("sk_test_secret_in_builder");
    assert!(!format!("{builder:?}").contains("secret_in_builder"), "{builder:?}");
    // A malformed key cannot be bound, and the error does not repeat it.
    let err = Emulator::builder()
        .api_key("pk_test_publishable")
        .start()
        .await
        .expect_err("refused");
    assert!(!err.to_string().contains("pk_test_publishable"), "{err}");
}

#[tokio::test]
async fn a_revoked_key_gets_api_key_expired_and_binding_at_run_time_works() {
    let emu = Emulator::start().await.expect("start");
    let c = client();
    let control = |path: &str| format!("{}/_emulator/{path}", emu.base_url());
    // Default: any well-formed key.
    assert_eq!(
        get_with(&emu, Some("sk_test_anything_1"), "/v1/checkout/sessions/cs_x")
            .await
            .status,
        404
    );

    let r = reply(
        c.post(control("api_keys/revoke"))
            .body(r#"{"key": "sk_test_leaked_key_4321"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        !r.text.contains("leaked"),
        "the answer never echoes the key: {}",
        r.text
    );
    let r = get_with(&emu, Some("sk_test_leaked_key_4321"), "/v1/checkout/sessions/cs_x").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json,
        json!({"error": {
            "code": "api_key_expired",
            "doc_url": "https://stripe.com/docs/error-codes/api-key-expired",
            "message": "Expired API Key provided: sk_test_***********4321",
            "type": "invalid_request_error",
        }})
    );
    // Other keys still work until one is bound.
    assert_eq!(
        get_with(&emu, Some("sk_test_anything_2"), "/v1/checkout/sessions/cs_x")
            .await
            .status,
        404
    );
    let r = reply(
        c.post(control("api_keys"))
            .body(r#"{"key": "sk_test_only_me"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((r.status, r.json["bound"].as_i64()), (200, Some(1)), "{}", r.text);
    assert_eq!(
        get_with(&emu, Some("sk_test_anything_2"), "/v1/checkout/sessions/cs_x")
            .await
            .status,
        401
    );
    assert_eq!(
        get_with(&emu, Some("sk_test_only_me"), "/v1/checkout/sessions/cs_x")
            .await
            .status,
        404
    );
    let r = reply(
        c.post(control("api_keys"))
            .body(r#"{"key": "not a key"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 400);
    // The in-process API does the same.
    emu.revoke_api_key("sk_test_only_me");
    let r = get_with(&emu, Some("sk_test_only_me"), "/v1/checkout/sessions/cs_x").await;
    assert_eq!(r.json["error"]["code"], "api_key_expired");
}
