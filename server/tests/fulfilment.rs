//! Fulfilment exactly once (issue 13), end to end on 127.0.0.1: the app's client in backend
//! mode → the server (in-process, or the real `checkout-bridge-server` binary where a SIGKILL
//! is needed) → the emulator as Stripe; webhooks signed with the webhook secret as Stripe signs
//! them; a merchant endpoint that verifies signatures and counts; SQLite files and private
//! PostgreSQL databases on the cluster `scripts/postgres.sh` starts.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::fulfilment::Source;
use checkout_bridge_server::fulfilment::{Delivery, DeliveryFuture, FulfilmentSink};
use checkout_bridge_server::Store;
use checkout_bridge_server::{spawn, spawn_with_sink, RunningServer, Secrets, ServerConfig};
use support::*;

// ---------------------------------------------------------------------------------------------
// Harness

fn log_text() -> String {
    String::from_utf8_lossy(&logs().lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

fn assert_no_secret(text: &str) {
    for secret in [KEY, WHSEC, FULFILMENT_SECRET, ALICE, BOB] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

fn secrets() -> Secrets {
    Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
        fulfilment_secret: Some(FULFILMENT_SECRET.into()),
    }
}

/// Quick retries and polls for tests; `extra` (TOML lines) on top.
const FAST: &str = "fulfilment_retry_initial_ms = 100\nfulfilment_retry_max_ms = 400\noutbox_poll_interval_ms = 50\n";

fn config(emu: &Emulator, db: &str, merchant: Option<&str>, extra: &str) -> ServerConfig {
    let mut lines = format!("{FAST}{extra}");
    if let Some(url) = merchant {
        lines.push_str(&format!("fulfilment_url = \"{url}\"\n"));
    }
    ServerConfig::from_toml(&config_toml(&emu.base_url(), db, &lines)).expect("config")
}

async fn server(emu: &Emulator, db: &str, merchant: Option<&Merchant>, extra: &str) -> RunningServer {
    logs();
    spawn(config(emu, db, merchant.map(|m| m.url()).as_deref(), extra), secrets())
        .await
        .expect("server starts")
}

fn app(base_url: &str, token: &str) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(token)).with_base_url(base_url.to_owned());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn params(amount: i64) -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    p.line_items
        .push(LineItemParams::new(LineItemPrice::inline("usd", amount, "Gems"), 2));
    p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
    p.cancel_url = Some("myapp://checkout/cancel".into());
    p
}

/// Creates a session through the server as the app would, and pays it at "Stripe".
async fn buy(app: &CheckoutClient, emu: &Emulator, amount: i64) -> CheckoutSession {
    let s = app
        .create_session(params(amount))
        .await
        .expect("create through the server");
    assert!(emu.complete_session(&s.id, true), "paid at the emulator");
    s
}

fn completed(emu: &Emulator, id: &str) -> Vec<u8> {
    event(
        "checkout.session.completed",
        emu.session_json(id).expect("session json"),
    )
}

async fn until<T>(limit: Duration, what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn keys(received: &[Received]) -> std::collections::BTreeSet<String> {
    received.iter().map(|r| r.key.clone()).collect()
}

fn assert_well_formed(received: &[Received]) {
    for r in received {
        assert!(r.signature_ok, "bad signature on {}", r.key);
        assert!(r.key_matches_body, "Idempotency-Key is not the body's id: {}", r.key);
        assert_no_secret(&r.body.to_string());
    }
}

// ---------------------------------------------------------------------------------------------
// One record and one key, whichever signals come, in whatever order

async fn four_signals(db: &str) {
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Ok(Duration::ZERO)).await;
    let srv = server(
        &emu,
        db,
        Some(&merchant),
        "reconcile_interval_ms = 200\nreconcile_max_interval_ms = 200\n",
    )
    .await;
    let alice = app(&srv.base_url(), ALICE);
    let http = http();

    // Racing: the four signals at once, right after payment.
    let raced = buy(&alice, &emu, 1500).await;
    let body = completed(&emu, &raced.id);
    let f = srv.state.fulfilments.clone();
    let base = srv.base_url();
    let (w1, w2, retrieved, reconciled) = tokio::join!(
        deliver_webhook(&http, &base, &body),
        deliver_webhook(&http, &base, &body),
        alice.retrieve_session(raced.id.clone()),
        f.fulfil_by_id(&raced.id, Source::Reconciliation),
    );
    assert_eq!((w1, w2), (200, 200));
    assert_eq!(retrieved.expect("retrieve").payment_status, PaymentStatus::Paid);
    reconciled.expect("reconciliation check");

    // In sequence: the reconciliation worker first (no webhook, no app), then the others.
    let quiet = buy(&alice, &emu, 700).await;
    let got = merchant
        .wait_for(Duration::from_secs(10), "the reconciliation's delivery", |r| {
            r.iter().any(|x| x.key.ends_with(&quiet.id))
        })
        .await;
    let by_reconciliation = got.iter().find(|x| x.key.ends_with(&quiet.id)).expect("delivered");
    assert_eq!(by_reconciliation.body["data"]["object"]["source"], "reconciliation");
    let body = completed(&emu, &quiet.id);
    assert_eq!(deliver_webhook(&http, &srv.base_url(), &body).await, 200);
    assert_eq!(deliver_webhook(&http, &srv.base_url(), &body).await, 200);
    alice.retrieve_session(quiet.id.clone()).await.expect("retrieve");

    // Let every worker run a few more rounds, then count.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received = merchant.received();
    assert_well_formed(&received);
    for s in [&raced, &quiet] {
        let mine: Vec<_> = received.iter().filter(|r| r.key.ends_with(&s.id)).collect();
        let distinct: std::collections::BTreeSet<_> = mine.iter().map(|r| r.key.clone()).collect();
        assert_eq!(distinct.len(), 1, "one idempotency key per session: {distinct:?}");
        assert_eq!(
            merchant.acknowledged().get(&format!("ful_{}", s.id)),
            Some(&1),
            "delivered once"
        );
    }
    let counts = srv.state.fulfilments.ledger().counts().await.expect("counts");
    assert_eq!(
        (counts.fulfilments, counts.pending, counts.delivered),
        (2, 0, 2),
        "{counts:?}"
    );

    // The record has the user, the session, the amounts and the line items.
    let p = srv
        .state
        .fulfilments
        .ledger()
        .fulfilment(&raced.id)
        .await
        .expect("read")
        .expect("recorded");
    assert_eq!(
        (p.user.as_str(), p.amount_total, p.currency.as_deref()),
        ("alice", Some(3000), Some("usd"))
    );
    assert_eq!(p.line_items.len(), 1);
    assert_eq!(
        (p.line_items[0].quantity, p.line_items[0].amount_total),
        (Some(2), 3000)
    );
    assert!(p.payment_intent.is_some());
    let delivered = received
        .iter()
        .find(|r| r.key == format!("ful_{}", raced.id))
        .expect("delivered");
    assert_eq!(delivered.kind, "purchase.fulfilled");
    assert_eq!(delivered.body["data"]["object"]["session_id"], raced.id.as_str());
    assert_eq!(delivered.body["data"]["object"]["line_items"][0]["amount_total"], 3000);
    assert_no_secret(&log_text());
}

#[tokio::test]
async fn four_signals_one_record_one_key_sqlite() {
    four_signals(&sqlite_url()).await;
}

#[tokio::test]
async fn four_signals_one_record_one_key_postgres() {
    let Some(db) = fresh_postgres().await else { return };
    four_signals(&db).await;
    drop_postgres(&db).await;
}

// ---------------------------------------------------------------------------------------------
// Merchant down, then up

#[tokio::test]
async fn merchant_down_then_up_gets_it_after_recovery() {
    let emu = Emulator::start().await.expect("emulator");
    // First nobody listens at the URL (connection refused), then the endpoint answers 503.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let url = format!("http://{port}/fulfil");
    let srv = spawn(
        config(&emu, &sqlite_url(), Some(&url), "reconcile_interval_ms = 0\n"),
        secrets(),
    )
    .await
    .expect("server");
    let alice = app(&srv.base_url(), ALICE);
    let s = buy(&alice, &emu, 1200).await;
    assert_eq!(
        deliver_webhook(&http(), &srv.base_url(), &completed(&emu, &s.id)).await,
        200
    );
    let metrics = srv.state.fulfilments.metrics.clone();
    until(Duration::from_secs(10), "two refused attempts", async || {
        (metrics.delivery_failures.load(Ordering::Relaxed) >= 2).then_some(())
    })
    .await;

    let merchant = Merchant::start_on(port, Mode::Fail(503)).await;
    merchant
        .wait_for(Duration::from_secs(10), "three 503s", |r| r.len() >= 3)
        .await;
    assert_eq!(
        srv.state.fulfilments.ledger().counts().await.expect("counts").delivered,
        0
    );
    merchant.set_mode(Mode::Ok(Duration::ZERO));
    let received = merchant
        .wait_for(Duration::from_secs(10), "the delivery after recovery", |r| {
            r.iter().any(|x| x.answered == Some(200))
        })
        .await;
    assert_well_formed(&received);
    assert_eq!(keys(&received).len(), 1, "every attempt carries the same key");
    until(Duration::from_secs(5), "marked delivered", async || {
        let c = srv.state.fulfilments.ledger().counts().await.ok()?;
        (c.delivered == 1 && c.pending == 0).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(merchant.acknowledged().values().sum::<usize>(), 1, "acknowledged once");
    assert_no_secret(&log_text());
}

#[tokio::test]
async fn a_graceful_shutdown_finishes_the_delivery_in_flight() {
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Ok(Duration::from_millis(600))).await;
    let db = sqlite_url();
    let srv = server(&emu, &db, Some(&merchant), "reconcile_interval_ms = 0\n").await;
    let alice = app(&srv.base_url(), ALICE);
    let s = buy(&alice, &emu, 1100).await;
    alice.retrieve_session(s.id.clone()).await.expect("verify (fulfils)");
    merchant
        .wait_for(Duration::from_secs(10), "the attempt", |r| !r.is_empty())
        .await;
    srv.shutdown().await;
    assert_eq!(merchant.received()[0].answered, Some(200));
    let c = Store::open(&db)
        .await
        .expect("ledger")
        .ledger()
        .counts()
        .await
        .expect("counts");
    assert_eq!((c.delivered, c.pending), (1, 0), "marked before the server stopped");
}

// ---------------------------------------------------------------------------------------------
// SIGKILL between recording and delivery

/// The server binary on `db` (1 s delivery timeout, so 3 s leases), a session paid and its
/// webhook delivered, and the delivery held by the (hanging) merchant: the moment to kill it.
async fn paid_with_delivery_in_flight(
    emu: &Emulator,
    db: &str,
    merchant: &Merchant,
) -> (String, ServerProcess, CheckoutSession) {
    let toml = config_toml(
        &emu.base_url(),
        db,
        &format!(
            "{FAST}fulfilment_url = \"{}\"\nfulfilment_timeout_ms = 1000\nreconcile_interval_ms = 0\n",
            merchant.url()
        ),
    );
    let process = ServerProcess::start(&toml).await;
    let alice = app(&process.base_url, ALICE);
    let s = buy(&alice, emu, 990).await;
    assert_eq!(
        deliver_webhook(&http(), &process.base_url, &completed(emu, &s.id)).await,
        200
    );
    merchant
        .wait_for(Duration::from_secs(10), "the first attempt", |r| !r.is_empty())
        .await;
    (toml, process, s)
}

#[tokio::test]
async fn server_killed_mid_delivery_delivers_after_restart_sqlite() {
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Hang).await;
    let db = sqlite_url();
    let (toml, first, s) = paid_with_delivery_in_flight(&emu, &db, &merchant).await;
    let first_log = first.log_text();
    first.kill().await;
    let killed_at = merchant.received().len();
    merchant.set_mode(Mode::Ok(Duration::ZERO));

    let second = ServerProcess::start(&toml).await;
    let received = merchant
        .wait_for(Duration::from_secs(20), "the delivery by the restarted server", |r| {
            r[killed_at..].iter().any(|x| x.answered == Some(200))
        })
        .await;
    assert_well_formed(&received);
    assert_eq!(keys(&received), [format!("ful_{}", s.id)].into_iter().collect());
    let ledger = Store::open(&db).await.expect("open the file the servers used").ledger();
    until(Duration::from_secs(5), "marked delivered", async || {
        let c = ledger.counts().await.ok()?;
        (c.fulfilments == 1 && c.delivered == 1 && c.pending == 0).then_some(())
    })
    .await;
    assert_no_secret(&first_log);
    assert_no_secret(&second.log_text());
    second.kill().await;
}

// ---------------------------------------------------------------------------------------------
// Two instances on PostgreSQL

#[tokio::test]
async fn two_instances_on_postgres_race_on_200_paid_sessions() {
    const N: usize = 200;
    let Some(db) = fresh_postgres().await else { return };
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Ok(Duration::from_millis(15))).await;
    let extra = "fulfilment_concurrency = 8\nreconcile_interval_ms = 300\nreconcile_max_interval_ms = 300\n";
    let a = server(&emu, &db, Some(&merchant), extra).await;
    let b = server(&emu, &db, Some(&merchant), extra).await;
    let bases = [a.base_url(), b.base_url()];
    let clients = [app(&bases[0], ALICE), app(&bases[1], ALICE)];

    let slots = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let (client, slots) = (clients[i % 2].clone(), slots.clone());
        tasks.spawn(async move {
            let _p = slots.acquire_owned().await.expect("slot");
            client.create_session(params(500 + i as i64)).await.expect("create").id
        });
    }
    let ids: Vec<String> = tasks.join_all().await;
    for id in &ids {
        assert!(emu.complete_session(id, true));
    }
    // Every session's webhook goes to both instances at once (Stripe retries and duplicate
    // deliveries land on whichever instance the load balancer picks), while both reconcile.
    let http = http();
    let mut tasks = tokio::task::JoinSet::new();
    for id in &ids {
        let body = completed(&emu, id);
        let (http, bases, slots) = (http.clone(), bases.clone(), slots.clone());
        tasks.spawn(async move {
            let _p = slots.acquire_owned().await.expect("slot");
            let (x, y) = tokio::join!(
                deliver_webhook(&http, &bases[0], &body),
                deliver_webhook(&http, &bases[1], &body)
            );
            assert_eq!((x, y), (200, 200));
        });
    }
    tasks.join_all().await;
    merchant
        .wait_for(Duration::from_secs(60), "200 acknowledged keys", |r| {
            keys(
                &r.iter()
                    .filter(|x| x.answered == Some(200))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
            .len()
                == N
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;

    let counts = a.state.fulfilments.ledger().counts().await.expect("counts");
    assert_eq!(
        (counts.fulfilments, counts.pending, counts.delivered),
        (N as i64, 0, N as i64)
    );
    assert_eq!(
        merchant.state.max_overlap.load(Ordering::SeqCst),
        1,
        "a key was delivered by both at once"
    );
    let acked = merchant.acknowledged();
    assert_eq!(acked.len(), N);
    assert!(acked.values().all(|&n| n == 1), "each key acknowledged once: {acked:?}");
    assert_well_formed(&merchant.received());
    let by = |s: &RunningServer| s.state.fulfilments.metrics.delivered.load(Ordering::Relaxed);
    let recorded = |s: &RunningServer| s.state.fulfilments.metrics.recorded.load(Ordering::Relaxed);
    assert_eq!(by(&a) + by(&b), N as u64);
    assert_eq!(recorded(&a) + recorded(&b), N as u64);
    println!(
        "delivered by a: {}, by b: {}; recorded by a: {}, by b: {}",
        by(&a),
        by(&b),
        recorded(&a),
        recorded(&b)
    );
    drop((a, b));
    drop_postgres(&db).await;
    assert_no_secret(&log_text());
}

#[tokio::test]
async fn instance_killed_mid_delivery_is_covered_by_the_other_on_postgres() {
    let Some(db) = fresh_postgres().await else { return };
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Hang).await;
    let (_, doomed, s) = paid_with_delivery_in_flight(&emu, &db, &merchant).await;

    // The other instance is up while the first one holds the lease, then the first dies.
    let other = server(
        &emu,
        &db,
        Some(&merchant),
        "fulfilment_timeout_ms = 1000\nreconcile_interval_ms = 0\n",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(merchant.received().len(), 1, "the lease keeps the other instance off");
    doomed.kill().await;
    let killed_at = merchant.received().len();
    merchant.set_mode(Mode::Ok(Duration::ZERO));
    merchant
        .wait_for(Duration::from_secs(20), "the other instance's delivery", |r| {
            r[killed_at..].iter().any(|x| x.answered == Some(200))
        })
        .await;
    assert_eq!(other.state.fulfilments.metrics.delivered.load(Ordering::Relaxed), 1);
    assert_eq!(
        keys(&merchant.received()),
        [format!("ful_{}", s.id)].into_iter().collect()
    );
    until(Duration::from_secs(5), "marked delivered", async || {
        let c = other.state.fulfilments.ledger().counts().await.ok()?;
        (c.delivered == 1 && c.pending == 0).then_some(())
    })
    .await;
    drop(other);
    drop_postgres(&db).await;
}

// ---------------------------------------------------------------------------------------------
// Lost webhook, killed app

#[tokio::test]
async fn lost_webhook_and_killed_app_reconciliation_fulfils_within_its_interval() {
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Ok(Duration::ZERO)).await;
    let interval = Duration::from_millis(1000);
    let srv = server(
        &emu,
        &sqlite_url(),
        Some(&merchant),
        "reconcile_interval_ms = 1000\nreconcile_max_interval_ms = 1000\n",
    )
    .await;
    let alice = app(&srv.base_url(), ALICE);
    // Paid, but no webhook arrives and the app never asks again.
    let s = alice.create_session(params(800)).await.expect("create");
    let paid_at = Instant::now();
    assert!(emu.complete_session(&s.id, true));
    drop(alice);
    let received = merchant
        .wait_for(interval * 3, "the reconciliation's delivery", |r| !r.is_empty())
        .await;
    let latency = received[0].at - paid_at;
    // Within the interval, plus the time one check takes (debug build, two emulator calls).
    assert!(latency <= interval + Duration::from_millis(750), "took {latency:?}");
    assert_eq!(received[0].body["data"]["object"]["source"], "reconciliation");
    assert_well_formed(&received);
}

// ---------------------------------------------------------------------------------------------
// Other integrations' sessions and charges

#[tokio::test]
async fn events_for_other_integrations_are_ignored_and_logged() {
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Ok(Duration::ZERO)).await;
    let srv = server(&emu, &sqlite_url(), Some(&merchant), "reconcile_interval_ms = 100\n").await;
    let http = http();

    // (a) A session another integration created on the same account, even naming our user.
    let mut direct = ClientConfig::new(Credential::secret_key(KEY)).with_base_url(emu.base_url());
    direct.max_retries = 0;
    let direct = CheckoutClient::new(direct).expect("direct client");
    let mut p = params(1000);
    p.client_reference_id = Some("alice".into());
    let foreign = direct.create_session(p).await.expect("created elsewhere");
    assert!(emu.complete_session(&foreign.id, true));
    emu.clear_requests();
    assert_eq!(
        deliver_webhook(&http, &srv.base_url(), &completed(&emu, &foreign.id)).await,
        200
    );
    assert!(
        !emu.requests().iter().any(|r| r.path.contains(&foreign.id)),
        "an unknown session costs no call to Stripe"
    );

    // (b) A session created here whose client_reference_id follows another scheme by the time
    // it is paid (another integration reusing the ID space).
    let alice = app(&srv.base_url(), ALICE);
    let ours = alice.create_session(params(1000)).await.expect("create");
    assert!(emu.tamper_session(&ours.id, serde_json::json!({"client_reference_id": "order:4711"})));
    assert!(emu.complete_session(&ours.id, true));
    assert_eq!(
        deliver_webhook(&http, &srv.base_url(), &completed(&emu, &ours.id)).await,
        200
    );

    // (c) A refund and a dispute of charges that are not ours.
    let charge = serde_json::json!({"id": "ch_elsewhere", "object": "charge", "amount": 1000,
        "amount_refunded": 1000, "refunded": true, "payment_intent": "pi_elsewhere"});
    assert_eq!(
        deliver_webhook(&http, &srv.base_url(), &event("charge.refunded", charge)).await,
        200
    );
    let dispute = serde_json::json!({"id": "dp_elsewhere", "object": "dispute", "charge": "ch_elsewhere",
        "payment_intent": "pi_elsewhere", "amount": 1000, "reason": "fraudulent", "status": "needs_response"});
    assert_eq!(
        deliver_webhook(&http, &srv.base_url(), &event("charge.dispute.created", dispute)).await,
        200
    );

    tokio::time::sleep(Duration::from_millis(600)).await; // reconciliation rounds included
    assert!(merchant.received().is_empty(), "{:?}", merchant.received());
    let counts = srv.state.fulfilments.ledger().counts().await.expect("counts");
    assert_eq!(counts.fulfilments, 0);
    assert!(srv.state.fulfilments.metrics.ignored.load(Ordering::Relaxed) >= 4);
    let text = log_text();
    assert!(
        text.contains(&foreign.id) && text.contains("not a session created through this server"),
        "{text}"
    );
    assert!(
        text.contains(&ours.id) && text.contains("client_reference_id is not the user"),
        "{text}"
    );
    assert!(text.contains("charge event matches no fulfilled session"), "{text}");
    assert_no_secret(&text);
}

// ---------------------------------------------------------------------------------------------
// Restore purchases

async fn get_purchases(base: &str, token: Option<&str>, query: &str) -> (u16, serde_json::Value) {
    let mut req = http().get(format!("{base}/v1/purchases{query}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn purchases_list_only_the_users_own() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu, &sqlite_url(), None, "reconcile_interval_ms = 0\n").await;
    let base = srv.base_url();
    let (alice, bob) = (app(&base, ALICE), app(&base, BOB));
    let mut hers = Vec::new();
    for amount in [100, 200, 300] {
        let s = buy(&alice, &emu, amount).await;
        alice.retrieve_session(s.id.clone()).await.expect("verify");
        hers.push(s.id);
        tokio::time::sleep(Duration::from_millis(1100)).await; // distinct fulfilled_at seconds
    }
    let his = buy(&bob, &emu, 900).await;
    bob.retrieve_session(his.id.clone()).await.expect("verify");
    let unpaid = alice.create_session(params(50)).await.expect("unpaid");
    let _ = unpaid;

    let (status, list) = get_purchases(&base, Some(ALICE), "").await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["session_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        hers.iter().rev().map(String::as_str).collect::<Vec<_>>(),
        "newest first, hers only"
    );
    assert!(list["data"]
        .as_array()
        .expect("data")
        .iter()
        .all(|p| p["user"] == "alice" && p["object"] == "purchase"));
    assert_eq!(list["data"][0]["line_items"][0]["amount_total"], 600);
    let (_, bobs) = get_purchases(&base, Some(BOB), "").await;
    assert_eq!(bobs["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(bobs["data"][0]["session_id"], his.id.as_str());

    // Paging, Stripe-style.
    let (_, page1) = get_purchases(&base, Some(ALICE), "?limit=2").await;
    assert_eq!(
        (page1["data"].as_array().map(Vec::len), page1["has_more"].clone()),
        (Some(2), true.into())
    );
    let last = page1["data"][1]["session_id"].as_str().expect("id").to_owned();
    let (_, page2) = get_purchases(&base, Some(ALICE), &format!("?limit=2&starting_after={last}")).await;
    assert_eq!(
        (page2["data"].as_array().map(Vec::len), page2["has_more"].clone()),
        (Some(1), false.into())
    );
    assert_eq!(page2["data"][0]["session_id"], hers[0].as_str());

    // Another user's session as a cursor reveals nothing.
    let (status, e) = get_purchases(&base, Some(BOB), &format!("?starting_after={}", hers[0])).await;
    assert_eq!((status, e["error"]["code"].clone()), (400, "resource_missing".into()));
    for q in ["?limit=0", "?limit=101", "?limit=x", "?customer=cus_1", "?user=alice"] {
        assert_eq!(get_purchases(&base, Some(BOB), q).await.0, 400, "{q}");
    }
    assert_eq!(get_purchases(&base, None, "").await.0, 401);
    assert_eq!(get_purchases(&base, Some("wrong-token"), "").await.0, 401);
}

/// The library's `list_purchases` (what a reinstalled app calls) against the server: typed
/// records, only the user's own, every page, an empty list, direct mode refused.
#[tokio::test]
async fn the_library_restores_only_the_users_own_purchases() {
    let emu = Arc::new(Emulator::start().await.expect("emulator"));
    let srv = server(&emu, &sqlite_url(), None, "reconcile_interval_ms = 0\n").await;
    let base = srv.base_url();
    let (alice, bob) = (app(&base, ALICE), app(&base, BOB));
    assert_eq!(bob.list_purchases().await.expect("empty list"), vec![]);

    // 103 for alice (more than one page of 100), one for bob, one unpaid for alice.
    let slots = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..103 {
        let (alice, emu, slots) = (alice.clone(), emu.clone(), slots.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.expect("slot");
            let s = buy(&alice, &emu, 100 + i).await;
            alice.retrieve_session(s.id.clone()).await.expect("verify");
            s.id
        });
    }
    let hers: std::collections::BTreeSet<String> = tasks.join_all().await.into_iter().collect();
    let his = buy(&bob, &emu, 900).await;
    bob.retrieve_session(his.id.clone()).await.expect("verify");
    let unpaid = alice.create_session(params(50)).await.expect("unpaid");

    let listed = alice.list_purchases().await.expect("alice's purchases");
    let ids: std::collections::BTreeSet<String> = listed.iter().map(|p| p.session_id.clone()).collect();
    assert_eq!(listed.len(), 103, "each once");
    assert_eq!(ids, hers, "hers, all of them, across pages");
    assert!(!ids.contains(&his.id) && !ids.contains(&unpaid.id));
    assert!(
        listed.windows(2).all(|w| w[0].fulfilled_at >= w[1].fulfilled_at),
        "newest first"
    );
    for p in &listed {
        assert_eq!(p.user, "alice");
        assert_eq!(
            (p.mode.clone(), p.payment_status.clone()),
            (CheckoutMode::Payment, PaymentStatus::Paid)
        );
        assert_eq!(p.source, PurchaseSource::Retrieve);
        assert_eq!(p.currency.as_deref(), Some("usd"));
        let item = &p.line_items[0];
        assert_eq!((item.quantity, item.description.as_deref()), (Some(2), Some("Gems")));
        assert_eq!(p.amount_total, Some(item.amount_total));
        assert!(!p.refunded && !p.disputed && p.amount_refunded == 0);
    }
    let bobs = bob.list_purchases().await.expect("bob's purchases");
    assert_eq!(
        bobs.iter()
            .map(|p| (p.session_id.as_str(), p.user.as_str(), p.amount_total))
            .collect::<Vec<_>>(),
        [(his.id.as_str(), "bob", Some(1800))]
    );

    // A refused token is a typed error without the token in it.
    let e = app(&base, "not-a-known-token-9876")
        .list_purchases()
        .await
        .expect_err("refused");
    assert!(matches!(e, CheckoutError::Authentication { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("not-a-known-token-9876"), "{e}");

    // Direct mode (a Stripe key) has no purchases to list: refused before anything is sent.
    let mut direct = ClientConfig::new(Credential::secret_key(KEY)).with_base_url(emu.base_url());
    direct.max_retries = 0;
    emu.clear_requests();
    let e = CheckoutClient::new(direct)
        .expect("direct client")
        .list_purchases()
        .await
        .expect_err("direct mode");
    assert!(matches!(e, CheckoutError::BackendRequired { .. }), "{e:?}");
    assert_no_secret(&format!("{e} {e:?}"));
    assert!(emu.requests().is_empty(), "nothing reached Stripe");
}

/// The real binary: a purchase recorded, the process SIGKILLed, a new process on the same
/// database; a freshly installed app (a new client) restores it.
#[tokio::test]
async fn purchases_survive_a_killed_server_and_restore_in_a_new_app() {
    let emu = Emulator::start().await.expect("emulator");
    let db = sqlite_url();
    let toml = config_toml(&emu.base_url(), &db, "reconcile_interval_ms = 0\n");
    let first = ServerProcess::start(&toml).await;
    let s = buy(&app(&first.base_url, ALICE), &emu, 1250).await;
    assert_eq!(
        deliver_webhook(&http(), &first.base_url, &completed(&emu, &s.id)).await,
        200
    );
    first.kill().await;

    let second = ServerProcess::start(&toml).await;
    let restored = app(&second.base_url, ALICE).list_purchases().await.expect("restored");
    assert_eq!(
        restored
            .iter()
            .map(|p| (p.session_id.as_str(), p.amount_total, p.source.clone()))
            .collect::<Vec<_>>(),
        [(s.id.as_str(), Some(2500), PurchaseSource::Webhook)]
    );
    assert_eq!(app(&second.base_url, BOB).list_purchases().await.expect("bob"), vec![]);
    assert_no_secret(&second.log_text());
    second.kill().await;
}

// ---------------------------------------------------------------------------------------------
// Refunds and disputes

async fn refunds_and_disputes(db: &str) {
    let emu = Emulator::start().await.expect("emulator");
    let merchant = Merchant::start(Mode::Ok(Duration::ZERO)).await;
    let srv = server(&emu, db, Some(&merchant), "reconcile_interval_ms = 0\n").await;
    let http = http();
    let alice = app(&srv.base_url(), ALICE);
    let s = buy(&alice, &emu, 750).await;
    assert_eq!(
        deliver_webhook(&http, &srv.base_url(), &completed(&emu, &s.id)).await,
        200
    );
    let pi = emu.session_json(&s.id).expect("session")["payment_intent"]
        .as_str()
        .expect("payment intent")
        .to_owned();
    let charge = |refunded_amount: i64, full: bool| {
        // stripe-node `Charge`: amount, amount_refunded, refunded, payment_intent.
        serde_json::json!({"id": "ch_fulfil_1", "object": "charge", "amount": 1500,
            "amount_refunded": refunded_amount, "refunded": full, "payment_intent": pi})
    };
    let send = async |kind: &str, obj: serde_json::Value| {
        assert_eq!(deliver_webhook(&http, &srv.base_url(), &event(kind, obj)).await, 200);
    };
    send("charge.refunded", charge(500, false)).await;
    send("charge.refunded", charge(500, false)).await; // the same refund, another Event object
    send("charge.refunded", charge(1500, true)).await;
    send("charge.refunded", charge(500, false)).await; // a late, out-of-order delivery
                                                       // stripe-node `Dispute`: charge, payment_intent, amount, reason, status.
    let dispute = serde_json::json!({"id": "dp_fulfil_1", "object": "dispute", "charge": "ch_fulfil_1",
        "payment_intent": pi, "amount": 1500, "reason": "fraudulent", "status": "needs_response"});
    send("charge.dispute.created", dispute.clone()).await;
    send("charge.dispute.created", dispute).await;

    let expected: std::collections::BTreeSet<String> = [
        format!("ful_{}", s.id),
        "rfd_ch_fulfil_1_500".into(),
        "rfd_ch_fulfil_1_1500".into(),
        "dsp_dp_fulfil_1".into(),
    ]
    .into_iter()
    .collect();
    let received = merchant
        .wait_for(Duration::from_secs(10), "four notices", |r| keys(r) == expected)
        .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(merchant.received().len(), 4, "one delivery per notice: {received:#?}");
    assert_well_formed(&merchant.received());
    let by_key = |k: &str| merchant.received().into_iter().find(|r| r.key == k).expect(k);
    let partial = by_key("rfd_ch_fulfil_1_500");
    assert_eq!(partial.kind, "purchase.refunded");
    assert_eq!(partial.body["data"]["object"]["amount_refunded"], 500);
    assert_eq!(partial.body["data"]["object"]["refunded"], false);
    let full = by_key("rfd_ch_fulfil_1_1500");
    assert_eq!(
        (
            full.body["data"]["object"]["refunded"].clone(),
            full.body["data"]["object"]["amount_refunded"].clone()
        ),
        (true.into(), 1500.into())
    );
    let disputed = by_key("dsp_dp_fulfil_1");
    assert_eq!(
        (
            disputed.kind.as_str(),
            disputed.body["data"]["object"]["disputed"].clone()
        ),
        ("purchase.disputed", true.into())
    );

    // The record says so too, and so does the app's list.
    let p = srv
        .state
        .fulfilments
        .ledger()
        .fulfilment(&s.id)
        .await
        .expect("read")
        .expect("recorded");
    assert_eq!((p.amount_refunded, p.refunded, p.disputed), (1500, true, true));
    let (_, list) = get_purchases(&srv.base_url(), Some(ALICE), "").await;
    assert_eq!(list["data"][0]["refunded"], true);
    assert_eq!(list["data"][0]["disputed"], true);
}

#[tokio::test]
async fn refunds_and_disputes_mark_the_record_and_are_delivered_sqlite() {
    refunds_and_disputes(&sqlite_url()).await;
}

#[tokio::test]
async fn refunds_and_disputes_mark_the_record_and_are_delivered_postgres() {
    let Some(db) = fresh_postgres().await else { return };
    refunds_and_disputes(&db).await;
    drop_postgres(&db).await;
}

// ---------------------------------------------------------------------------------------------
// Embedders: a Rust trait instead of a URL

struct FlakyGrant {
    calls: AtomicUsize,
    seen: Mutex<Vec<(String, i64)>>,
}

impl FulfilmentSink for FlakyGrant {
    fn deliver<'a>(&'a self, d: &'a Delivery) -> DeliveryFuture<'a> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((d.key.clone(), d.attempt));
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err("entitlement store busy".into())
            } else {
                Ok(())
            }
        })
    }
}

#[tokio::test]
async fn a_rust_sink_gets_the_same_outbox_without_a_url() {
    let emu = Emulator::start().await.expect("emulator");
    logs();
    let sink = Arc::new(FlakyGrant {
        calls: AtomicUsize::new(0),
        seen: Mutex::new(Vec::new()),
    });
    let srv = spawn_with_sink(
        config(&emu, &sqlite_url(), None, "reconcile_interval_ms = 0\n"),
        Secrets {
            fulfilment_secret: None,
            ..secrets()
        },
        Some(sink.clone()),
    )
    .await
    .expect("server");
    let alice = app(&srv.base_url(), ALICE);
    let s = buy(&alice, &emu, 400).await;
    alice.retrieve_session(s.id.clone()).await.expect("verify (fulfils)");
    until(Duration::from_secs(10), "the retried delivery", async || {
        (srv.state.fulfilments.ledger().counts().await.ok()?.delivered == 1).then_some(())
    })
    .await;
    let seen = sink.seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let key = format!("ful_{}", s.id);
    assert_eq!(seen, vec![(key.clone(), 1), (key, 2)]);
    assert!(log_text().contains("entitlement store busy"));
}

#[tokio::test]
async fn a_fulfilment_url_needs_a_strong_secret_from_the_environment() {
    let emu = Emulator::start().await.expect("emulator");
    let cfg = || config(&emu, &sqlite_url(), Some("http://127.0.0.1:9/fulfil"), "");
    for secret in [None, Some("short-secret".to_owned())] {
        let e = spawn(
            cfg(),
            Secrets {
                fulfilment_secret: secret,
                ..secrets()
            },
        )
        .await
        .err()
        .expect("refused")
        .to_string();
        assert!(e.contains("CHECKOUT_BRIDGE_FULFILMENT_SECRET"), "{e}");
        assert!(!e.contains("short-secret"), "{e}");
    }
    let sink = checkout_bridge_server::fulfilment::HttpSink::new(
        "http://127.0.0.1:9/fulfil",
        FULFILMENT_SECRET,
        Duration::from_secs(1),
    )
    .expect("sink");
    assert_no_secret(&format!("{sink:?} {:?}", secrets()));
}
