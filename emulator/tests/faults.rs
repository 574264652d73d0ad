//! Each fault kind over real HTTP, counts, matching and the control endpoints for faults.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use checkout_bridge_emulator::{Emulator, Fault, FaultKind};
use common::*;

fn fault(kind: FaultKind) -> Fault {
    Fault {
        kind,
        ..Default::default()
    }
}

#[tokio::test]
async fn status_fault_with_retry_header_and_count() {
    let emu = Emulator::start().await.expect("start");
    emu.inject_fault(Fault {
        status: Some(503),
        should_retry: Some(true),
        count: 2,
        ..fault(FaultKind::Status)
    });
    let body = form(&payment_pairs());
    for _ in 0..2 {
        let r = post(&emu, "/v1/checkout/sessions", &body, None).await;
        assert_eq!(r.status, 503);
        assert_eq!(r.json["error"]["type"], "api_error");
        assert_eq!(
            r.headers.get("stripe-should-retry").and_then(|v| v.to_str().ok()),
            Some("true")
        );
        assert!(r.headers.contains_key("request-id"));
    }
    assert_eq!(post(&emu, "/v1/checkout/sessions", &body, None).await.status, 200);
    assert_eq!(emu.session_count(), 1);
    let log = emu.requests();
    assert_eq!(
        log.iter().map(|r| r.faulted).collect::<Vec<_>>(),
        vec![Some(FaultKind::Status), Some(FaultKind::Status), None]
    );

    emu.inject_fault(Fault {
        status: Some(429),
        should_retry: Some(false),
        ..fault(FaultKind::Status)
    });
    let r = post(&emu, "/v1/checkout/sessions", &body, None).await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (429, Some("rate_limit")));
    assert_eq!(
        r.headers.get("stripe-should-retry").and_then(|v| v.to_str().ok()),
        Some("false")
    );

    emu.inject_fault(Fault {
        status: Some(402),
        code: Some("card_declined".into()),
        message: Some("Declined".into()),
        param: Some("x".into()),
        ..fault(FaultKind::Status)
    });
    let r = post(&emu, "/v1/checkout/sessions", &body, None).await;
    let e = &r.json["error"];
    assert_eq!(
        (
            r.status,
            e["type"].as_str(),
            e["code"].as_str(),
            e["message"].as_str(),
            e["param"].as_str()
        ),
        (
            402,
            Some("card_error"),
            Some("card_declined"),
            Some("Declined"),
            Some("x")
        )
    );
}

#[tokio::test]
async fn method_and_prefix_matching() {
    let emu = Emulator::start().await.expect("start");
    let id = create(&emu, &payment_pairs()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    emu.inject_fault(Fault {
        status: Some(500),
        method: Some("get".into()),
        path_prefix: Some("/v1/checkout/sessions/".into()),
        ..fault(FaultKind::Status)
    });
    // A POST does not match; the GET does, once.
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), None)
            .await
            .status,
        200
    );
    assert_eq!(get(&emu, &format!("/v1/checkout/sessions/{id}")).await.status, 500);
    assert_eq!(get(&emu, &format!("/v1/checkout/sessions/{id}")).await.status, 200);
    // Control endpoints and the hosted page are never faulted.
    emu.inject_fault(Fault {
        status: Some(500),
        path_prefix: Some("/".into()),
        count: 5,
        ..fault(FaultKind::Status)
    });
    let r = client()
        .get(format!("{}/pay/{id}", emu.base_url()))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status().as_u16(), 200);
    let r = client()
        .get(format!("{}/_emulator/sessions", emu.base_url()))
        .send()
        .await
        .expect("control");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn drop_closes_without_response() {
    let emu = Emulator::start().await.expect("start");
    emu.inject_fault(fault(FaultKind::Drop));
    let err = client()
        .post(format!("{}/v1/checkout/sessions", emu.base_url()))
        .bearer_auth(KEY)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&payment_pairs()))
        .send()
        .await
        .expect_err("dropped");
    assert!(!err.is_status());
    assert_eq!(emu.session_count(), 0);
    assert_eq!(emu.requests()[0].faulted, Some(FaultKind::Drop));
    // The next request is served normally.
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn drop_after_processes_then_closes() {
    let emu = Emulator::start().await.expect("start");
    emu.inject_fault(fault(FaultKind::DropAfter));
    let body = form(&payment_pairs());
    let addr = emu.addr();
    let raw = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let req = format!(
            "POST /v1/checkout/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nIdempotency-Key: after-1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).expect("write");
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        buf
    })
    .await
    .expect("join");
    assert!(raw.is_empty(), "got a response: {}", String::from_utf8_lossy(&raw));
    assert_eq!(emu.session_count(), 1);
    // A retry with the same key replays the stored result.
    let r = post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), Some("after-1")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(emu.session_count(), 1);
}

#[tokio::test]
async fn truncated_invalid_and_html_bodies() {
    let emu = Emulator::start().await.expect("start");
    let body = form(&payment_pairs());
    emu.inject_fault(fault(FaultKind::TruncatedJson));
    let r = post(&emu, "/v1/checkout/sessions", &body, None).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
    assert!(r.text.starts_with('{') && r.text.len() > 100);
    assert_eq!(emu.session_count(), 1, "truncated responses still create the session");

    emu.inject_fault(Fault {
        status: Some(500),
        ..fault(FaultKind::InvalidJson)
    });
    let r = post(&emu, "/v1/checkout/sessions", &body, None).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());

    emu.inject_fault(fault(FaultKind::Html));
    let r = post(&emu, "/v1/checkout/sessions", &body, None).await;
    assert_eq!(r.status, 502);
    assert!(r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html")));
    assert!(r.text.contains("502 Bad Gateway"));
    assert_eq!(emu.session_count(), 1);
}

#[tokio::test]
async fn delay_then_normal() {
    let emu = Emulator::start().await.expect("start");
    emu.inject_fault(Fault {
        delay_ms: Some(300),
        ..fault(FaultKind::Delay)
    });
    let t = Instant::now();
    let r = post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), None).await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    emu.inject_fault(Fault {
        delay_ms: Some(200),
        status: Some(500),
        ..fault(FaultKind::Status)
    });
    let t = Instant::now();
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), None)
            .await
            .status,
        500
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn fault_control_endpoints() {
    let emu = Emulator::start().await.expect("start");
    let c = client();
    let url = format!("{}/_emulator/faults", emu.base_url());
    let r = reply(
        c.post(&url)
            .body(r#"{"kind":"status","status":500,"count":3,"should_retry":true}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = reply(c.post(&url).body(r#"{"kind":"status"}"#).send().await.expect("send")).await;
    assert_eq!(r.status, 400, "status faults need a status");
    let r = reply(c.post(&url).body("not json").send().await.expect("send")).await;
    assert_eq!(r.status, 400);
    let r = reply(c.get(&url).send().await.expect("send")).await;
    assert_eq!(r.json.as_array().map(Vec::len), Some(1));
    assert_eq!(r.json[0]["count"], 3);
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), None)
            .await
            .status,
        500
    );
    let r = reply(c.get(&url).send().await.expect("send")).await;
    assert_eq!(r.json[0]["count"], 2);
    assert_eq!(reply(c.delete(&url).send().await.expect("send")).await.status, 200);
    assert_eq!(
        post(&emu, "/v1/checkout/sessions", &form(&payment_pairs()), None)
            .await
            .status,
        200
    );

    let r = reply(
        c.get(format!("{}/_emulator/requests", emu.base_url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    let log = r.json.as_array().expect("array");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["faulted"], "status");
    assert!(log[1]["faulted"].is_null());
    assert_eq!(log[1]["authorization_scheme"], "Bearer");
    assert_eq!(
        reply(
            c.delete(format!("{}/_emulator/requests", emu.base_url()))
                .send()
                .await
                .expect("send")
        )
        .await
        .status,
        200
    );
    assert!(emu.requests().is_empty());
}
