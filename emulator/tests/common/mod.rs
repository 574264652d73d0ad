//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)]

use checkout_bridge_emulator::Emulator;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const KEY: &str = "sk_test_emulator_4242";

/// A client that does not follow redirects.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Form-encodes pairs (independently of the emulator's parser).
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The pairs of a valid one-item payment session.
pub fn payment_pairs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount]", "1500"),
        ("line_items[0][price_data][product_data][name]", "T-shirt"),
        ("line_items[0][quantity]", "2"),
        (
            "success_url",
            "myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}&state=abc",
        ),
        ("cancel_url", "myapp://checkout/cancel?state=abc"),
    ]
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// POST a form to `path` with the test key and an optional idempotency key.
pub async fn post(emu: &Emulator, path: &str, body: &str, idem: Option<&str>) -> Reply {
    let mut req = client()
        .post(format!("{}{path}", emu.base_url()))
        .bearer_auth(KEY)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some(k) = idem {
        req = req.header("Idempotency-Key", k);
    }
    reply(req.send().await.expect("send")).await
}

pub async fn get(emu: &Emulator, path: &str) -> Reply {
    let resp = client()
        .get(format!("{}{path}", emu.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("send");
    reply(resp).await
}

/// Creates a session from pairs and returns its id, asserting 200.
pub async fn create(emu: &Emulator, pairs: &[(&str, &str)]) -> Value {
    let r = post(emu, "/v1/checkout/sessions", &form(pairs), None).await;
    assert_eq!(r.status, 200, "create failed: {}", r.text);
    r.json
}

/// Asserts a 400 with the given code and param.
pub async fn expect_error(emu: &Emulator, pairs: &[(&str, &str)], code: Option<&str>, param: Option<&str>) -> Value {
    let r = post(emu, "/v1/checkout/sessions", &form(pairs), None).await;
    assert_eq!(r.status, 400, "expected 400 for {pairs:?}: {}", r.text);
    let err = &r.json["error"];
    assert_eq!(err["type"], "invalid_request_error", "{}", r.text);
    assert_eq!(err["code"].as_str(), code, "{}", r.text);
    assert_eq!(err["param"].as_str(), param, "{}", r.text);
    err.clone()
}
