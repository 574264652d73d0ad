//! Hostile world, round 2 (issue 23), each case as its attacker writes it: raw forms from a
//! modified app or calls with a real app token, against the server and the emulator over real
//! HTTP on 127.0.0.1. The network cases (connections, slow bodies) are in `tests/fairness.rs`,
//! through the real binary.

mod support;

use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::{Coupon, Emulator, Price, Product};
use checkout_bridge_server::{spawn, token_hash, RunningServer, Secrets, ServerConfig};
use serde_json::Value;

const KEY: &str = "sk_test_HOSTILE0ROUND0TWO";
const ALICE: &str = "alice-hostile-token-01";
const BOB: &str = "bob-hostile-token-02";

fn config(emu: &Emulator, extra: &str, prices: &str) -> ServerConfig {
    let text = format!(
        r#"
listen = "127.0.0.1:0"
upstream_base_url = "{}"
database_url = "{}"
rate_limit_per_minute = 100000
address_rate_limit_per_minute = 100000
{extra}
[[app_tokens]]
user = "alice"
sha256 = "{}"
[[app_tokens]]
user = "bob"
sha256 = "{}"
[policy.prices]
{prices}
[policy.return_urls]
allowed = ["myapp://checkout"]
"#,
        emu.base_url(),
        support::sqlite_url(),
        token_hash(ALICE),
        token_hash(BOB)
    );
    ServerConfig::from_toml(&text).unwrap_or_else(|e| panic!("config: {e}"))
}

async fn server(config: ServerConfig) -> RunningServer {
    let secrets = Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: None,
        fulfilment_secret: None,
    };
    spawn(config, secrets).await.expect("server starts")
}

/// A payment-mode form with a success URL and `rest`, as a modified app writes it.
fn form(rest: &str) -> String {
    format!("mode=payment&success_url=myapp%3A%2F%2Fcheckout%2Fsuccess%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D&{rest}")
}

/// One call with `token`: (status, JSON body). A form body makes it a POST.
async fn call(srv: &RunningServer, token: &str, method: &str, path: &str, form: Option<&str>) -> (u16, Value) {
    let mut req = support::http()
        .request(method.parse().expect("method"), format!("{}{path}", srv.base_url()))
        .header("authorization", format!("Bearer {token}"));
    if let Some(form) = form {
        req = req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or_default(),
    )
}

/// POSTs a create form.
async fn create_raw(srv: &RunningServer, token: &str, form: &str) -> (u16, Value) {
    call(srv, token, "POST", "/v1/checkout/sessions", Some(form)).await
}

async fn get(srv: &RunningServer, token: &str, path: &str) -> (u16, Value) {
    call(srv, token, "GET", path, None).await
}

fn app(srv: &RunningServer, token: &str) -> std::sync::Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(token)).with_base_url(srv.base_url());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn with_return(mut p: CreateSessionParams) -> CreateSessionParams {
    p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
    p
}

/// Item 1: a modified app names a real product at a price of its choosing, down to zero.
#[tokio::test]
async fn an_app_cannot_name_its_own_price_for_a_real_product() {
    let emu = Emulator::start().await.expect("emulator");
    for (id, name) in [("prod_tea", "Tea"), ("prod_lifetime_premium", "Lifetime Premium")] {
        emu.add_product(Product {
            id: id.into(),
            name: name.into(),
        });
    }
    let srv = server(config(
        &emu,
        "",
        "allowed = [\"price_test_usd_1000\"]\nallow_inline = true\nallowed_products = [\"prod_tea\"]\nmax_amount = { usd = 10000, jpy = 100000 }\n",
    ))
    .await;
    let item = |rest: &str| format!("line_items[0][quantity]=1&line_items[0][price_data][currency]=usd&{rest}");
    // (what the attacker sends, the parameter the refusal names)
    let hostile: Vec<(String, &str)> = vec![
        (
            item("line_items[0][price_data][product]=prod_lifetime_premium&line_items[0][price_data][unit_amount]=0"),
            "line_items[0][price_data][product]",
        ),
        (
            item("line_items[0][price_data][product]=prod_lifetime_premium&line_items[0][price_data][unit_amount]=5000"),
            "line_items[0][price_data][product]",
        ),
        (
            item("line_items[0][price_data][product]=prod_tea&line_items[0][price_data][unit_amount]=0"),
            "line_items[0][price_data][unit_amount]",
        ),
        (
            item("line_items[0][price_data][product]=prod_tea&line_items[0][price_data][unit_amount]=49"),
            "line_items[0][price_data][unit_amount]",
        ),
        (
            item("line_items[0][price_data][product]=prod_tea&line_items[0][price_data][unit_amount_decimal]=49.999"),
            "line_items[0][price_data][unit_amount]",
        ),
        (
            item("line_items[0][price_data][product_data][name]=Lifetime+Premium&line_items[0][price_data][unit_amount]=5000"),
            "line_items[0][price_data][product_data]",
        ),
        (
            "line_items[0][quantity]=1&line_items[0][price_data][currency]=jpy&line_items[0][price_data][product]=prod_tea&line_items[0][price_data][unit_amount]=49".into(),
            "line_items[0][price_data][unit_amount]",
        ),
        (
            "line_items[0][quantity]=1&line_items[0][price]=price_somebody_elses".into(),
            "line_items[0][price]",
        ),
    ];
    let before = emu.requests().len();
    for (rest, param) in &hostile {
        let (status, body) = create_raw(&srv, ALICE, &form(rest)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str(), body["error"]["param"].as_str()),
            (403, Some("policy_violation"), Some(*param)),
            "{rest}: {body}"
        );
    }
    assert_eq!(emu.requests().len(), before, "no refused create reached Stripe");
    // At the floor (Stripe's USD 0.50, JPY 50) and for a listed product: allowed.
    for rest in [
        item("line_items[0][price_data][product]=prod_tea&line_items[0][price_data][unit_amount]=50"),
        "line_items[0][quantity]=1&line_items[0][price_data][currency]=jpy&line_items[0][price_data][product]=prod_tea&line_items[0][price_data][unit_amount]=50".into(),
        "line_items[0][quantity]=2&line_items[0][price]=price_test_usd_1000".into(),
    ] {
        let (status, body) = create_raw(&srv, ALICE, &form(&rest)).await;
        assert_eq!(status, 200, "{rest}: {body}");
    }
    // A policy that opens inline prices without saying which products is refused at start.
    let text = "[policy.prices]\nallow_inline = true\nmax_amount = { usd = 100 }\n";
    let e = ServerConfig::from_toml(text)
        .expect_err("inline prices without products")
        .to_string();
    assert!(e.contains("allowed_products"), "{e}");
    let e = ServerConfig::from_toml(
        "[policy.prices]\nallow_inline = true\nallow_product_data = true\nmax_amount = { usd = 100 }\nmin_amount = { usd = 1 }\n",
    )
    .expect_err("a floor below Stripe's")
    .to_string();
    assert!(e.contains("below Stripe's minimum charge"), "{e}");
    let e = ServerConfig::from_toml(
        "[policy.prices]\nallow_inline = true\nallow_product_data = true\nmax_amount = { xts = 100 }\n",
    )
    .expect_err("a currency without a published minimum")
    .to_string();
    assert!(e.contains("no minimum charge in `xts`"), "{e}");
}

/// Item 1: a session that owes nothing is fulfilled only when an allowed discount made it free
/// (or `allow_free_orders`), and the record says what was bought and for how much.
#[tokio::test]
async fn zero_totals_are_not_fulfilled_unless_a_discount_made_them_free() {
    let emu = Emulator::start().await.expect("emulator");
    emu.add_price(Price {
        id: "price_free_sample".into(),
        unit_amount: 0,
        product_name: "Free sample".into(),
        ..Price::default()
    });
    emu.add_coupon(Coupon {
        id: "coupon_test_100_percent".into(),
        name: Some("On the house".into()),
        percent_off: Some(100.0),
        ..Coupon::default()
    });
    let prices = "allowed = [\"price_test_usd_1000\", \"price_free_sample\"]\n";
    let discounts = "[policy.promotion_codes]\nallowed_discounts = [\"coupon_test_100_percent\"]\n";
    let strict = server(config(&emu, "", &format!("{prices}{discounts}"))).await;
    let lenient = server(config(
        &emu,
        "",
        &format!("{prices}allow_free_orders = true\n{discounts}"),
    ))
    .await;
    let price = |id: &str| LineItemParams::new(LineItemPrice::Price { id: id.into() }, 1);

    // A configured price of 0: complete, nothing to pay, no discount. Not fulfilled…
    let mut free = with_return(CreateSessionParams::new(CheckoutMode::Payment));
    free.line_items.push(price("price_free_sample"));
    let (free_id, read) = buy(&emu, &strict, free.clone()).await;
    assert_eq!(read.payment_status, PaymentStatus::NoPaymentRequired);
    assert_eq!(read.amount_total, Some(0));
    let ledger = strict.state.fulfilments.ledger();
    assert!(
        !ledger.is_fulfilled(&free_id).await.expect("read"),
        "a zero nobody discounted is not a sale"
    );
    assert_eq!(
        ledger.session(&free_id).await.expect("read").map(|s| s.state.as_str()),
        Some("refused")
    );
    assert_eq!(ledger.counts().await.expect("counts").pending, 0, "nothing delivered");
    // …unless the merchant says free orders are orders.
    let (lenient_id, _) = buy(&emu, &lenient, free).await;
    assert!(lenient
        .state
        .fulfilments
        .ledger()
        .is_fulfilled(&lenient_id)
        .await
        .expect("read"));

    // A 100 % coupon the policy allows: a real, merchant-made free order.
    let mut coupon = with_return(CreateSessionParams::new(CheckoutMode::Payment));
    coupon.line_items.push(price("price_test_usd_1000"));
    coupon.discounts = vec![Discount::Coupon {
        id: "coupon_test_100_percent".into(),
    }];
    let (coupon_id, read) = buy(&emu, &strict, coupon).await;
    assert_eq!((read.amount_subtotal, read.amount_total), (Some(1000), Some(0)));
    assert!(ledger.is_fulfilled(&coupon_id).await.expect("read"));

    // A paid one, for the record's contents.
    let mut paid = with_return(CreateSessionParams::new(CheckoutMode::Payment));
    paid.line_items.push(LineItemParams::new(
        LineItemPrice::Price {
            id: "price_test_usd_1000".into(),
        },
        3,
    ));
    let (paid_id, _) = buy(&emu, &strict, paid).await;
    let (status, list) = get(&strict, ALICE, "/v1/purchases").await;
    assert_eq!(status, 200, "{list}");
    let by_id = |id: &str| {
        list["data"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["session_id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(by_id(&free_id), Value::Null, "the refused free order is not a purchase");
    let p = by_id(&paid_id);
    assert_eq!(p["amount_total"], 3000, "amount paid: {p}");
    assert_eq!(p["line_items"][0]["price"]["id"], "price_test_usd_1000", "{p}");
    assert_eq!(p["line_items"][0]["quantity"], 3, "{p}");
    let c = by_id(&coupon_id);
    assert_eq!(
        (c["amount_total"].as_i64(), c["amount_subtotal"].as_i64()),
        (Some(0), Some(1000)),
        "{c}"
    );
}

/// Creates through the app, completes at Stripe (the customer paid), and has the app read it
/// back (the signal that fulfils on retrieve).
async fn buy(emu: &Emulator, srv: &RunningServer, p: CreateSessionParams) -> (String, CheckoutSession) {
    let client = app(srv, ALICE);
    let s = client.create_session(p).await.expect("create");
    assert!(emu.complete_session(&s.id, true), "paid at Stripe");
    let read = client.retrieve_session(s.id.clone()).await.expect("retrieve");
    (s.id, read)
}

/// Item 4: another integration on the same Stripe account makes a session with
/// `client_reference_id=alice`; alice's token does not reach it through this server.
#[tokio::test]
async fn a_session_this_server_did_not_create_is_404_whatever_its_client_reference_id() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(config(&emu, "", "allowed = [\"price_test_usd_1000\"]\n")).await;
    let other_integration = {
        let mut c = ClientConfig::new(Credential::secret_key(KEY)).with_base_url(emu.base_url());
        c.max_retries = 0;
        CheckoutClient::new(c).expect("direct client")
    };
    let mut p = with_return(CreateSessionParams::new(CheckoutMode::Payment));
    p.line_items.push(LineItemParams::new(
        LineItemPrice::Price {
            id: "price_test_usd_1000".into(),
        },
        1,
    ));
    p.client_reference_id = Some("alice".into());
    let foreign = other_integration
        .create_session(p.clone())
        .await
        .expect("created elsewhere");
    assert_eq!(foreign.client_reference_id.as_deref(), Some("alice"));
    let stripe_calls_for = |id: &str| emu.requests().iter().filter(|r| r.path.contains(id)).count();
    let before = stripe_calls_for(&foreign.id);
    let id = &foreign.id;
    for (method, path) in [
        ("GET", format!("/v1/checkout/sessions/{id}")),
        ("POST", format!("/v1/checkout/sessions/{id}/expire")),
        ("GET", format!("/v1/checkout/sessions/{id}/line_items")),
    ] {
        let (status, body) = call(&srv, ALICE, method, &path, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("resource_missing")),
            "{method} {path}: {body}"
        );
    }
    assert_eq!(stripe_calls_for(id), before, "the server never asked Stripe about it");
    assert_eq!(
        emu.session_json(id).map(|s| s["status"].clone()),
        Some(Value::from("open")),
        "not expired"
    );
    // Alice's own session, created through the server, is hers.
    let own = app(&srv, ALICE)
        .create_session({
            p.client_reference_id = None;
            p
        })
        .await
        .expect("own");
    assert_eq!(
        get(&srv, ALICE, &format!("/v1/checkout/sessions/{}", own.id)).await.0,
        200
    );
    assert_eq!(
        get(&srv, BOB, &format!("/v1/checkout/sessions/{}", own.id)).await.0,
        404
    );
}

/// Item 5: one user cannot pile up open sessions (each is re-checked for a day), and a backlog
/// cannot delay reconciling the sessions people are really paying.
#[tokio::test]
async fn open_sessions_are_capped_and_reconciliation_keeps_real_sessions_first() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(config(
        &emu,
        "max_open_sessions_per_user = 12\nreconcile_interval_ms = 200\nreconcile_max_interval_ms = 400\nreconcile_max_checks_per_minute = 60",
        "allowed = [\"price_test_usd_1000\"]\n",
    ))
    .await;
    let mut p = with_return(CreateSessionParams::new(CheckoutMode::Payment));
    p.line_items.push(LineItemParams::new(
        LineItemPrice::Price {
            id: "price_test_usd_1000".into(),
        },
        1,
    ));
    let create_form = encode_create_params(&p).to_string();
    // Bob's modified app: sessions nobody will open, as fast as it can.
    let mut bobs = Vec::new();
    for _ in 0..12 {
        let (status, body) = create_raw(&srv, BOB, &create_form).await;
        assert_eq!(status, 200, "{body}");
        bobs.push(body["id"].as_str().unwrap_or_default().to_owned());
    }
    // Reconciliation reads meanwhile; only creates count here.
    let creates = || {
        emu.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/checkout/sessions")
            .count()
    };
    let calls = creates();
    let (status, body) = create_raw(&srv, BOB, &create_form).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("too_many_open_sessions")),
        "{body}"
    );
    assert_eq!(creates(), calls, "refused before Stripe");
    // Cancelling (expiring) one frees a place.
    let expire = format!("/v1/checkout/sessions/{}/expire", bobs[0]);
    assert_eq!(call(&srv, BOB, "POST", &expire, None).await.0, 200);
    let (status, body) = create_raw(&srv, BOB, &create_form).await;
    assert_eq!(status, 200, "{body}");

    // Let Bob's backlog use up the check budget (60 a minute: one a second once the first
    // burst is spent).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let checks = || {
        srv.state
            .fulfilments
            .metrics
            .reconciliation_checks
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let started_checks = checks();
    let started = Instant::now();
    // Alice pays for real: her app reads the session (it is looking at it), she pays, the
    // webhook is lost and the app is killed. Reconciliation alone must find it.
    let alice = app(&srv, ALICE);
    let s = alice.create_session(p.clone()).await.expect("alice");
    alice.retrieve_session(s.id.clone()).await.expect("the app looks at it");
    assert!(emu.complete_session(&s.id, true));
    let ledger = srv.state.fulfilments.ledger();
    let bound = Duration::from_secs(4);
    while !ledger.is_fulfilled(&s.id).await.expect("read") {
        assert!(
            started.elapsed() < bound,
            "alice's paid session waited behind bob's backlog for more than {bound:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let waited = started.elapsed();
    let spent = checks() - started_checks;
    // The budget holds: one check a second, plus the bucket's remainder.
    assert!(
        spent as f64 <= waited.as_secs_f64() * 1.0 + 3.0,
        "{spent} checks in {waited:?}"
    );
    let line = format!("reconciliation: alice's paid session fulfilled after {waited:?} behind a backlog of 12 sessions, {spent} checks meanwhile\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
}
