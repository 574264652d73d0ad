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
                let mut buf = vec![0u8; 64 * 1024];
                let mut n = 0;
                // Read the headers, then the body Content-Length announces (a POST's form), so
                // the response never races unread request bytes.
                let mut need = None;
                while n < buf.len() && need.is_none_or(|need| n < need) {
                    match sock.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                    if need.is_none() {
                        if let Some(end) = buf[..n].windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            need = Some(end + 4 + length);
                        }
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
    client_as(base, Credential::secret_key(TEST_KEY))
}

fn client_as(base: &str, credential: Arc<Credential>) -> Arc<CheckoutClient> {
    let mut cfg = ClientConfig::new(credential).with_base_url(base);
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

// ---------------------------------------------------------------------------------------------
// A hostile backend echoing the app user's token. A backend token is not key-shaped, so only the
// exact-secret redaction can catch it: it must run before any truncation, and on every text that
// reaches an error, including serde's quotes of a wrong-typed value.

/// Backend tokens as an attacker would pick them: plain, and with the two printable characters
/// that Rust's `{:?}` and JSON escape (a valid token may contain them).
const BACKEND_TOKENS: [&str; 2] = [
    "NEVERPRINTbackendtoken7f3a9c1e5b2d4f6a8c0e",
    r#"NEVERPRINT"quoted"\back\slash-7f3a9c1e5b2d"#,
];

/// The bearer token the request carried, as the hostile server sees it.
fn bearer(req: &str) -> String {
    req.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("authorization: bearer ")
                .then(|| l["authorization: bearer ".len()..].trim().to_owned())
        })
        .unwrap_or_default()
}

/// No part of `token` longer than 5 characters in `text`, raw or escaped.
fn assert_no_token(text: &str, token: &str) {
    for form in [
        token.to_owned(),
        format!("{token:?}"),
        serde_json::to_string(token).unwrap(),
    ] {
        let form = form.trim_matches('"');
        for len in 6..=form.len() {
            for start in 0..=form.len() - len {
                let piece = &form[start..start + len];
                assert!(!text.contains(piece), "token piece {piece:?} leaked: {text}");
            }
        }
    }
}

async fn backend_error(token: &str, respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> CheckoutError {
    let base = raw_server(respond).await;
    let e = client_as(&base, Credential::backend(token))
        .retrieve_session("cs_1".into())
        .await
        .expect_err("the hostile backend fails the call");
    let text = format!("{e} {e:?}");
    assert_no_token(&text, token);
    e
}

#[tokio::test]
async fn a_token_echoed_in_a_wrong_typed_success_field_is_redacted() {
    for token in BACKEND_TOKENS {
        // serde quotes the offending value: `invalid type: string "…", expected i64`.
        let e = backend_error(token, |req| {
            let body = serde_json::json!({"id": "cs_1", "object": "checkout.session", "amount_total": bearer(req)});
            http("200 OK", "application/json", body.to_string().as_bytes())
        })
        .await;
        assert!(
            matches!(e, CheckoutError::InvalidResponse { ref reason, .. } if reason.contains("invalid type")),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn a_token_cut_by_the_truncation_limit_leaves_no_prefix() {
    for token in BACKEND_TOKENS {
        // Each field is cut at 1,000 characters; put the token across that limit.
        for keep in [6, 12, 20] {
            let e = backend_error(token, move |req| {
                let token = bearer(req);
                let cut = "x".repeat(1000 - keep) + &token;
                let body = serde_json::json!({"error": {
                    "type": cut, "code": cut, "decline_code": cut,
                    "message": cut, "param": cut, "doc_url": cut,
                }});
                http("400 Bad Request", "application/json", body.to_string().as_bytes())
            })
            .await;
            let CheckoutError::Api { details } = e else {
                panic!("{e:?}")
            };
            let message = details.stripe_message.expect("message");
            assert!(
                message.starts_with("xxxx") && message.chars().count() <= 1001,
                "{message}"
            );
        }
    }
}

#[tokio::test]
async fn a_token_echoed_in_headers_is_redacted() {
    for token in BACKEND_TOKENS {
        // Request-Id (also long enough to be cut) and the Content-Type of a non-JSON error body.
        let e = backend_error(token, |req| {
            let token = bearer(req);
            format!(
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/{token}\r\nRequest-Id: {}{token}\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops",
                "r".repeat(195)
            )
            .into_bytes()
        })
        .await;
        let CheckoutError::Api { details } = e else {
            panic!("{e:?}")
        };
        assert!(details.request_id.expect("request id").chars().count() <= 201);
        assert!(details.stripe_message.expect("message").contains("not Stripe's JSON"));
    }
}

#[tokio::test]
async fn a_token_echoed_in_an_invalid_response_request_id_is_redacted() {
    for token in BACKEND_TOKENS {
        let e = backend_error(token, |req| {
            let token = bearer(req);
            let body = br#"{"id": 42}"#;
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRequest-Id: req_{token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                body.len(),
                String::from_utf8_lossy(body)
            )
            .into_bytes()
        })
        .await;
        assert!(
            matches!(e, CheckoutError::InvalidResponse { ref request_id, .. } if request_id.as_deref() == Some("req_[redacted]")),
            "{e:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The Checkout URL a hostile backend or a Stripe look-alike hands back: `start` must refuse to
// give the app a page it should not open, and expire the session so it cannot be paid unseen.

/// A server that creates one session with `url` and records every request line.
async fn session_server(url: &'static str) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let base = raw_server(move |req| {
        let line = req.lines().next().unwrap_or_default().to_owned();
        log.lock().unwrap().push(line.clone());
        let expired = line.contains("/expire ");
        let body = serde_json::json!({
            "id": "cs_test_hostile", "object": "checkout.session",
            "url": if expired { serde_json::Value::Null } else { url.into() },
            "status": if expired { "expired" } else { "open" },
            "payment_status": "unpaid", "mode": "payment", "amount_total": 1999, "currency": "usd",
            "created": 1_900_000_000, "expires_at": 1_900_086_400, "livemode": false,
        });
        http("200 OK", "application/json", body.to_string().as_bytes())
    })
    .await;
    (base, seen)
}

fn tshirt() -> CreateSessionParams {
    simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "T-shirt".into(),
        description: None,
        success_url: None,
        cancel_url: None,
        customer_email: None,
    })
}

fn temp_store() -> Arc<FileStore> {
    let dir = std::env::temp_dir().join(format!("cb-hostile-{}", new_idempotency_key().unwrap()));
    FileStore::open(dir.display().to_string()).expect("store")
}

/// Runs `start` against a server whose new session has `url`.
async fn start_with(
    credential: Arc<Credential>,
    url: &'static str,
) -> (Result<PendingCheckout, CheckoutError>, Vec<String>, usize) {
    let (base, seen) = session_server(url).await;
    let store = temp_store();
    let flow = CheckoutFlow::new(client_as(&base, credential), "myapp://checkout".into(), store.clone()).expect("flow");
    let result = flow.start(tshirt()).await;
    let requests = seen.lock().unwrap().clone();
    (result, requests, store.load_all().expect("load").len())
}

fn assert_refused_and_expired(
    url: &str,
    (result, requests, stored): (Result<PendingCheckout, CheckoutError>, Vec<String>, usize),
) {
    assert!(
        matches!(result, Err(CheckoutError::UntrustedCheckoutUrl { .. })),
        "{url}: {result:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("POST /v1/checkout/sessions/cs_test_hostile/expire ")),
        "{url}: the session must be expired: {requests:?}"
    );
    assert_eq!(stored, 0, "{url}: nothing recorded");
}

#[tokio::test]
async fn direct_mode_opens_only_stripes_checkout_page() {
    for url in [
        "https://checkout.stripe.com.evil.example/c/pay/cs_test_hostile",
        "https://evil.example/c/pay/cs_test_hostile",
        "https://checkout.stripe.com@evil.example/c/pay/cs_test_hostile",
        "https://checkout.stripe.com:8443/c/pay/cs_test_hostile",
        "http://checkout.stripe.com/c/pay/cs_test_hostile",
        "javascript:alert(document.cookie)",
        "intent://pay#Intent;scheme=https;package=com.evil;end",
        "file:///sdcard/phish.html",
    ] {
        assert_refused_and_expired(url, start_with(Credential::secret_key(TEST_KEY), url).await);
    }
    let (ok, requests, stored) = start_with(
        Credential::secret_key(TEST_KEY),
        "https://checkout.stripe.com/c/pay/cs_test_hostile#fidkdWxOYHwnPyd1blpxYHZxWjA0",
    )
    .await;
    assert_eq!(ok.expect("Stripe's page is fine").session_id, "cs_test_hostile");
    assert_eq!((requests.len(), stored), (1, 1), "{requests:?}");
}

#[tokio::test]
async fn backend_mode_allows_a_custom_domain_but_only_over_https() {
    for url in [
        "http://pay.shop.example/c/pay/cs_test_hostile",
        "intent://pay#Intent;scheme=https;package=com.evil;end",
        "javascript:alert(1)",
        "https://user:pass@pay.shop.example/c/pay/cs_test_hostile",
        "not a url",
    ] {
        assert_refused_and_expired(url, start_with(Credential::backend("user-token-1"), url).await);
    }
    // Stripe serves Checkout on the merchant's custom domain when one is set up.
    let (ok, _, stored) = start_with(
        Credential::backend("user-token-1"),
        "https://pay.shop.example/c/pay/cs_test_hostile",
    )
    .await;
    assert!(ok.is_ok() && stored == 1, "{ok:?}");
}

// ---------------------------------------------------------------------------------------------
// Restore purchases (`list_purchases`) against hostile backends

/// A purchase record as a backend lists it, with `session_id` `id`.
fn purchase_json(id: &str) -> serde_json::Value {
    serde_json::json!({"object": "purchase", "session_id": id, "user": "alice", "mode": "payment",
        "payment_status": "paid", "currency": "usd", "amount_total": 1999, "livemode": false,
        "fulfilled_at": 1800000000, "source": "webhook", "line_items": []})
}

fn list_body(data: Vec<serde_json::Value>, has_more: bool) -> Vec<u8> {
    let body = serde_json::json!({"object": "list", "url": "/v1/purchases", "has_more": has_more, "data": data});
    http("200 OK", "application/json", body.to_string().as_bytes())
}

/// The `starting_after` of a request line, if any.
fn starting_after(req: &str) -> Option<String> {
    let line = req.lines().next()?;
    let query = line.split_whitespace().nth(1)?.split_once('?')?.1.to_owned();
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "starting_after")
        .map(|(_, v)| v.into_owned())
}

/// `list_purchases` from a backend client with `token`, asserting no piece of the token is in
/// the error's text.
async fn purchases_error(token: &str, respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> CheckoutError {
    let base = raw_server(respond).await;
    let e = client_as(&base, Credential::backend(token))
        .list_purchases()
        .await
        .expect_err("the hostile backend fails the call");
    assert_no_token(&format!("{e} {e:?}"), token);
    e
}

fn is_invalid_response(e: &CheckoutError, needle: &str) -> bool {
    matches!(e, CheckoutError::InvalidResponse { reason, .. } if reason.contains(needle))
}

#[tokio::test]
async fn list_purchases_pages_through_a_well_behaved_backend() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let base = raw_server(move |req| {
        log.lock().unwrap().push(req.lines().next().unwrap_or("").to_owned());
        assert_eq!(bearer(req), BACKEND_TOKENS[0]);
        // 250 purchases, newest first: cs_249 … cs_0, in pages of the `limit` asked for.
        let from = match starting_after(req) {
            Some(after) => after.trim_start_matches("cs_").parse::<i64>().unwrap(),
            None => 250,
        };
        let page: Vec<_> = (0..from)
            .rev()
            .take(100)
            .map(|i| purchase_json(&format!("cs_{i}")))
            .collect();
        let more = page.last().is_some_and(|p| p["session_id"] != "cs_0");
        list_body(page, more)
    })
    .await;
    let all = client_as(&base, Credential::backend(BACKEND_TOKENS[0]))
        .list_purchases()
        .await
        .expect("listed");
    assert_eq!(all.len(), 250);
    assert_eq!(
        (all[0].session_id.as_str(), all[249].session_id.as_str()),
        ("cs_249", "cs_0")
    );
    assert!(all
        .iter()
        .all(|p| p.source == PurchaseSource::Webhook && p.payment_status == PaymentStatus::Paid));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "GET /v1/purchases?limit=100 HTTP/1.1",
            "GET /v1/purchases?limit=100&starting_after=cs_150 HTTP/1.1",
            "GET /v1/purchases?limit=100&starting_after=cs_50 HTTP/1.1",
        ]
    );
}

#[tokio::test]
async fn list_purchases_with_no_purchases_is_an_empty_list() {
    let base = raw_server(|_| list_body(vec![], false)).await;
    let all = client_as(&base, Credential::backend(BACKEND_TOKENS[0]))
        .list_purchases()
        .await
        .expect("listed");
    assert!(all.is_empty());
    // `has_more` with nothing in the page ends the list too, rather than asking forever.
    let base = raw_server(|_| list_body(vec![], true)).await;
    let all = client_as(&base, Credential::backend(BACKEND_TOKENS[0]))
        .list_purchases()
        .await
        .expect("listed");
    assert!(all.is_empty());
}

#[tokio::test]
async fn list_purchases_is_refused_in_direct_mode_before_anything_is_sent() {
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let base = raw_server(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        list_body(vec![], false)
    })
    .await;
    let e = client(&base).list_purchases().await.expect_err("direct mode");
    assert!(
        matches!(e, CheckoutError::BackendRequired { ref operation, .. } if operation == "list_purchases"),
        "{e:?}"
    );
    let text = format!("{e} {e:?}");
    assert!(text.contains("backend"), "{text}");
    assert_no_secret(&text);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing was sent");
}

#[tokio::test]
async fn list_purchases_refuses_truncated_oversized_and_wrongly_typed_bodies() {
    for token in BACKEND_TOKENS {
        // Truncated mid-record (the declared length is what was sent, so this is the body).
        let e = purchases_error(token, |_| {
            http(
                "200 OK",
                "application/json",
                br#"{"object":"list","data":[{"session_id":"cs_1","mode":"pay"#,
            )
        })
        .await;
        assert!(is_invalid_response(&e, "not the expected JSON"), "{e:?}");

        // Cut off by the connection: more announced than sent.
        let e = purchases_error(token, |_| {
            let mut r = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n".to_vec();
            r.extend_from_slice(br#"{"object":"list","data":[{"session_id":"#);
            r
        })
        .await;
        assert!(
            matches!(e, CheckoutError::Network { .. } | CheckoutError::InvalidResponse { .. }),
            "{e:?}"
        );

        // Oversized: more than the client buffers.
        let e = purchases_error(token, |_| {
            http("200 OK", "application/json", &vec![b' '; 3 * 1024 * 1024])
        })
        .await;
        assert!(is_invalid_response(&e, "exceeds"), "{e:?}");

        // An HTML page (a captive portal, a proxy's error page) with a 200.
        let e = purchases_error(token, |req| {
            http(
                "200 OK",
                "text/html",
                format!("<html>hello {}</html>", bearer(req)).as_bytes(),
            )
        })
        .await;
        assert!(is_invalid_response(&e, "not the expected JSON"), "{e:?}");

        // Wrong types, each echoing the token where serde would quote it.
        for field in ["amount_total", "fulfilled_at", "line_items", "livemode"] {
            let e = purchases_error(token, move |req| {
                let mut p = purchase_json("cs_1");
                p[field] = bearer(req).into();
                list_body(vec![p], false)
            })
            .await;
            assert!(is_invalid_response(&e, "invalid type"), "{field}: {e:?}");
        }
        let e = purchases_error(token, |req| {
            let body = serde_json::json!({"object": "list", "has_more": false, "data": bearer(req)});
            http("200 OK", "application/json", body.to_string().as_bytes())
        })
        .await;
        assert!(is_invalid_response(&e, "invalid type"), "{e:?}");
        // A record without its key.
        let e = purchases_error(token, |_| {
            let mut p = purchase_json("cs_1");
            p.as_object_mut().unwrap().remove("session_id");
            list_body(vec![p], false)
        })
        .await;
        assert!(is_invalid_response(&e, "session_id"), "{e:?}");

        // Errors with the token echoed back.
        let e = purchases_error(token, |req| {
            let body = serde_json::json!({"error": {"type": "invalid_request_error",
                "message": format!("Invalid API Key provided: {}", bearer(req))}});
            http("401 Unauthorized", "application/json", body.to_string().as_bytes())
        })
        .await;
        assert!(matches!(e, CheckoutError::Authentication { .. }), "{e:?}");
        let e = purchases_error(token, |_| http("404 Not Found", "text/plain", b"no such route")).await;
        assert!(matches!(e, CheckoutError::NotFound { .. }), "{e:?}");
    }
}

#[tokio::test]
async fn list_purchases_stops_pages_that_never_end_or_do_not_advance() {
    // The same page, announcing more, forever (a backend that ignores `starting_after`).
    let e = purchases_error(BACKEND_TOKENS[0], |_| list_body(vec![purchase_json("cs_1")], true)).await;
    assert!(is_invalid_response(&e, "did not advance"), "{e:?}");

    // A new purchase on every page, announcing more, forever: stopped after 100 pages.
    let pages = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = pages.clone();
    let e = purchases_error(BACKEND_TOKENS[0], move |_| {
        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        list_body(vec![purchase_json(&format!("cs_{n}"))], true)
    })
    .await;
    assert!(is_invalid_response(&e, "did not end"), "{e:?}");
    assert_eq!(pages.load(std::sync::atomic::Ordering::SeqCst), 100);

    // A page longer than the limit asked for.
    let e = purchases_error(BACKEND_TOKENS[0], |_| {
        list_body((0..101).map(|i| purchase_json(&format!("cs_{i}"))).collect(), false)
    })
    .await;
    assert!(is_invalid_response(&e, "longer than the limit"), "{e:?}");
}
