//! Servers that break the rules on purpose, served from a raw socket on 127.0.0.1: the client
//! must fail with a typed error, bounded memory, and no secret in any message.

mod common;

use std::sync::Arc;

use checkout_bridge::*;
use common::{assert_no_secret, TEST_KEY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves every connection with `respond(request_text)`, forever (until the test ends).
async fn raw_server(respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let respond = Arc::new(respond);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let respond = respond.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut n = 0;
                // Read until the end of the headers (test requests are GETs without bodies).
                while n < buf.len() {
                    match sock.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                    if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let _ = sock.write_all(&respond(&req)).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn client(base: &str) -> Arc<CheckoutClient> {
    let mut cfg = ClientConfig::new(Credential::SecretKey { key: TEST_KEY.into() }).with_base_url(base);
    cfg.max_retries = 0;
    cfg.timeout_ms = 3_000;
    CheckoutClient::new(cfg).expect("config")
}

fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_buffering_it() {
    let base = raw_server(|_| http("200 OK", "application/json", &vec![b' '; 3 * 1024 * 1024])).await;
    let r = client(&base).retrieve_session("cs_1".into()).await;
    assert!(
        matches!(r, Err(CheckoutError::InvalidResponse { ref reason, .. }) if reason.contains("exceeds")),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_server_echoing_the_authorization_header_gets_redacted() {
    let base = raw_server(|req| {
        let auth = req
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .unwrap_or("");
        let body = format!(r#"{{"error":{{"type":"invalid_request_error","message":"you sent {auth}"}}}}"#);
        let mut resp = http("400 Bad Request", "application/json", body.as_bytes());
        // Also echo it into the Request-Id header.
        let text = String::from_utf8_lossy(&resp).replacen("\r\n", &format!("\r\nRequest-Id: {auth}\r\n"), 1);
        resp = text.into_bytes();
        resp
    })
    .await;
    let e = client(&base).retrieve_session("cs_1".into()).await.expect_err("400");
    assert!(matches!(e, CheckoutError::Api { .. }), "{e:?}");
    assert_no_secret(&format!("{e} {e:?}"));
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let base = raw_server(|_| {
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec()
    })
    .await;
    let e = client(&base).retrieve_session("cs_1".into()).await.expect_err("302");
    assert!(
        matches!(e, CheckoutError::Api { ref details } if details.status == 302),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_wrongly_shaped_success_body_is_invalid_response() {
    let base = raw_server(|_| {
        http(
            "200 OK",
            "application/json",
            br#"{"id": 42, "object": "checkout.session"}"#,
        )
    })
    .await;
    let e = client(&base)
        .retrieve_session("cs_1".into())
        .await
        .expect_err("bad shape");
    assert!(matches!(e, CheckoutError::InvalidResponse { .. }), "{e:?}");
}

#[tokio::test]
async fn an_empty_error_body_still_maps_by_status() {
    let base = raw_server(|_| http("401 Unauthorized", "text/plain", b"")).await;
    let e = client(&base).retrieve_session("cs_1".into()).await.expect_err("401");
    assert!(matches!(e, CheckoutError::Authentication { .. }), "{e:?}");
}

#[tokio::test]
async fn a_connection_closed_mid_headers_is_a_network_error() {
    let base = raw_server(|_| b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"id\":".to_vec()).await;
    let e = client(&base)
        .retrieve_session("cs_1".into())
        .await
        .expect_err("closed early");
    assert!(matches!(e, CheckoutError::Network { .. }), "{e:?}");
    assert_no_secret(&format!("{e} {e:?}"));
}
