//! The server end to end: app client (backend mode) → server → emulator, the policy table,
//! webhooks on SQLite and on a shared PostgreSQL, and the key never leaking anywhere.

use std::sync::Arc;

mod support;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::wire::webhook::sign_payload;
use checkout_bridge_server::{spawn, token_hash, RunningServer, Secrets, ServerConfig};

const KEY: &str = "sk_test_SERVERKEY0NEVER0LOGGED";
const WHSEC: &str = "whsec_test_SERVER0WEBHOOK0SECRET";
const ALICE: &str = "alice-token-0123";
const BOB: &str = "bob-token-4567";

fn assert_no_key(text: &str) {
    for secret in [KEY, WHSEC, ALICE, BOB] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

fn assert_logs_clean() {
    let text = String::from_utf8_lossy(&support::logs().lock().unwrap_or_else(|e| e.into_inner())).to_string();
    assert!(!text.is_empty(), "the server logged nothing at all");
    assert_no_key(&text);
}

fn config(emu: &Emulator, database_url: String) -> ServerConfig {
    let toml = format!(
        r#"
listen = "127.0.0.1:0"
upstream_base_url = "{}"
database_url = "{database_url}"
rate_limit_per_minute = 600
max_body_bytes = 8192
[[app_tokens]]
user = "alice"
sha256 = "{}"
[[app_tokens]]
user = "bob"
sha256 = "{}"
[policy.prices]
allowed = ["price_test_usd_1000"]
allow_inline = true
allow_product_data = true
max_amount = {{ usd = 10000 }}
[policy.return_urls]
allowed = ["myapp://checkout/"]
"#,
        emu.base_url(),
        token_hash(ALICE),
        token_hash(BOB)
    );
    ServerConfig::from_toml(&toml).expect("config")
}

fn sqlite_url() -> String {
    format!(
        "sqlite://{}",
        std::env::temp_dir()
            .join(format!("cb-server-{}.db", new_idempotency_key().unwrap()))
            .display()
    )
}

async fn server(emu: &Emulator) -> RunningServer {
    support::logs();
    let secrets = Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
        fulfilment_secret: None,
    };
    spawn(config(emu, sqlite_url()), secrets).await.expect("server starts")
}

fn app_client(srv: &RunningServer, token: &str) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(token)).with_base_url(srv.base_url());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http")
}

fn item(amount: i64) -> LineItemParams {
    LineItemParams::new(LineItemPrice::inline("usd", amount, "Tea"), 1)
}

fn params() -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    p.line_items.push(item(1500));
    p
}

async fn press(url: &str, action: &str) -> String {
    let b = browser();
    let path = url::Url::parse(url).expect("url");
    let target = path.join(&format!("{}/{action}", path.path())).expect("join");
    let resp = b.post(target).send().await.expect("post");
    resp.headers()["location"].to_str().expect("ascii").to_owned()
}

#[tokio::test]
async fn paid_canceled_and_expired_through_the_server() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu).await;
    let dir = std::env::temp_dir().join(format!("cb-srv-flow-{}", new_idempotency_key().unwrap()));
    let flow = CheckoutFlow::new(
        app_client(&srv, ALICE),
        "myapp://checkout".into(),
        FileStore::open(dir.display().to_string()).expect("store"),
    )
    .expect("flow");

    let paid = flow.start(params()).await.expect("start via server");
    let link = press(&paid.url, "pay").await;
    let r = flow.handle_return_url(link).await.expect("verified");
    assert_eq!(r.outcome, PaymentOutcome::Paid);
    assert_eq!(
        r.session.client_reference_id.as_deref(),
        Some("alice"),
        "forced by the server"
    );

    let canceled = flow.start(params()).await.expect("start");
    let link = press(&canceled.url, "cancel").await;
    assert_eq!(
        flow.handle_return_url(link).await.expect("verified").outcome,
        PaymentOutcome::Canceled
    );

    let expired = flow.start(params()).await.expect("start");
    assert!(emu.expire_session(&expired.session_id));
    assert_eq!(
        flow.resolve_pending(expired.session_id)
            .await
            .expect("resolved")
            .outcome,
        PaymentOutcome::Expired
    );

    let items = app_client(&srv, ALICE)
        .list_line_items(paid.session_id)
        .await
        .expect("line items");
    assert_eq!(items.len(), 1);
    // Every upstream request carried the server's key, not the app's token.
    assert!(emu.requests().iter().all(|r| r.api_key_valid));
    assert_logs_clean();
}

/// Each request the server must refuse, with its HTTP status and the client's typed variant.
#[tokio::test]
async fn policy_table() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu).await;
    let alice = app_client(&srv, ALICE);
    let bob = app_client(&srv, BOB);
    let bobs = {
        let mut p = params();
        p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
        bob.create_session(p).await.expect("bob's session")
    };
    let with_urls = |mut p: CreateSessionParams| {
        p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
        p.cancel_url = Some("myapp://checkout/cancel".into());
        p
    };
    let before = emu.requests().len();

    type Case = (&'static str, u16, &'static str, CreateSessionParams);
    let mut cases: Vec<Case> = Vec::new();
    let mut p = with_urls(CreateSessionParams::new(CheckoutMode::Payment));
    p.line_items.push(LineItemParams::new(
        LineItemPrice::Price {
            id: "price_not_allowed".into(),
        },
        1,
    ));
    cases.push(("unknown price", 403, "Permission", p));
    let mut p = with_urls(params());
    p.line_items[0] = item(20_000);
    cases.push(("amount over the cap", 403, "Permission", p));
    let mut p = with_urls(params());
    p.line_items = vec![item(6_000), item(6_000)];
    cases.push(("total over the cap", 403, "Permission", p));
    let mut p = with_urls(params());
    if let LineItemPrice::Inline { currency, .. } = &mut p.line_items[0].price {
        *currency = "eur".into();
    }
    cases.push(("currency not allowed", 403, "Permission", p));
    let mut p = with_urls(params());
    p.success_url = Some("https://evil.example/success".into());
    cases.push(("foreign success URL", 403, "Permission", p));
    let mut p = with_urls(params());
    p.cancel_url = Some("otherapp://checkout/cancel".into());
    cases.push(("foreign cancel URL", 403, "Permission", p));
    let mut p = with_urls(params());
    p.success_url = Some("myapp://checkoutx/success".into());
    cases.push(("look-alike prefix", 403, "Permission", p));
    let mut p = params();
    p.cancel_url = Some("myapp://checkout/cancel".into());
    cases.push(("missing success URL", 400, "Api", p));
    let mut p = with_urls(params());
    p.customer = Some("cus_someone_else".into());
    cases.push(("app-chosen customer", 403, "Permission", p));
    // Policy gaps: setup mode (no line items, so no price rule applies), promotion codes,
    // payment method types and metadata are all closed unless the policy opens them.
    // Setup mode and payment method types are tried the way a dahlia-pinned app sends them
    // (`payment_method_types`); the policy refuses them before anything else. The endive
    // forms, and every other group, are in policy_groups.rs.
    let mut setup = with_urls(CreateSessionParams::new(CheckoutMode::Setup));
    setup.payment_method_types = vec!["card".into()];
    cases.push(("setup mode", 403, "Permission", setup));
    let mut p = with_urls(params());
    p.allow_promotion_codes = Some(true);
    cases.push(("promotion codes", 403, "Permission", p));
    let mut p = with_urls(params());
    p.payment_method_types = vec!["card".into()];
    cases.push(("payment method types", 403, "Permission", p));
    let mut p = with_urls(params());
    p.metadata.insert("free_upgrade".into(), "true".into());
    cases.push(("metadata key", 403, "Permission", p));
    let alice_dahlia = {
        let mut c = ClientConfig::new(Credential::backend(ALICE)).with_base_url(srv.base_url());
        c.max_retries = 0;
        c.stripe_version = Some("2026-07-29.dahlia".into());
        CheckoutClient::new(c).expect("client")
    };
    for (name, status, variant, p) in cases {
        let app = if p.payment_method_types.is_empty() {
            &alice
        } else {
            &alice_dahlia
        };
        let e = app.create_session(p).await.expect_err(name);
        check(name, &e, status, variant);
    }

    // Another user's session is invisible: retrieve, expire and line items all 404.
    for e in [
        alice.retrieve_session(bobs.id.clone()).await.expect_err("retrieve"),
        alice.expire_session(bobs.id.clone()).await.expect_err("expire"),
        alice.list_line_items(bobs.id.clone()).await.expect_err("items"),
    ] {
        check("other user's session", &e, 404, "NotFound");
    }
    check(
        "unknown session",
        &alice.retrieve_session("cs_test_nope".into()).await.expect_err("404"),
        404,
        "NotFound",
    );
    check(
        "wrong token",
        &app_client(&srv, "not-a-token")
            .retrieve_session(bobs.id.clone())
            .await
            .expect_err("401"),
        401,
        "Authentication",
    );

    // Requests the typed client would never send, through raw HTTP.
    let http = browser();
    let url = format!("{}/v1/checkout/sessions", srv.base_url());
    let form = encode_create_params(&with_urls(params()));
    let raw: Vec<(&str, Option<&str>, String, u16)> = vec![
        ("missing token", None, form.clone(), 401),
        ("non-bearer auth", Some("Basic YWxpY2U6eA=="), form.clone(), 401),
        (
            "oversized body",
            Some(ALICE),
            format!("{form}&metadata[pad]={}", "x".repeat(9000)),
            413,
        ),
        (
            "unknown parameter",
            Some(ALICE),
            format!("{form}&payment_intent_data[capture_method]=manual"),
            400,
        ),
        (
            "Connect field, never from an app",
            Some(ALICE),
            format!("{form}&payment_intent_data[application_fee_amount]=1"),
            403,
        ),
        ("malformed key", Some(ALICE), format!("{form}&line_items[0=1"), 400),
    ];
    for (name, auth, body, status) in raw {
        let mut req = http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(a) = auth {
            req = req.header(
                "authorization",
                if a.starts_with("Basic") {
                    a.to_owned()
                } else {
                    format!("Bearer {a}")
                },
            );
        }
        let resp = req.send().await.expect("send");
        assert_eq!(resp.status().as_u16(), status, "{name}");
        assert_no_key(&format!("{:?}", resp.headers()));
        let text = resp.text().await.expect("body");
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{name}: Stripe-shaped JSON, got {text}"));
        assert!(v["error"]["message"].is_string(), "{name}: {text}");
        assert_no_key(&text);
    }
    // Ownership comes from the server's registry (issue 23): not even a lookup reaches Stripe.
    assert_eq!(emu.requests().len() - before, 0, "nothing refused reached Stripe");
    assert_logs_clean();
}

fn check(name: &str, e: &CheckoutError, status: u16, variant: &str) {
    let (got, d) = match e {
        CheckoutError::Api { details } => ("Api", details),
        CheckoutError::Permission { details } => ("Permission", details),
        CheckoutError::NotFound { details } => ("NotFound", details),
        CheckoutError::Authentication { details } => ("Authentication", details),
        other => panic!("{name}: unexpected {other:?}"),
    };
    assert_eq!((got, d.status), (variant, i32::from(status)), "{name}: {e}");
    assert!(d.stripe_message.is_some(), "{name}: no message");
    assert_no_key(&format!("{e} {e:?}"));
}

#[tokio::test]
async fn rate_limit_per_token() {
    let emu = Emulator::start().await.expect("emulator");
    let mut cfg = config(&emu, sqlite_url());
    cfg.rate_limit_per_minute = 3;
    let srv = spawn(
        cfg,
        Secrets {
            stripe_secret_key: KEY.into(),
            webhook_secret: None,
            fulfilment_secret: None,
        },
    )
    .await
    .expect("server");
    let alice = app_client(&srv, ALICE);
    for _ in 0..3 {
        let _ = alice.retrieve_session("cs_test_x".into()).await;
    }
    let e = alice.retrieve_session("cs_test_x".into()).await.expect_err("limited");
    assert!(matches!(e, CheckoutError::RateLimited { .. }), "{e:?}");
    // Bob has his own bucket.
    let e = app_client(&srv, BOB)
        .retrieve_session("cs_test_x".into())
        .await
        .expect_err("404");
    assert!(matches!(e, CheckoutError::NotFound { .. }), "{e:?}");
}

fn event(id: &str, kind: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": id, "object": "event", "type": kind, "created": 1_800_000_000, "livemode": false,
        "data": {"object": {"id": "cs_test_hook", "object": "checkout.session", "client_reference_id": "alice", "payment_status": "paid"}}
    }))
    .expect("json")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

async fn deliver(srv: &RunningServer, body: &[u8], signature: Option<String>) -> (u16, serde_json::Value) {
    let mut req = browser()
        .post(format!("{}/webhooks/stripe", srv.base_url()))
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("stripe-signature", s);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    assert_no_key(&format!("{:?}", resp.headers()));
    let text = resp.text().await.expect("text");
    assert_no_key(&text);
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn webhooks_verified_deduplicated_and_recorded_in_sqlite() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu).await;
    let body = event("evt_sqlite_1", "checkout.session.completed");
    for i in 0..3 {
        let (status, v) = deliver(&srv, &body, Some(sign_payload(&body, WHSEC, now()))).await;
        assert_eq!(status, 200);
        assert_eq!(v["duplicate"], serde_json::json!(i > 0), "delivery {i}");
    }
    let stored = srv.state.events.all().await.expect("events");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].session_id.as_deref(), Some("cs_test_hook"));
    assert_eq!(stored[0].client_reference_id.as_deref(), Some("alice"));

    // Refusals, as Stripe's libraries refuse.
    let good = sign_payload(&body, WHSEC, now());
    let mut tampered = body.clone();
    tampered[20] ^= 1;
    let v0_only = good.replace("v1=", "v0=");
    for (name, b, sig) in [
        (
            "wrong secret",
            body.clone(),
            Some(sign_payload(&body, "whsec_other", now())),
        ),
        ("tampered body", tampered, Some(good.clone())),
        (
            "stale timestamp",
            body.clone(),
            Some(sign_payload(&body, WHSEC, now() - 301)),
        ),
        ("missing header", body.clone(), None),
        ("only a v0 signature", body.clone(), Some(v0_only)),
        ("malformed header", body.clone(), Some("garbage".into())),
    ] {
        let (status, v) = deliver(&srv, &b, sig).await;
        assert_eq!(status, 400, "{name}: {v}");
    }
    // An extra v0 next to a valid v1 is accepted; a malformed but signed body is refused.
    let body2 = event("evt_sqlite_2", "checkout.session.expired");
    let sig = format!("{},v0={}", sign_payload(&body2, WHSEC, now()), "ab".repeat(32));
    assert_eq!(deliver(&srv, &body2, Some(sig)).await.0, 200);
    let junk = b"{not json";
    assert_eq!(deliver(&srv, junk, Some(sign_payload(junk, WHSEC, now()))).await.0, 400);
    // Other event types are acknowledged, not recorded.
    let other = event("evt_other", "customer.created");
    let (status, v) = deliver(&srv, &other, Some(sign_payload(&other, WHSEC, now()))).await;
    assert_eq!((status, v["recorded"].clone()), (200, serde_json::json!(false)));
    assert_eq!(srv.state.events.all().await.expect("events").len(), 2);
    assert_logs_clean();
}

/// Two server instances sharing one PostgreSQL: three deliveries of one event, spread over
/// both, are stored once. `scripts/test.sh` starts PostgreSQL and sets the URL.
#[tokio::test]
async fn webhooks_deduplicated_across_two_instances_on_postgresql() {
    let Some(url) = support::postgres::url() else {
        return;
    };
    let emu = Emulator::start().await.expect("emulator");
    let secrets = || Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
        fulfilment_secret: None,
    };
    let a = spawn(config(&emu, url.clone()), secrets()).await.expect("instance a");
    let b = spawn(config(&emu, url), secrets()).await.expect("instance b");
    let id = format!("evt_pg_{}", &new_idempotency_key().unwrap()[..8]);
    let body = event(&id, "checkout.session.async_payment_succeeded");
    let results = tokio::join!(
        deliver(&a, &body, Some(sign_payload(&body, WHSEC, now()))),
        deliver(&b, &body, Some(sign_payload(&body, WHSEC, now()))),
        deliver(&a, &body, Some(sign_payload(&body, WHSEC, now()))),
    );
    let recorded = [&results.0, &results.1, &results.2]
        .iter()
        .filter(|(s, v)| *s == 200 && v["recorded"] == true)
        .count();
    assert_eq!(recorded, 1, "exactly one delivery records the event: {results:?}");
    let rows = b.state.events.all().await.expect("events");
    assert_eq!(rows.iter().filter(|e| e.event_id == id).count(), 1);
    assert_logs_clean();
}

/// Deliveries built by an attacker who can reach the endpoint but does not know the secret.
#[tokio::test]
async fn hostile_webhook_deliveries_are_refused_cheaply() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu).await;
    let body = event("evt_hostile_1", "checkout.session.completed");
    let good = sign_payload(&body, WHSEC, now());
    let (t_part, sig) = good.split_once(",v1=").expect("t and v1");
    let wrong = "00".repeat(32);
    let crowd = |n: usize, t: &str| format!("{t}{}", format!(",v1={wrong}").repeat(n));

    // Many candidates with the good one among them: more than Stripe ever sends.
    let (status, v) = deliver(&srv, &body, Some(format!("{},v1={sig}", crowd(20, t_part)))).await;
    assert_eq!(status, 400, "{v}");
    // A hex digit with a sign: `+a` decodes to 0x0a with from_str_radix. Pick a signing time
    // whose signature has a byte below 0x10, and write that byte as `+x` instead of `0x`.
    let other = event("evt_hostile_sign", "checkout.session.completed");
    let forged = (0..200)
        .find_map(|back| {
            let h = sign_payload(&other, WHSEC, now() - back);
            let (t, s) = h.split_once(",v1=")?;
            let i = (0..32).map(|k| 2 * k).find(|&i| s.as_bytes()[i] == b'0')?;
            Some(format!("{t},v1={}+{}", &s[..i], &s[i + 1..]))
        })
        .expect("one of 200 signatures has a byte below 0x10");
    let (status, v) = deliver(&srv, &other, Some(forged)).await;
    assert_eq!(status, 400, "a signed hex digit was accepted: {v}");
    // A stale timestamp with many candidates: refused for its age, before any HMAC.
    let stale = format!("t={}", now() - 3_600);
    let (status, v) = deliver(&srv, &body, Some(crowd(8, &stale))).await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"].as_str().unwrap_or("").contains("timestamp"),
        "refused for its timestamp: {v}"
    );
    // A header far larger than any Stripe sends is refused by the HTTP layer (431).
    let resp = browser()
        .post(format!("{}/webhooks/stripe", srv.base_url()))
        .header("stripe-signature", crowd(3_000, t_part))
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 431);
    // Non-UTF-8 bytes, and two signature headers.
    let mut raw = good.clone().into_bytes();
    raw.push(0xff);
    let resp = browser()
        .post(format!("{}/webhooks/stripe", srv.base_url()))
        .header(
            "stripe-signature",
            reqwest::header::HeaderValue::from_bytes(&raw).expect("obs-text"),
        )
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let resp = browser()
        .post(format!("{}/webhooks/stripe", srv.base_url()))
        .header("stripe-signature", good.clone())
        .header("stripe-signature", good.clone())
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    // Nothing was recorded; the honest delivery still is.
    assert!(srv.state.events.all().await.expect("events").is_empty());
    assert_eq!(
        deliver(&srv, &body, Some(sign_payload(&body, WHSEC, now()))).await.0,
        200
    );
    assert_logs_clean();
}

/// Per-address limits run before authentication (a wrong token is limited too), webhooks have
/// their own bucket, and X-Forwarded-For is ignored unless the peer is a trusted proxy.
#[tokio::test]
async fn address_rate_limits_come_before_authentication() {
    let emu = Emulator::start().await.expect("emulator");
    let mut cfg = config(&emu, sqlite_url());
    cfg.address_rate_limit_per_minute = 3;
    cfg.webhook_rate_limit_per_minute = 2;
    let srv = spawn(
        cfg,
        Secrets {
            stripe_secret_key: KEY.into(),
            webhook_secret: Some(WHSEC.into()),
            fulfilment_secret: None,
        },
    )
    .await
    .expect("server");
    let http = browser();
    let get = |xff: &'static str| {
        http.get(format!("{}/v1/checkout/sessions/cs_test_x", srv.base_url()))
            .header("authorization", "Bearer guessed-token")
            .header("x-forwarded-for", xff)
            .send()
    };
    for i in 0..3 {
        // A different X-Forwarded-For each time: not believed from an untrusted peer.
        let xff = ["203.0.113.1", "203.0.113.2", "203.0.113.3"][i];
        assert_eq!(get(xff).await.expect("send").status().as_u16(), 401);
    }
    assert_eq!(get("203.0.113.4").await.expect("send").status().as_u16(), 429);
    // The webhook bucket is separate, and limited too.
    let body = event("evt_rate", "checkout.session.completed");
    for _ in 0..2 {
        assert_eq!(
            deliver(&srv, &body, Some(sign_payload(&body, WHSEC, now()))).await.0,
            200
        );
    }
    assert_eq!(
        deliver(&srv, &body, Some(sign_payload(&body, WHSEC, now()))).await.0,
        429
    );

    // Behind a trusted proxy (loopback here), each forwarded client has its own bucket.
    let mut cfg = config(&emu, sqlite_url());
    cfg.address_rate_limit_per_minute = 1;
    cfg.trusted_proxies = vec!["127.0.0.0/8".into()];
    let proxied = spawn(
        cfg,
        Secrets {
            stripe_secret_key: KEY.into(),
            webhook_secret: None,
            fulfilment_secret: None,
        },
    )
    .await
    .expect("server");
    let get = |xff: &'static str| {
        http.get(format!("{}/v1/checkout/sessions/cs_test_x", proxied.base_url()))
            .header("authorization", "Bearer guessed-token")
            .header("x-forwarded-for", xff)
            .send()
    };
    assert_eq!(get("198.51.100.1").await.expect("send").status().as_u16(), 401);
    assert_eq!(get("198.51.100.2").await.expect("send").status().as_u16(), 401);
    // Spoofing the left of the list does not give a new bucket: the right-most untrusted hop counts.
    assert_eq!(
        get("192.0.2.99, 198.51.100.1").await.expect("send").status().as_u16(),
        429
    );
}

/// Opens a connection that sends a request head one byte every 100 ms and never finishes it;
/// resolves to how long the server kept it open (`None`: still open after `limit`).
async fn slowloris(addr: String, limit: std::time::Duration) -> Option<std::time::Duration> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let head = b"POST /v1/checkout/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n";
        for b in head.iter().cycle().take(600) {
            if wr.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let mut buf = [0u8; 512];
    // The server closes (read gives 0 or an error) or answers 408 and closes.
    let closed = tokio::time::timeout(limit, async {
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await
    .is_ok();
    writer.abort();
    closed.then(|| started.elapsed())
}

/// Slowloris: many connections trickling a request head byte by byte do not keep the server
/// from answering, and each is closed once the header read timeout passes.
#[tokio::test]
async fn slow_connections_do_not_starve_the_server_and_are_closed() {
    let emu = Emulator::start().await.expect("emulator");
    let mut cfg = config(&emu, sqlite_url());
    cfg.header_read_timeout_ms = 1_500;
    cfg.max_connections = 64;
    // All 41 clients here share 127.0.0.1: this test is about the header timeout, not the
    // per-address cap (tests/fairness.rs).
    cfg.max_connections_per_address = 64;
    let srv = spawn(
        cfg,
        Secrets {
            stripe_secret_key: KEY.into(),
            webhook_secret: None,
            fulfilment_secret: None,
        },
    )
    .await
    .expect("server");
    let addr = srv.base_url().trim_start_matches("http://").to_owned();
    let limit = std::time::Duration::from_secs(8);
    let slow: Vec<_> = (0..40).map(|_| tokio::spawn(slowloris(addr.clone(), limit))).collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // While they trickle, an honest client is answered at once.
    let started = std::time::Instant::now();
    let e = app_client(&srv, ALICE)
        .retrieve_session("cs_test_missing".into())
        .await
        .expect_err("404");
    assert!(matches!(e, CheckoutError::NotFound { .. }), "{e:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1_200),
        "answered while the slow ones were open"
    );
    for s in slow {
        let kept = s.await.expect("task").expect("the server closed the slow connection");
        assert!(
            kept >= std::time::Duration::from_millis(1_000),
            "closed after the timeout, not before: {kept:?}"
        );
    }
    // A connection that sends nothing, and an idle keep-alive one, are closed too.
    let silent = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(limit, async {
        use tokio::io::AsyncReadExt;
        let mut s = silent;
        s.read(&mut buf).await
    })
    .await
    .expect("closed within the limit");
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    // An idle keep-alive connection: one request answered, then closed after the timeout.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut idle = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    idle.write_all(b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let mut first = vec![0u8; 4096];
    let got = idle.read(&mut first).await.expect("response");
    assert!(
        first[..got].starts_with(b"HTTP/1.1 404"),
        "{}",
        String::from_utf8_lossy(&first[..got])
    );
    let end = tokio::time::timeout(limit, async {
        loop {
            match idle.read(&mut first).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the idle keep-alive connection was closed");
}

/// At the connection cap, a new connection waits for a slot instead of being served beside the
/// others, and is served once the silent ones are timed out.
#[tokio::test]
async fn the_connection_cap_holds() {
    let emu = Emulator::start().await.expect("emulator");
    let mut cfg = config(&emu, sqlite_url());
    cfg.header_read_timeout_ms = 1_500;
    cfg.max_connections = 4;
    // The cap itself, without the per-address cap or the shorter timeout near the cap
    // (tests/fairness.rs).
    cfg.max_connections_per_address = 4;
    cfg.pressure_header_timeout_ms = 1_500;
    let srv = spawn(
        cfg,
        Secrets {
            stripe_secret_key: KEY.into(),
            webhook_secret: None,
            fulfilment_secret: None,
        },
    )
    .await
    .expect("server");
    let addr = srv.base_url().trim_start_matches("http://").to_owned();
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(tokio::net::TcpStream::connect(&addr).await.expect("connect"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let e = app_client(&srv, ALICE)
        .retrieve_session("cs_test_missing".into())
        .await
        .expect_err("404");
    assert!(matches!(e, CheckoutError::NotFound { .. }), "{e:?}");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "served only when a slot freed: {:?}",
        started.elapsed()
    );
    drop(silent);
}

/// Return URLs as an attacker writes them to get Stripe to redirect a paying customer (and the
/// session ID) somewhere else, against bases `myapp://checkout` and
/// `https://shop.example/checkout`; then the honest ones, which must pass.
#[tokio::test]
async fn hostile_return_urls_table() {
    const HOSTILE: &[&str] = &[
        "https://shop.example.evil.com/checkout/success",
        "https://shop.example@evil.com/checkout/success",
        "https://shop.example/checkout/../../go?u=https://evil.example",
        "myapp://checkout/../other",
        "https://evil.example/checkout/success",
        "https://shop.example:8443/checkout/success",
        "http://shop.example/checkout/success",
        "https://shop.example/checkoutx/success",
        "https://shop.example/Checkout/success",
        "https://shop.example/checkout/%2e%2e/admin",
        "https://shop.example/checkout/.%2E/admin",
        "https://shop.example/checkout/%2E%2e/admin",
        "https://shop.example/checkout/./success",
        "https://shop.example/checkout/..",
        "https://shop.example/checkout\\..\\admin",
        "https://shop.example\\@evil.com/checkout",
        "https://shop.example/checkout/success#https://evil.example",
        "https://user:pass@shop.example/checkout/success",
        "https://:@shop.example/checkout/success",
        "https://@shop.example/checkout/success",
        "https://shop.example:443@evil.com/checkout/success",
        "https:///shop.example/checkout/success",
        "https:shop.example/checkout/success",
        "//shop.example/checkout/success",
        "/checkout/success",
        "javascript:alert(1)//myapp://checkout/",
        "data:text/html,myapp://checkout/success",
        "myapp:checkout/success",
        "myapp://checkout.evil/success",
        "myapp://CHECKOUT/success",
        "myapp://checkout:80/success",
        "otherapp://checkout/success",
        "https://shop.example./checkout/success",
        "https://shop.exa\tmple/checkout/success",
        " https://shop.example/checkout/success",
        "https://shop.example/checkout/suc cess",
        "https://shop.example/checkout/success\r\nLocation: https://evil.example",
        "https://shop.ex\u{430}mple/checkout/success",
        "https://shop%2eexample/checkout/success",
        "https://shop.example/checkout%2f..%2fadmin",
        "https://shop.example/checkout/%2F%2Fevil.example",
        "https://shop.example//checkout/success",
        "myapp://checkout/%2e%2e/other",
        "myapp://checkout/success/%2E",
        "https://evil.example?https://shop.example/checkout/",
        "https://evil.example/https://shop.example/checkout/",
        "HTTPS://evil.example/checkout/success",
        // Round 2 (issue 23): path parameters, double encoding, empty segments.
        "https://shop.example/checkout/..;/admin",
        "https://shop.example/checkout/;jsessionid=1/success",
        "https://shop.example/checkout/%252e%252e/%252e%252e/admin",
        "https://shop.example/checkout/success?next=%252e%252e",
        "https://shop.example/checkout//evil.example",
        "https://shop.example/checkout/success//",
        "myapp://checkout//other",
    ];
    let long = format!("https://shop.example/checkout/success?pad={}", "a".repeat(2100));
    const HONEST: &[&str] = &[
        "https://shop.example/checkout/success?session_id={CHECKOUT_SESSION_ID}&state=abc",
        "https://shop.example/checkout/cancel?state=abc",
        "https://shop.example:443/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        "https://SHOP.example/checkout/success",
        "https://shop.example/checkout",
        "https://shop.example/checkout/",
        "https://shop.example/checkout/success?next=/a/../b",
        "myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}&state=x",
        "myapp://checkout/cancel?state=x",
        "myapp://checkout",
    ];
    let emu = Emulator::start().await.expect("emulator");
    let mut cfg = config(&emu, sqlite_url());
    cfg.policy.return_urls =
        toml::from_str("allowed = [\"myapp://checkout\", \"https://shop.example/checkout\"]").expect("bases");
    let srv = spawn(
        cfg,
        Secrets {
            stripe_secret_key: KEY.into(),
            webhook_secret: None,
            fulfilment_secret: None,
        },
    )
    .await
    .expect("server");
    let http = browser();
    let create = |success: &str, cancel: &str| {
        let mut p = params();
        p.success_url = Some(success.to_owned());
        p.cancel_url = Some(cancel.to_owned());
        http.post(format!("{}/v1/checkout/sessions", srv.base_url()))
            .header("authorization", format!("Bearer {ALICE}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode_create_params(&p).to_string())
            .send()
    };
    let ok_success = "myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}";
    let ok_cancel = "myapp://checkout/cancel";
    let mut accepted = Vec::new();
    for url in HOSTILE.iter().copied().chain([long.as_str()]) {
        for (field, success, cancel) in [("success_url", url, ok_cancel), ("cancel_url", ok_success, url)] {
            let resp = create(success, cancel).await.expect("send");
            let status = resp.status().as_u16();
            let v: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap_or_default()).unwrap_or_default();
            if status != 403 || v["error"]["param"] != field {
                let shown: String = format!("{field}={url:?} → {status} {}", v["error"])
                    .chars()
                    .take(200)
                    .collect();
                accepted.push(shown);
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "hostile return URLs not refused:\n{}",
        accepted.join("\n")
    );
    let before = emu.requests().len();
    for url in HONEST {
        let resp = create(url, url).await.expect("send");
        let status = resp.status().as_u16();
        assert_eq!(status, 200, "{url}: {}", resp.text().await.unwrap_or_default());
    }
    // The URLs the library builds itself pass, and reach Stripe unchanged.
    for base in ["myapp://checkout", "https://shop.example/checkout"] {
        let urls = build_return_urls(base.into()).expect("urls");
        let resp = create(&urls.success_url, &urls.cancel_url).await.expect("send");
        assert_eq!(resp.status().as_u16(), 200, "{base}");
        let s: serde_json::Value = serde_json::from_str(&resp.text().await.expect("body")).expect("session");
        assert_eq!(s["success_url"].as_str(), Some(urls.success_url.as_str()), "{s}");
    }
    assert_eq!(emu.requests().len() - before, HONEST.len() + 2);
}
