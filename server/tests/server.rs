//! The server end to end: app client (backend mode) → server → emulator, the policy table,
//! webhooks on SQLite and on a shared PostgreSQL, and the key never leaking anywhere.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use checkout_bridge::webhook::sign_payload;
use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::{spawn, token_hash, RunningServer, Secrets, ServerConfig};

const KEY: &str = "sk_test_SERVERKEY0NEVER0LOGGED";
const WHSEC: &str = "whsec_test_SERVER0WEBHOOK0SECRET";
const ALICE: &str = "alice-token-0123";
const BOB: &str = "bob-token-4567";

/// Every log line of this test binary, for the no-leak assertions.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || Capture(writer.clone()))
            .try_init();
        buf
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);
impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_no_key(text: &str) {
    for secret in [KEY, WHSEC, ALICE, BOB] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

fn assert_logs_clean() {
    let text = String::from_utf8_lossy(&logs().lock().unwrap_or_else(|e| e.into_inner())).to_string();
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
[policy]
allowed_prices = ["price_test_usd_1000"]
allow_inline_prices = true
allowed_currencies = ["usd"]
max_amount = 10000
return_url_prefixes = ["myapp://checkout/"]
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
    logs();
    let secrets = Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
    };
    spawn(config(emu, sqlite_url()), secrets).await.expect("server starts")
}

fn app_client(srv: &RunningServer, token: &str) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::Backend {
        bearer_token: token.into(),
    })
    .with_base_url(srv.base_url());
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
    LineItemParams {
        price: LineItemPrice::Inline {
            currency: "usd".into(),
            unit_amount: amount,
            product_name: "Tea".into(),
            description: None,
            images: vec![],
            recurring: None,
        },
        quantity: 1,
    }
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
    p.line_items.push(LineItemParams {
        price: LineItemPrice::Price {
            id: "price_not_allowed".into(),
        },
        quantity: 1,
    });
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
    for (name, status, variant, p) in cases {
        let e = alice.create_session(p).await.expect_err(name);
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
            format!("{form}&payment_intent_data[application_fee_amount]=1"),
            400,
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
    assert_eq!(
        emu.requests().len() - before,
        4,
        "only the ownership lookups reached Stripe"
    );
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
    let Ok(url) = std::env::var("CHECKOUT_BRIDGE_TEST_DATABASE_URL") else {
        panic!(
            "CHECKOUT_BRIDGE_TEST_DATABASE_URL is not set: run scripts/test.sh, which starts PostgreSQL on loopback"
        );
    };
    let emu = Emulator::start().await.expect("emulator");
    let secrets = || Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
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
